import HookwireClient
import HookwireTestSupport
import Testing

/// The client connection's side of call slots and response metadata,
/// driven frame by frame on an embedded host.
@Suite("Client connection: slots and trailers")
struct ClientConnectionSlotTests {
  /// Bytes a server would send: its preface and SETTINGS.
  static func serverHandshake(maxConcurrentCalls: UInt32) -> [UInt8] {
    var writer = WireWriter()
    ConnectionPreface.write(to: &writer)
    FrameEncoder.write(.settings, callID: 0, message: Settings(maxConcurrentCalls: maxConcurrentCalls), to: &writer)
    return writer.bytes()
  }

  @Test("calls fit the protocol's default until the server's SETTINGS, then as many as it allows; ends and SETTINGS announce freed slots")
  func slots() {
    let host = EmbeddedConnectionHost()
    let connection = ClientConnection(host: host) { _ in }
    var announcements = 0
    connection.onCallSlotsChanged = { announcements += 1 }
    #expect(connection.callSlots == 100 && connection.hasFreeCallSlot)
    func start() -> UInt32? {
      connection.startCall(method: "/a/B", metadata: [], timeoutMicroseconds: 0, request: [], unary: true, handlers: .init(onMessage: { _ in }, onEnd: { _ in }))
    }
    let first = start()
    _ = start()
    Self.serverHandshake(maxConcurrentCalls: 3).withUnsafeBytes { connection.received($0) }
    #expect(connection.callSlots == 3 && connection.hasFreeCallSlot && announcements == 1)
    _ = start()
    #expect(!connection.hasFreeCallSlot)
    connection.cancel(first ?? 0)
    #expect(connection.hasFreeCallSlot && announcements == 2)
  }

  @Test("the trailing metadata of a call that ends OK reaches the caller before its end")
  func trailersOnSuccess() {
    let host = EmbeddedConnectionHost()
    let connection = ClientConnection(host: host) { _ in }
    var heard: [String] = []
    let id = connection.startCall(
      method: "/a/B", metadata: [], timeoutMicroseconds: 0, request: [], unary: true,
      handlers: .init(
        onMessage: { _ in heard.append("message") }, onEnd: { heard.append("end \($0 == nil ? "ok" : "error")") },
        onTrailers: { heard.append("trailers \($0["x-request-id"] ?? "")") }))
    var writer = WireWriter()
    FrameEncoder.writeData(callID: id ?? 0, message: UnsafeRawBufferPointer(start: nil, count: 0), endStream: false, maxFrameSize: 1_024, to: &writer)
    var status = CallStatus()
    status.metadata = [MetadataEntry(key: "x-request-id", value: Array("r-42".utf8))]
    FrameEncoder.write(.status, callID: id ?? 0, message: status, to: &writer)
    (Self.serverHandshake(maxConcurrentCalls: 10) + writer.bytes()).withUnsafeBytes { connection.received($0) }
    #expect(heard == ["message", "trailers r-42", "end ok"])
  }
}
