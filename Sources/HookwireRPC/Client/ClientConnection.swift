import HookwireWire

/// The client side of one connection: opens calls, matches frames to them
/// by call id, and reports each call's messages and end, as
/// `Schema/PROTOCOL.md` specifies.
///
/// Everything here runs on the host's thread; callers hop there first.
public final class ClientConnection: @unchecked Sendable {
  // Unchecked: confined to the host thread (see the type's documentation).

  /// Where a connection is in its life; `enter(_:)` is the one place it changes.
  enum State: Equatable {
    /// Waiting for the server's preface (calls may already be opened).
    case awaitingPreface
    /// The preface is read; the server's next frame must be its SETTINGS.
    case awaitingSettings
    /// Calls may start.
    case open
    /// The server sent GOAWAY: no new calls; calls above `lastCallID` were
    /// refused; the connection closes when the rest end.
    case goingAway(lastCallID: UInt32)
    /// Closed; `goAwayLastID` is the server's GOAWAY's, if one came first.
    case closed(goAwayLastID: UInt32?)
  }

  let sink: any ByteSink
  let loop: any ConnectionLoop
  let limits: ConnectionLimits
  private let onClose: (RPCError) -> Void
  private var decoder: FrameDecoder
  private let out: OutboundFrames
  private(set) var state = State.awaitingPreface
  private var peer = PeerSettings()
  private var calls: [UInt32: Call] = [:]
  private var nextCallID: UInt32 = 1
  private var pingWaiters: [UInt64: (Bool) -> Void] = [:]
  private var nextPing: UInt64 = 1
  /// Set by GOAWAY: no new calls; calls above the id failed.
  public var goAwayLastID: UInt32? {
    switch state {
    case .goingAway(let id): id
    case .closed(let id): id
    case .awaitingPreface, .awaitingSettings, .open: nil
    }
  }

  /// Set once the connection has closed.
  public var isClosed: Bool {
    if case .closed = state { true } else { false }
  }

  /// Creates the connection on `host` (its byte sink and its loop) and
  /// sends the client's preface and SETTINGS.
  public convenience init(host: any ConnectionHost, limits: ConnectionLimits = ConnectionLimits(), onClose: @escaping (RPCError) -> Void) {
    self.init(sink: host, loop: host, limits: limits, onClose: onClose)
  }

  /// Creates the connection writing to `sink` on `loop` and sends the
  /// client's preface and SETTINGS.
  public init(
    sink: any ByteSink, loop: any ConnectionLoop, limits: ConnectionLimits = ConnectionLimits(),
    onClose: @escaping (RPCError) -> Void
  ) {
    self.sink = sink
    self.loop = loop
    self.limits = limits
    self.onClose = onClose
    decoder = FrameDecoder(maxFrameSize: limits.maxFrameSize)
    out = OutboundFrames(sink: sink, loop: loop)
    out.sendHandshake(settings: limits.settings)
  }

  /// Moves to `next`. The client's stages hold no timers (its deadlines and
  /// keepalive belong to `RPCClient`), so this only records the stage.
  private func enter(_ next: State) {
    state = next
  }

  /// Whether new calls may start here.
  public var acceptsCalls: Bool {
    switch state {
    case .awaitingPreface, .awaitingSettings, .open: nextCallID <= FrameHeader.maxCallID
    case .goingAway, .closed: false
    }
  }

  /// Calls in progress.
  public var activeCalls: Int { calls.count }

  /// How many calls the server lets this connection have open at once: its
  /// SETTINGS `max_concurrent_calls`, and the protocol's default (100) until
  /// they arrive, as `Schema/PROTOCOL.md` has every setting.
  public var callSlots: Int { max(1, peer.maxConcurrentCalls) }

  /// Whether a new call would fit within the server's concurrent-call
  /// limit now; a call opened without a slot is refused RESOURCE_EXHAUSTED.
  public var hasFreeCallSlot: Bool { acceptsCalls && calls.count < callSlots }

  /// Runs (on the host thread) whenever a call slot may have come free or
  /// the server's limit changed: a call ended or was cancelled, or SETTINGS
  /// arrived. The client opens calls waiting for a slot from here.
  public var onCallSlotsChanged: (() -> Void)?

  // MARK: - Calls

