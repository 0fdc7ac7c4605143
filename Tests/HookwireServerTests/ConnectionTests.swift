import HookwirePosix
import HookwireClient
import HookwireServer
import HookwireTestSupport
import Testing

@Suite("Connections: drain, reconnect, limits, hostile peers")
struct ConnectionTests {
  static func server(
    port: Int = 0, limits: ConnectionLimits = ConnectionLimits(), probe: Probe = Probe(), grace: Duration = .seconds(5)
  ) throws -> (RPCServer, port: Int) {
    var configuration = RPCServer.Configuration()
    configuration.port = port
    configuration.loops = 2
    configuration.limits = limits
    configuration.shutdownGrace = grace
    let server = RPCServer(
      configuration: configuration, services: [ScriptedDiagnostics(probe: probe), HealthService(services: [])],
      log: ServerLog(enabled: false))
    return (server, try server.start())
  }

  @Test("GOAWAY drains: calls in flight complete, then the server closes and refuses new work")
  func gracefulDrain() async throws {
    try await withTeardown { teardown in
      let probe = Probe()
      let (server, port) = try Self.server(probe: probe)
      teardown.add { await server.shutdown() }
      let client = try RPCClient(host: "127.0.0.1", port: port)
      teardown.add { await client.close() }
      let echo = Diagnostics.Client(wrapping: client)
      let inFlight = Task { try await echo.echo(EchoRequest(payload: Array("sleep:400".utf8))) }
      #expect(await eventually { probe.started.load(ordering: .relaxed) == 1 })
      let shutdown = Task { await server.shutdown() }
      let response = try await inFlight.value
      #expect(response.payload == Array("sleep:400".utf8))
      await shutdown.value
      #expect(server.openConnections == 0)
      let after = await code { _ = try await echo.echo(EchoRequest(payload: [1])) }
      #expect(after == .unavailable)
    }
  }

  @Test("a call still running when the grace period ends gets UNAVAILABLE")
  func graceExpires() async throws {
    try await withTeardown { teardown in
      let probe = Probe()
      let (server, port) = try Self.server(probe: probe, grace: .milliseconds(200))
      teardown.add { await server.shutdown() }
      let client = try RPCClient(host: "127.0.0.1", port: port)
      teardown.add { await client.close() }
      let stuck = Task { try await Diagnostics.Client(wrapping: client).echo(EchoRequest(payload: Array("wait-cancel".utf8))) }
      #expect(await eventually { probe.started.load(ordering: .relaxed) == 1 })
      await server.shutdown()
      let status = await code { _ = try await stuck.value }
      #expect(status == .unavailable)
      #expect(await eventually { probe.cancelled.load(ordering: .relaxed) == 1 })
    }
  }

  @Test("the client reconnects after the server restarts on the same port")
  func reconnect() async throws {
    try await withTeardown { teardown in
      let (first, port) = try Self.server()
      teardown.add { await first.shutdown() }
      let client = try RPCClient(host: "127.0.0.1", port: port)
      teardown.add { await client.close() }
      let health = Health.Client(wrapping: client)
      #expect(try await health.check(HealthCheckRequest()).status == .serving)
      await first.shutdown()
      let (second, _) = try Self.server(port: port)
      teardown.add { await second.shutdown() }
      #expect(try await health.check(HealthCheckRequest()).status == .serving)
    }
  }

  @Test("with the server down, a call fails fast with UNAVAILABLE; with wait-for-ready it waits for its deadline")
  func serverDown() async throws {
    try await withTeardown { teardown in
      let silent = try SilentListener()
      let port = silent.port
      silent.close()  // nothing listens on this port now
      let client = try RPCClient(host: "127.0.0.1", port: port)
      teardown.add { await client.close() }
      let health = Health.Client(wrapping: client)
      let failFast = await code { _ = try await health.check(HealthCheckRequest()) }
      #expect(failFast == .unavailable)
      let waiting = await code {
        _ = try await health.check(HealthCheckRequest(), options: CallOptions(timeout: .milliseconds(300), waitForReady: true))
      }
      #expect(waiting == .deadlineExceeded)
    }
  }

