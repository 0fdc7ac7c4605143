import HookwireClient
import HookwireServer
import HookwireTestSupport
import Testing

/// The server held to `Schema/PROTOCOL.md` over a real TCP connection, byte
/// by byte, where the client library would hide a deviation.
@Suite("Protocol conformance over the wire")
struct ProtocolConformanceTests {
  static let echo = Diagnostics.Method.Echo.descriptor.path

  static func request(_ text: String) -> [UInt8] { EchoRequest(payload: Array(text.utf8)).serializedBytes() }

  static func exchange(
    limits: ConnectionLimits = ConnectionLimits(), _ script: PeerScript,
    until done: @escaping @Sendable (ServerReply) -> Bool = { _ in false }
  ) async throws -> ServerReply {
    try await withTeardown { teardown in
      let (server, port) = try ConnectionTests.server(limits: limits)
      teardown.add { await server.shutdown() }
      let socket = try RawSocket(port: port)
      let reply = await socket.exchange(script, until: done)
      socket.close()
      return reply
    }
  }

  // MARK: - Handshake (§1)

  struct Opening: Sendable, CustomTestStringConvertible {
    var name: String
    var script: PeerScript
    var testDescription: String { name }
  }

  static let withoutSettings: [Opening] = [
    Opening(name: "the preface alone", script: { var s = PeerScript(); s.preface(); return s }()),
    Opening(name: "the preface and half a SETTINGS header", script: {
      var s = PeerScript()
      s.preface()
      s.raw([0, 0, 0, 0, 0x01])
      return s
    }()),
  ]

  @Test("a peer that sends its preface but no SETTINGS gets GOAWAY SETTINGS_TIMEOUT at the handshake timeout", arguments: withoutSettings)
  func prefaceWithoutSettingsTimesOut(_ opening: Opening) async throws {
    try await withTeardown { teardown in
      var limits = ConnectionLimits()
      limits.handshakeTimeout = .milliseconds(300)
      let (server, port) = try ConnectionTests.server(limits: limits)
      teardown.add { await server.shutdown() }
      let socket = try RawSocket(port: port)
      let reply = await socket.exchange(opening.script)
      socket.close()
      #expect(reply.closed, "the server left the connection open")
      // Well before the one-minute idle timeout, the only other timer that closes it.
      #expect(reply.elapsed < .seconds(4), "closed after \(reply.elapsed)")
      #expect(reply.goAway?.errorCode == GoAwayCode.settingsTimeout.rawValue)
    }
  }

  static let notSettingsFirst: [(String, FrameType, UInt8, [UInt8])] = [
    ("PING", .ping, 0, [1, 2, 3, 4, 5, 6, 7, 8]),
    ("SETTINGS ACK", .settings, FrameFlags.ack, []),
    ("OPEN", .open, 0, CallOpen(method: echo).serializedBytes()),
    ("an unknown frame type", FrameType(rawValue: 0x42), 0, [1]),
  ]

  @Test("a first frame after the preface other than SETTINGS is a PROTOCOL_ERROR and is not acted on", arguments: notSettingsFirst)
  func firstFrameMustBeSettings(_ name: String, _ type: FrameType, _ flags: UInt8, _ payload: [UInt8]) async throws {
    var script = PeerScript()
    script.preface()
    script.frame(type, flags: flags, callID: type == .open ? 1 : 0, payload: payload)
    let reply = try await Self.exchange(script)
    #expect(reply.closed)
    #expect(reply.goAway?.errorCode == GoAwayCode.protocolError.rawValue, "after \(name)")
    #expect(reply.goAway?.debugText.contains("first frame after the preface must be SETTINGS") == true)
    #expect(reply.pingAcks.isEmpty)
    #expect(reply.index(of: .status) == nil)
  }

  @Test("the server's first bytes are its preface and SETTINGS; a frame before the client's preface is refused")
  func nothingBeforeThePreface() async throws {
    var script = PeerScript()
    script.frame(.settings, callID: 0)
    script.preface()
    let reply = try await Self.exchange(script)
    #expect(reply.startsWithPreface)
    #expect(reply.frames.first?.type == .settings)
    #expect(reply.frames.first?.flags == 0)
    #expect(reply.goAway?.errorCode == GoAwayCode.protocolError.rawValue)
    #expect(reply.goAway?.debugText.contains("bad_preface") == true)
    #expect(reply.closed)
  }

  // MARK: - Flow control (§3.8, §5)

  static let badIncrements: [(String, UInt32)] = [
    ("an increment of 0", 0),
    ("an increment taking the window past 2^31-1", 0x7FFF_FFFF),
    ("an increment with the top bit set", 0x8000_0000),
  ]