  /// Opens a call and sends its one request; returns the call id.
  public func startCall(
    method: String, metadata: [MetadataEntry], timeoutMicroseconds: UInt64, request: [UInt8], unary: Bool,
    handlers: CallHandlers
  ) -> UInt32? {
    guard acceptsCalls else { return nil }
    let id = nextCallID
    nextCallID += 1
    calls[id] = Call(handlers: handlers, unary: unary, window: limits.initialCallWindow)
    FrameEncoder.write(.open, callID: id, message: CallOpen(method: method, timeoutUs: timeoutMicroseconds, metadata: metadata), to: &out.writer)
    // Requests are small next to the window (1 MiB); a larger one is sent in
    // frames of the peer's size and relies on the server's window updates.
    request.withUnsafeBytes {
      FrameEncoder.writeData(callID: id, message: $0, endStream: true, maxFrameSize: peer.maxFrameSize, to: &out.writer)
    }
    out.scheduleFlush()
    return id
  }

  /// Abandons a call: sends CANCEL; nothing more is reported for it.
  public func cancel(_ id: UInt32, code: StatusCode = .cancelled) {
    guard calls.removeValue(forKey: id) != nil, !isClosed else { return }
    FrameEncoder.write(.cancel, callID: id, message: CallCancel(code: code.rawValue), to: &out.writer)
    out.scheduleFlush()
    onCallSlotsChanged?()
  }

  /// The reader of a streaming call consumed `bytes`: grant them back.
  public func consumed(_ bytes: Int, on id: UInt32) {
    guard let call = calls[id], !isClosed else { return }
    grant(bytes, to: call, id: id)
  }

  private func grant(_ bytes: Int, to call: Call, id: UInt32) {
    call.unacknowledged += bytes
    guard call.unacknowledged >= limits.initialCallWindow / 4 else { return }
    FrameEncoder.writeWindowUpdate(callID: id, increment: UInt32(call.unacknowledged), to: &out.writer)
    call.inboundWindow += call.unacknowledged
    call.unacknowledged = 0
    out.scheduleFlush()
  }

  /// Sends a PING; `completion(true)` when its ACK arrives, `false` if the
  /// connection closes first.
  public func ping(_ completion: @escaping (Bool) -> Void) {
    guard !isClosed else { return completion(false) }
    let opaque = nextPing
    nextPing += 1
    pingWaiters[opaque] = completion
    FrameEncoder.writePing(opaque, ack: false, to: &out.writer)
    out.scheduleFlush()
  }

  // MARK: - Input

  /// Bytes from the transport.
  public func received(_ bytes: UnsafeRawBufferPointer) {
    guard !isClosed else { return }
    decoder.append(bytes)
    do throws(WireError) {
      if state == .awaitingPreface {
        guard let version = try decoder.nextPreface() else { return }
        guard version == ConnectionPreface.version else {
          throw WireError(.unsupportedVersion, at: 8, "server speaks protocol version \(version)")
        }
        enter(.awaitingSettings)
      }
      while !isClosed, let frame = try decoder.nextFrame() {
        if state == .awaitingSettings {
          guard frame.type == .settings, frame.flags & FrameFlags.ack == 0 else {
            throw WireError(.malformedFrame, at: -1, "the server's first frame is \(frame.type), not SETTINGS")
          }
          enter(.open)
        }
        try handle(frame)
      }
    } catch {
      let code: GoAwayCode =
        switch error.code {
        case .frameTooLarge: .frameSizeError
        case .flowControl: .flowControlError
        default: .protocolError
        }
      fail(RPCError(code: .internal, message: "the server broke the protocol: \(error)"), goAway: code)
    }
  }

  /// The transport closed.
  public func transportClosed() {
    fail(RPCError(code: .unavailable, message: "the connection closed"), goAway: nil)
  }

  /// Closes the connection, failing its calls with `error`.
  public func close(_ error: RPCError) {
    fail(error, goAway: .noError)
  }