  @Test("each limit fails only its call, with its status, and the server keeps serving")
  func limits() async throws {
    try await withTeardown { teardown in
      var limits = ConnectionLimits()
      limits.maxMessageSize = 64 * 1024
      limits.maxMetadataSize = 2_048
      limits.maxConcurrentCalls = 2
      let probe = Probe()
      let (server, port) = try Self.server(limits: limits, probe: probe)
      teardown.add { await server.shutdown() }
      let client = try RPCClient(host: "127.0.0.1", port: port)
      teardown.add { await client.close() }
      let echo = Diagnostics.Client(wrapping: client)

      let oversized = await code { _ = try await echo.echo(EchoRequest(payload: [UInt8](repeating: 1, count: 100_000))) }
      #expect(oversized == .resourceExhausted)

      let bigMetadata = await code {
        _ = try await echo.echo(EchoRequest(payload: [1]), metadata: ["x-big": .string(String(repeating: "m", count: 4_000))])
      }
      #expect(bigMetadata == .resourceExhausted)

      let first = Task { try await echo.echo(EchoRequest(payload: Array("wait-cancel".utf8))) }
      let second = Task { try await echo.echo(EchoRequest(payload: Array("wait-cancel".utf8))) }
      #expect(await eventually { probe.started.load(ordering: .relaxed) == 2 })
      // The client holds a call past the server's limit until a slot frees (or its deadline passes).
      let third = await code { _ = try await echo.echo(EchoRequest(payload: [3]), options: CallOptions(timeout: .milliseconds(300))) }
      #expect(third == .deadlineExceeded)
      let waiting = Task { try await echo.echo(EchoRequest(payload: [5])) }
      first.cancel()
      second.cancel()
      _ = await code { _ = try await first.value }
      _ = await code { _ = try await second.value }
      #expect(try await waiting.value.payload == [5])

      #expect(try await echo.echo(EchoRequest(payload: [4])).payload == [4])
    }
  }

  struct Hostile: Sendable, CustomTestStringConvertible {
    var name: String
    var bytes: [UInt8]
    var code: GoAwayCode
    var text: String
    var testDescription: String { name }
  }