  @Test("a WINDOW_UPDATE of 0 or past 2^31-1 is a FLOW_CONTROL_ERROR", arguments: badIncrements)
  func badWindowUpdateIsFlowControlError(_ name: String, _ increment: UInt32) async throws {
    var script = PeerScript.opening()
    script.open(1, Self.echo)
    script.data(1, Self.request("wait-cancel"))
    script.windowUpdate(1, increment)
    let reply = try await Self.exchange(script)
    #expect(reply.closed)
    #expect(reply.goAway?.errorCode == GoAwayCode.flowControlError.rawValue, "after \(name): \(reply.goAway?.debugText ?? "no GOAWAY")")
  }

  @Test("the server returns a call's window as request bytes arrive, before the message is complete")
  func windowReturnedAsBytesArrive() async throws {
    var script = PeerScript.opening()
    script.open(1, Self.echo)
    let fragment = [UInt8](repeating: 7, count: 60_000)
    for _ in 0..<9 { script.data(1, fragment, flags: FrameFlags.continues) }  // 540,000 bytes, over half the window
    let reply = try await Self.exchange(script) { $0.index(of: .windowUpdate, callID: 1) != nil }
    let update = reply.frames.first { $0.type == .windowUpdate && $0.callID == 1 }
    guard case .windowUpdate(let increment)? = try update?.body() else {
      Issue.record("no WINDOW_UPDATE for call 1")
      return
    }
    #expect(Int(increment) >= ProtocolDefaults.initialCallWindow / 2)
    #expect(reply.index(of: .status, callID: 1) == nil, "the call ended before its message was complete")
  }

  // MARK: - DATA and END_STREAM (§3.3)

  struct Framing: Sendable, CustomTestStringConvertible {
    var name: String
    /// DATA frames of call 1: payload and flags.
    var frames: [([UInt8], UInt8)]
    var code: StatusCode
    var response: [UInt8]?
    var testDescription: String { name }
  }

  static let framings: [Framing] = [
    Framing(name: "the request with END_STREAM", frames: [(request("hi"), FrameFlags.endStream)], code: .ok, response: Array("hi".utf8)),
    Framing(name: "the request, then an empty DATA with END_STREAM (bare half-close)",
            frames: [(request("hi"), 0), ([], FrameFlags.endStream)], code: .ok, response: Array("hi".utf8)),
    Framing(name: "an empty request with END_STREAM", frames: [([], FrameFlags.endStream)], code: .ok, response: []),
    Framing(name: "an empty request, then a bare half-close", frames: [([], 0), ([], FrameFlags.endStream)], code: .ok, response: []),
    Framing(name: "a fragmented request whose empty last fragment carries END_STREAM",
            frames: [(request("hi"), FrameFlags.continues), ([], FrameFlags.endStream)], code: .ok, response: Array("hi".utf8)),
    Framing(name: "the request, an empty request, then a bare half-close: two messages",
            frames: [(request("hi"), 0), ([], 0), ([], FrameFlags.endStream)], code: .unimplemented, response: nil),
  ]

  @Test("an empty END_STREAM DATA frame after the request is a bare half-close; an empty DATA frame otherwise is an empty message", arguments: framings)
  func halfCloseIsDistinctFromAnEmptyMessage(_ framing: Framing) async throws {
    var script = PeerScript.opening()
    script.open(1, Self.echo)
    for (payload, flags) in framing.frames { script.data(1, payload, flags: flags) }
    let reply = try await Self.exchange(script) { $0.status(1) != nil }
    #expect(reply.status(1)?.code == framing.code.rawValue, "\(reply.status(1)?.message ?? "no STATUS")")
    if let response = framing.response {
      #expect(reply.data(1).map { try? EchoResponse(serializedBytes: $0).payload } == [response])
    }
  }

  @Test("DATA after END_STREAM on a call still running is a PROTOCOL_ERROR")
  func dataAfterEndStream() async throws {
    var script = PeerScript.opening()
    script.open(1, Self.echo)
    script.data(1, Self.request("wait-cancel"))
    script.data(1, Self.request("more"))
    let reply = try await Self.exchange(script)
    #expect(reply.closed)
    #expect(reply.goAway?.errorCode == GoAwayCode.protocolError.rawValue)
    #expect(reply.goAway?.debugText.contains("after its END_STREAM") == true)
  }

  // MARK: - Client-sent STATUS and GOAWAY (§3.4, §3.7)

