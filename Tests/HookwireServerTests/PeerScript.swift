import Foundation
import HookwireWire

/// The bytes a hand-written client sends, frame by frame, for tests that
/// hold the server to `Schema/PROTOCOL.md` below the client library.
struct PeerScript: Sendable {
  /// The whole script's bytes.
  private(set) var bytes: [UInt8] = []

  private mutating func append(_ write: (inout WireWriter) -> Void) {
    var writer = WireWriter()
    write(&writer)
    bytes += writer.bytes()
  }

  /// An empty script (not even a preface).
  init() {}

  /// A preface and SETTINGS, as every client opens with.
  static func opening(_ settings: Settings = Settings()) -> PeerScript {
    var script = PeerScript()
    script.preface()
    script.frame(.settings, callID: 0, payload: settings.serializedBytes())
    return script
  }

  mutating func preface() { append { ConnectionPreface.write(to: &$0) } }

  mutating func raw(_ more: [UInt8]) { bytes += more }

  mutating func frame(_ type: FrameType, flags: UInt8 = 0, callID: UInt32, payload: [UInt8] = []) {
    append { FrameEncoder.write(Frame(type: type, flags: flags, callID: callID, payload: payload), to: &$0) }
  }

  mutating func open(_ id: UInt32, _ method: String, timeoutUs: UInt64 = 0, metadata: [MetadataEntry] = []) {
    frame(.open, callID: id, payload: CallOpen(method: method, timeoutUs: timeoutUs, metadata: metadata).serializedBytes())
  }

  mutating func data(_ id: UInt32, _ payload: [UInt8], flags: UInt8 = FrameFlags.endStream) {
    frame(.data, flags: flags, callID: id, payload: payload)
  }

  mutating func ping(_ opaque: UInt64) { append { FrameEncoder.writePing(opaque, ack: false, to: &$0) } }

  mutating func windowUpdate(_ id: UInt32, _ increment: UInt32) {
    append { FrameEncoder.writeWindowUpdate(callID: id, increment: increment, to: &$0) }
  }

  mutating func goAway() { frame(.goAway, callID: 0, payload: GoAway(lastCallID: 0).serializedBytes()) }
}

/// What the server sent on a connection: its preface, then whole frames.
struct ServerReply {
  /// Whether the bytes began with a valid version-1 preface.
  var startsWithPreface = false
  var frames: [Frame] = []
  /// Whether the server closed the connection.
  var closed = false
  /// From sending the script to the reply's end, timed on the reading
  /// thread (a busy cooperative pool does not add to it).
  var elapsed: Duration = .zero

  /// Splits `bytes`; frames may be as large as the protocol allows, so a
  /// frame above a test's limit is seen rather than refused.
  init(_ bytes: [UInt8], closed: Bool) {
    self.closed = closed
    var decoder = FrameDecoder(maxFrameSize: ProtocolDefaults.maxFrameSizeLimit)
    decoder.append(bytes)
    guard (try? decoder.nextPreface()) == ConnectionPreface.version else { return }
    startsWithPreface = true
    while let frame = try? decoder.nextFrame() { frames.append(frame) }
  }

  /// The first GOAWAY.
  var goAway: GoAway? {
    for frame in frames where frame.type == .goAway { if case .goAway(let goAway)? = try? frame.body() { return goAway } }
    return nil
  }

  /// The STATUS that ended call `id`.
  func status(_ id: UInt32) -> CallStatus? {
    for frame in frames where frame.type == .status && frame.callID == id {
      if case .status(let status)? = try? frame.body(limits: WireLimits(maxMessageBytes: 1 << 24)) { return status }
    }
    return nil
  }

  /// The payloads of DATA frames on call `id`.
  func data(_ id: UInt32) -> [[UInt8]] { frames.filter { $0.type == .data && $0.callID == id }.map(\.payload) }

  /// The opaque values of the PING acknowledgements, in order.
  var pingAcks: [UInt64] {
    frames.compactMap { frame in
      if case .ping(let opaque, ack: true)? = try? frame.body() { return opaque }
      return nil
    }
  }

  /// The index of the first frame of `type` (on `callID` if given).
  func index(of type: FrameType, callID: UInt32? = nil) -> Int? {
    frames.firstIndex { $0.type == type && (callID == nil || $0.callID == callID) }
  }
}

extension RawSocket {
  /// Sends `script`, then reads until `done` holds for what has arrived,
  /// the server closes, or 5 s pass without a byte. The blocking reads run
  /// on a thread of their own, never on Swift's cooperative pool.
  func exchange(_ script: PeerScript, until done: @escaping @Sendable (ServerReply) -> Bool = { _ in false }) async -> ServerReply {
    let socket = self
    let bytes = script.bytes
    return await withCheckedContinuation { continuation in
      Thread {
        let started = ContinuousClock.now
        socket.send(bytes)
        var all: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
          let count = buffer.withUnsafeMutableBytes { recv(socket.fd, $0.baseAddress, $0.count, 0) }
          if count <= 0 {
            var reply = ServerReply(all, closed: count == 0)
            reply.elapsed = ContinuousClock.now - started
            return continuation.resume(returning: reply)
          }
          all.append(contentsOf: buffer[0..<count])
          let reply = ServerReply(all, closed: false)
          if done(reply) { return continuation.resume(returning: reply) }
        }
      }.start()
    }
  }
}