  static let hostile: [Hostile] = [
    Hostile(name: "an HTTP request instead of the preface", bytes: Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8), code: .protocolError, text: "bad_preface"),
    Hostile(name: "a frame claiming 4 GiB", bytes: RawSocket.opening + [0xFF, 0xFF, 0xFF, 0xFF, 0x03, 0, 0, 0, 0, 1], code: .frameSizeError, text: "frame_too_large"),
    Hostile(name: "random bytes after the preface", bytes: RawSocket.opening + [0, 0, 0, 3, 0x02, 0, 0, 0, 0, 1, 0xFF, 0xFF, 0xFF], code: .protocolError, text: "varint"),
    Hostile(name: "PING with 3 bytes", bytes: RawSocket.opening + [0, 0, 0, 3, 0x06, 0, 0, 0, 0, 0, 1, 2, 3], code: .protocolError, text: "PING payload"),
    Hostile(name: "DATA for a call never opened", bytes: RawSocket.opening + [0, 0, 0, 1, 0x03, 0, 0, 0, 0, 9, 0], code: .protocolError, text: "never opened"),
    Hostile(name: "STATUS from the client", bytes: RawSocket.opening + [0, 0, 0, 0, 0x04, 0, 0, 0, 0, 1], code: .protocolError, text: "clients do not send STATUS"),
    Hostile(name: "protocol version 2", bytes: [0x89, 0x48, 0x4B, 0x57, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x02], code: .versionMismatch, text: "version 2"),
  ]

  @Test("a hostile peer is dropped with the GOAWAY code the spec names; others are unaffected", arguments: hostile)
  func hostilePeer(_ input: Hostile) async throws {
    try await withTeardown { teardown in
      let (server, port) = try Self.server()
      teardown.add { await server.shutdown() }
      let socket = try RawSocket(port: port)
      socket.send(input.bytes)
      let (bytes, closed) = socket.readUntilClosed()
      socket.close()
      #expect(closed, "the server did not close the connection")
      let goAway = RawSocket.goAway(in: bytes)
      #expect(goAway?.errorCode == input.code.rawValue)
      #expect(goAway?.debugText.contains(input.text) == true, "GOAWAY said: \(goAway?.debugText ?? "nothing")")
      let client = try RPCClient(host: "127.0.0.1", port: port)
      teardown.add { await client.close() }
      #expect(try await Health.Client(wrapping: client).check(HealthCheckRequest()).status == .serving)
    }
  }

  @Test("a peer that sends half a frame and waits is dropped after the frame timeout")
  func halfFrame() async throws {
    try await withTeardown { teardown in
      var limits = ConnectionLimits()
      limits.partialFrameTimeout = .milliseconds(200)
      let (server, port) = try Self.server(limits: limits)
      teardown.add { await server.shutdown() }
      let socket = try RawSocket(port: port)
      socket.send(RawSocket.opening + [0, 0, 0, 20, 0x02])
      let started = ContinuousClock.now
      let (bytes, closed) = socket.readUntilClosed()
      socket.close()
      #expect(closed)
      #expect(ContinuousClock.now - started < .seconds(4))
      let goAway = RawSocket.goAway(in: bytes)
      #expect(goAway?.errorCode == GoAwayCode.protocolError.rawValue)
      #expect(goAway?.debugText == "frame read timeout")
    }
  }

  @Test("a peer that never sends its preface is dropped after the handshake timeout")
  func silentPeer() async throws {
    try await withTeardown { teardown in
      var limits = ConnectionLimits()
      limits.handshakeTimeout = .milliseconds(200)
      let (server, port) = try Self.server(limits: limits)
      teardown.add { await server.shutdown() }
      let socket = try RawSocket(port: port)
      let (bytes, closed) = socket.readUntilClosed()
      socket.close()
      #expect(closed)
      #expect(RawSocket.goAway(in: bytes)?.errorCode == GoAwayCode.settingsTimeout.rawValue)
    }
  }

  @Test("too many pings end the connection with ENHANCE_YOUR_CALM")
  func pingFlood() async throws {
    try await withTeardown { teardown in
      let (server, port) = try Self.server()
      teardown.add { await server.shutdown() }
      let socket = try RawSocket(port: port)
      var bytes = RawSocket.opening
      for index in 0..<5 {
        var writer = WireWriter()
        FrameEncoder.writePing(UInt64(index), ack: false, to: &writer)
        bytes += writer.bytes()
      }
      socket.send(bytes)
      let (reply, closed) = socket.readUntilClosed()
      socket.close()
      #expect(closed)
      let goAway = RawSocket.goAway(in: reply)
      #expect(goAway?.errorCode == GoAwayCode.enhanceYourCalm.rawValue)
      #expect(goAway?.debugText == "too_many_pings")
    }
  }

  @Test("an idle connection is closed with GOAWAY NO_ERROR max_idle")
  func idleTimeout() async throws {
    try await withTeardown { teardown in
      var limits = ConnectionLimits()
      limits.idleTimeout = .milliseconds(200)
      let (server, port) = try Self.server(limits: limits)
      teardown.add { await server.shutdown() }
      let socket = try RawSocket(port: port)
      socket.send(RawSocket.opening)
      let (bytes, closed) = socket.readUntilClosed()
      socket.close()
      #expect(closed)
      let goAway = RawSocket.goAway(in: bytes)
      #expect(goAway?.errorCode == GoAwayCode.noError.rawValue)
      #expect(goAway?.debugText == "max_idle")
    }
  }

  @Test("a request that does not decode ends its call with INVALID_ARGUMENT; unknown frame types are ignored")
  func undecodableRequestOverTheWire() async throws {
    try await withTeardown { teardown in
      let (server, port) = try Self.server()
      teardown.add { await server.shutdown() }
      let socket = try RawSocket(port: port)
      var writer = WireWriter()
      FrameEncoder.write(.open, callID: 1, message: CallOpen(method: Diagnostics.Method.Echo.descriptor.path), to: &writer)
      FrameEncoder.write(Frame(type: FrameType(rawValue: 0x42), callID: 1, payload: [1, 2, 3]), to: &writer)
      FrameEncoder.write(Frame(type: .data, flags: FrameFlags.endStream, callID: 1, payload: [0x0A, 0x09, 0x01]), to: &writer)
      FrameEncoder.write(.open, callID: 3, message: CallOpen(method: Health.Method.Check.descriptor.path), to: &writer)
      FrameEncoder.write(Frame(type: .data, flags: FrameFlags.endStream, callID: 3, payload: []), to: &writer)
      FrameEncoder.write(.goAway, callID: 0, message: GoAway(lastCallID: 0), to: &writer)
      socket.send(RawSocket.opening + writer.bytes())
      let (bytes, _) = socket.readUntilClosed()
      socket.close()
      var decoder = FrameDecoder()
      decoder.append(bytes)
      _ = try decoder.nextPreface()
      var statuses: [UInt32: CallStatus] = [:]
      while let frame = try decoder.nextFrame() {
        if case .status(let status) = try frame.body() { statuses[frame.callID] = status }
      }
      #expect(statuses[1]?.code == StatusCode.invalidArgument.rawValue)
      #expect(statuses[1]?.message.contains("byte 1") == true)
      #expect(statuses[3]?.code == StatusCode.ok.rawValue)
    }
  }
}