  private func handle(_ frame: Frame) throws(WireError) {
    switch try frame.body(limits: WireLimits(maxMessageBytes: limits.maxMessageSize)) {
    case .settings(let settings, let ack):
      guard !ack else { return }
      peer.apply(settings)
      FrameEncoder.write(.settings, flags: FrameFlags.ack, callID: 0, payload: UnsafeRawBufferPointer(start: nil, count: 0), to: &out.writer)
      out.scheduleFlush()
      onCallSlotsChanged?()
    case .data(let payload, _, let continues):
      guard let call = calls[frame.callID] else { return }
      call.inboundWindow -= payload.count
      guard call.inboundWindow >= 0 else {
        throw WireError(.malformedFrame, at: -1, "the server overran call \(frame.callID)'s window")
      }
      if call.partial.count + payload.count > limits.maxMessageSize {
        calls[frame.callID] = nil
        cancelOnWire(frame.callID)
        call.handlers.onEnd(RPCError(code: .resourceExhausted, message: "response larger than the limit of \(limits.maxMessageSize) bytes"))
        onCallSlotsChanged?()
        return
      }
      call.partial.append(contentsOf: payload)
      if call.grantsAsReceived { grant(payload.count, to: call, id: frame.callID) }
      guard !continues else { return }
      let message = call.partial
      call.partial = []
      call.messages += 1
      call.handlers.onMessage(message)
    case .status(let status):
      guard let call = calls.removeValue(forKey: frame.callID) else { return }
      if status.code == 0 {
        if call.unary && call.messages != 1 {
          call.handlers.onEnd(RPCError(code: .unimplemented, message: "a unary call ended with \(call.messages) responses"))
        } else {
          if let onTrailers = call.handlers.onTrailers, !status.metadata.isEmpty,
            let trailers = try? Metadata(wire: status.metadata)
          {
            onTrailers(trailers)
          }
          call.handlers.onEnd(nil)
        }
      } else {
        let metadata = (try? Metadata(wire: status.metadata)) ?? Metadata()
        call.handlers.onEnd(RPCError(code: StatusCode(rawValue: status.code), message: status.message, metadata: metadata))
      }
      if !isClosed && goAwayLastID == nil { onCallSlotsChanged?() }
    case .ping(let opaque, let ack):
      if ack {
        pingWaiters.removeValue(forKey: opaque)?(true)
      } else {
        FrameEncoder.writePing(opaque, ack: true, to: &out.writer)
        out.scheduleFlush()
      }
    case .goAway(let goAway):
      enter(.goingAway(lastCallID: min(goAway.lastCallID, goAwayLastID ?? .max)))
      let refused = calls.filter { $0.key > goAway.lastCallID }
      // A drain's refusals are retried elsewhere; a GOAWAY with an error
      // (a limit, a port that needs TLS) says why the call cannot be served.
      let failing = goAway.errorCode != GoAwayCode.noError.rawValue
      for (id, call) in refused.sorted(by: { $0.key < $1.key }) {
        calls[id] = nil
        if failing {
          call.handlers.onEnd(RPCError(code: .unavailable, message: "the server closed the connection: \(goAway.debugText)"))
        } else if let onRefused = call.handlers.onRefused {
          onRefused()
        } else {
          call.handlers.onEnd(RPCError(code: .unavailable, message: "the server is going away and did not process the call"))
        }
      }
      if goAway.errorCode != GoAwayCode.noError.rawValue {
        fail(RPCError(code: .unavailable, message: "the server closed the connection: \(goAway.debugText)"), goAway: nil)
      } else if calls.isEmpty {
        fail(RPCError(code: .unavailable, message: "the server is going away"), goAway: nil)
      }
    case .windowUpdate, .cancel, .unknown:
      return
    case .open:
      throw WireError(.malformedFrame, at: -1, "servers do not open calls")
    }
    if goAwayLastID != nil && calls.isEmpty && !isClosed {
      fail(RPCError(code: .unavailable, message: "the server is going away"), goAway: nil)
    }
  }

  private func cancelOnWire(_ id: UInt32) {
    FrameEncoder.write(.cancel, callID: id, message: CallCancel(code: StatusCode.cancelled.rawValue), to: &out.writer)
    out.scheduleFlush()
  }

  private func fail(_ error: RPCError, goAway: GoAwayCode?) {
    guard !isClosed else { return }
    if let goAway {
      FrameEncoder.write(.goAway, callID: 0, message: GoAway(errorCode: goAway.rawValue, debugText: error.message), to: &out.writer)
    }
    out.flush()
    enter(.closed(goAwayLastID: goAwayLastID))
    let pending = calls
    calls = [:]
    for (_, call) in pending.sorted(by: { $0.key < $1.key }) { call.handlers.onEnd(error) }
    let pings = pingWaiters
    pingWaiters = [:]
    for waiter in pings.values { waiter(false) }
    sink.closeWhenFlushed()
    onClose(error)
  }

}
