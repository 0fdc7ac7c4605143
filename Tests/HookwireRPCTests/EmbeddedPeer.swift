import HookwireRPC
import HookwireTestSupport
import HookwireWire

/// One side of a connection played by a test, frame by frame: it encodes
/// what it sends and decodes what the connection under test wrote.
struct EmbeddedPeer {
  private var decoder = FrameDecoder()
  private var prefaceRead = false

  /// A decoded frame: its call id and body.
  struct Received: Equatable {
    var callID: UInt32
    var body: Frame.Body
  }

  /// Decodes everything `host` has sent since the last read.
  mutating func read(_ host: EmbeddedConnectionHost) throws -> [Received] {
    decoder.append(host.takeSent())
    if !prefaceRead {
      guard try decoder.nextPreface() != nil else { return [] }
      prefaceRead = true
    }
    var frames: [Received] = []
    while let frame = try decoder.nextFrame() { frames.append(Received(callID: frame.callID, body: try frame.body())) }
    return frames
  }

  /// Encoded frames, as one write to the connection.
  struct Bytes {
    var bytes: [UInt8] = []

    func send(to connection: ServerConnection) { bytes.withUnsafeBytes { connection.received($0) } }

    /// These bytes and what `encode` writes.
    func then(_ encode: (inout WireWriter) -> Void) -> Bytes {
      var writer = WireWriter(capacity: 256)
      encode(&writer)
      return Bytes(bytes: bytes + writer.withUnsafeBytes { Array($0) })
    }

    /// The preface alone.
    func preface() -> Bytes { then { ConnectionPreface.write(to: &$0) } }

    /// The preface and an empty SETTINGS.
    func handshake() -> Bytes {
      preface().then { FrameEncoder.write(.settings, callID: 0, message: Settings(), to: &$0) }
    }

    /// OPEN and one request message with END_STREAM.
    func call(_ id: UInt32, _ method: MethodDescriptor, _ request: [UInt8], timeoutUs: UInt64 = 0) -> Bytes {
      then { writer in
        FrameEncoder.write(.open, callID: id, message: CallOpen(method: method.path, timeoutUs: timeoutUs, metadata: []), to: &writer)
        request.withUnsafeBytes {
          FrameEncoder.writeData(callID: id, message: $0, endStream: true, maxFrameSize: ProtocolDefaults.maxFrameSize, to: &writer)
        }
      }
    }

    /// A PING (or its ACK).
    func ping(_ opaque: UInt64, ack: Bool = false) -> Bytes { then { FrameEncoder.writePing(opaque, ack: ack, to: &$0) } }
  }

  /// Nothing yet, to build frames on.
  static var frames: Bytes { Bytes() }
}

extension [EmbeddedPeer.Received] {
  /// The GOAWAY frames among these.
  var goAways: [GoAway] {
    compactMap { if case .goAway(let goAway) = $0.body { goAway } else { nil } }
  }

  /// The STATUS frames among these, by call id.
  var statuses: [UInt32: CallStatus] {
    var found: [UInt32: CallStatus] = [:]
    for frame in self { if case .status(let status) = frame.body { found[frame.callID] = status } }
    return found
  }

  /// The PINGs (not ACKs) among these.
  var pings: [UInt64] {
    compactMap { if case .ping(let opaque, ack: false) = $0.body { opaque } else { nil } }
  }
}
