/// One whole frame: header fields and payload bytes.
public struct Frame: Sendable, Equatable {
  /// The frame type.
  public var type: FrameType
  /// Type-specific flags.
  public var flags: UInt8
  /// The call the frame belongs to; 0 for the connection.
  public var callID: UInt32
  /// The payload.
  public var payload: [UInt8]

  /// Creates a frame.
  public init(type: FrameType, flags: UInt8 = 0, callID: UInt32, payload: [UInt8] = []) {
    self.type = type
    self.flags = flags
    self.callID = callID
    self.payload = payload
  }

  /// The meaning of a frame, its payload decoded and its rules checked.
  public enum Body: Sendable, Equatable {
    case settings(Settings, ack: Bool)
    case open(CallOpen)
    case data([UInt8], endStream: Bool, continues: Bool)
    case status(CallStatus)
    case cancel(CallCancel)
    case ping(UInt64, ack: Bool)
    case goAway(GoAway)
    case windowUpdate(UInt32)
    /// A type this build does not know; the receiver ignores it.
    case unknown(FrameType)
  }

  /// Decodes the payload and checks the frame against the protocol's rules
  /// (which frames take call id 0, fixed payload sizes, reserved flags).
  public func body(limits: WireLimits = .default) throws(WireError) -> Body {
    let connectionLevel = [FrameType.settings, .ping, .goAway].contains(type)
    if connectionLevel && callID != 0 {
      throw WireError(.malformedFrame, at: -1, "\(type) frame must carry call id 0, not \(callID)")
    }
    if !connectionLevel && type.rawValue <= FrameType.windowUpdate.rawValue && callID == 0 {
      throw WireError(.malformedFrame, at: -1, "\(type) frame must carry a call id other than 0")
    }
    switch type {
    case .settings:
      let ack = flags & FrameFlags.ack != 0
      if ack && !payload.isEmpty {
        throw WireError(.malformedFrame, at: -1, "SETTINGS acknowledgement must have an empty payload")
      }
      let settings = try Settings(serializedBytes: payload, limits: limits)
      try settings.validate()
      return .settings(settings, ack: ack)
    case .open:
      return .open(try CallOpen(serializedBytes: payload, limits: limits))
    case .data:
      if flags & FrameFlags.compressed != 0 {
        throw WireError(.malformedFrame, at: -1, "DATA frame has the compressed flag, which version 1 does not use")
      }
      return .data(payload, endStream: flags & FrameFlags.endStream != 0, continues: flags & FrameFlags.continues != 0)
    case .status:
      return .status(try CallStatus(serializedBytes: payload, limits: limits))
    case .cancel:
      return .cancel(try CallCancel(serializedBytes: payload, limits: limits))
    case .ping:
      guard payload.count == 8 else {
        throw WireError(.malformedFrame, at: -1, "PING payload must be 8 bytes, not \(payload.count)")
      }
      let value = payload.withUnsafeBytes { UInt64(bigEndian: $0.loadUnaligned(as: UInt64.self)) }
      return .ping(value, ack: flags & FrameFlags.ack != 0)
    case .goAway:
      return .goAway(try GoAway(serializedBytes: payload, limits: limits))
    case .windowUpdate:
      guard payload.count == 4 else {
        throw WireError(.malformedFrame, at: -1, "WINDOW_UPDATE payload must be 4 bytes, not \(payload.count)")
      }
      let increment = payload.withUnsafeBytes { UInt32(bigEndian: $0.loadUnaligned(as: UInt32.self)) }
      guard increment != 0, increment <= FrameHeader.maxWindow else {
        throw WireError(.flowControl, at: -1, "WINDOW_UPDATE increment must be 1…2^31-1, not \(increment)")
      }
      return .windowUpdate(increment)
    default:
      return .unknown(type)
    }
  }
}

extension Settings {
  /// Checks each stated value against the range `Schema/PROTOCOL.md` §3.1 allows.
  public func validate() throws(WireError) {
    func check(_ value: UInt32, _ name: String, _ range: ClosedRange<UInt32>) throws(WireError) {
      guard value == 0 || range.contains(value) else {
        throw WireError(.malformedFrame, at: -1, "SETTINGS \(name) \(value) is outside \(range.lowerBound)…\(range.upperBound)")
      }
    }
    try check(maxFrameSize, "max_frame_size", UInt32(ProtocolDefaults.minFrameSize)...UInt32(ProtocolDefaults.maxFrameSizeLimit))
    try check(maxMessageSize, "max_message_size", 1_024...UInt32.max)
    try check(maxConcurrentCalls, "max_concurrent_calls", 1...UInt32.max)
    try check(initialCallWindow, "initial_call_window", 65_536...0x7FFF_FFFF)
    try check(maxMetadataSize, "max_metadata_size", 1_024...UInt32.max)
  }
}