  @Test("after the client's GOAWAY, calls in flight finish and the server closes; an OPEN after it is a PROTOCOL_ERROR")
  func clientGoAway() async throws {
    var finishing = PeerScript.opening()
    finishing.open(1, Self.echo)
    finishing.data(1, Self.request("sleep:200"))
    finishing.goAway()
    let finished = try await Self.exchange(finishing)
    #expect(finished.status(1)?.code == StatusCode.ok.rawValue)
    #expect(finished.goAway == nil)
    #expect(finished.closed)

    var idle = PeerScript.opening()
    idle.goAway()
    idle.open(1, Self.echo)
    idle.data(1, Self.request("hi"))
    let closed = try await Self.exchange(idle)
    #expect(closed.closed)
    #expect(closed.status(1) == nil, "an OPEN after the client's GOAWAY was processed")

    var busy = PeerScript.opening()
    busy.open(1, Self.echo)
    busy.data(1, Self.request("wait-cancel"))
    busy.goAway()
    busy.open(3, Self.echo)
    busy.data(3, Self.request("hi"))
    let refused = try await Self.exchange(busy)
    #expect(refused.goAway?.errorCode == GoAwayCode.protocolError.rawValue)
    #expect(refused.goAway?.debugText.contains("after the client's GOAWAY") == true)
    #expect(refused.status(3) == nil)
  }

  // MARK: - Deadlines (§6)

  static let hugeTimeouts: [UInt64] = [1 << 63, .max, .max / 1_000 + 1]

  @Test("a timeout_us of 2^63 or 2^64-1 saturates: the call runs instead of failing with DEADLINE_EXCEEDED", arguments: hugeTimeouts)
  func hugeTimeoutSaturates(_ timeout: UInt64) async throws {
    var script = PeerScript.opening()
    script.open(1, Self.echo, timeoutUs: timeout)
    script.data(1, Self.request("sleep:50"))
    let reply = try await Self.exchange(script) { $0.status(1) != nil }
    #expect(reply.status(1)?.code == StatusCode.ok.rawValue, "\(reply.status(1)?.message ?? "no STATUS")")
  }

  @Test("a client timeout near Duration's maximum saturates instead of failing the call at once")
  func hugeClientTimeoutSaturates() async throws {
    try await withTeardown { teardown in
      let harness = try await Harness.start(.tcp, services: [ScriptedDiagnostics(probe: Probe())])
      teardown.add { await harness.stop() }
      let echo = Diagnostics.Client(wrapping: harness.client)
      let status = await code { _ = try await echo.echo(EchoRequest(payload: [1]), options: CallOptions(timeout: .seconds(Int64.max))) }
      #expect(status == .ok)
    }
  }

  // MARK: - Keepalive (§8)

  @Test("the first PING is never a strike: four quick pings get three ACKs, then ENHANCE_YOUR_CALM")
  func firstPingIsNotAStrike() async throws {
    var script = PeerScript.opening()
    for opaque in 1...4 { script.ping(UInt64(opaque)) }
    let reply = try await Self.exchange(script)
    #expect(reply.pingAcks == [1, 2, 3])
    #expect(reply.goAway?.errorCode == GoAwayCode.enhanceYourCalm.rawValue)
    #expect(reply.closed)
  }

  @Test("a connection with no call in flight closes after the idle timeout; a call in flight keeps it open")
  func idleOnlyWithoutCalls() async throws {
    #expect(ConnectionLimits().idleTimeout <= .seconds(300), "the default idle timeout is not short")
    var limits = ConnectionLimits()
    limits.idleTimeout = .milliseconds(300)
    var script = PeerScript.opening()
    script.open(1, Self.echo)
    script.data(1, Self.request("sleep:900"))
    let reply = try await Self.exchange(limits: limits, script)
    #expect(reply.closed)
    #expect(reply.status(1)?.code == StatusCode.ok.rawValue, "the idle timeout cut a call in flight")
    #expect(reply.goAway?.errorCode == GoAwayCode.noError.rawValue)
    #expect(reply.goAway?.debugText == "max_idle")
    let statusAt = try #require(reply.index(of: .status, callID: 1))
    #expect(statusAt < (reply.index(of: .goAway) ?? -1))
  }

  // MARK: - Metadata (§11)

  @Test("max_metadata_size counts each entry's tag and length: exactly the limit passes, one byte more is RESOURCE_EXHAUSTED")
  func metadataSizeCountsTagsAndLengths() async throws {
    var limits = ConnectionLimits()
    limits.maxMetadataSize = 2_048
    func metadata(totalling size: Int) -> [MetadataEntry] {
      var length = size
      while length > 0 {
        let entries = [MetadataEntry(key: "x-pad", value: [UInt8](repeating: 0x61, count: length))]
        if entries.encodedMetadataSize == size { return entries }
        length -= 1
      }
      return []
    }
    var script = PeerScript.opening()
    script.open(1, Self.echo, metadata: metadata(totalling: 2_048))
    script.data(1, Self.request("hi"))
    script.open(3, Self.echo, metadata: metadata(totalling: 2_049))
    script.data(3, Self.request("hi"))
    let reply = try await Self.exchange(limits: limits, script) { $0.status(1) != nil && $0.status(3) != nil }
    #expect(reply.status(1)?.code == StatusCode.ok.rawValue)
    #expect(reply.status(3)?.code == StatusCode.resourceExhausted.rawValue)
  }
}
