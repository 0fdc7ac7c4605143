import HookwireClient
import HookwirePosix
import HookwireServer
import HookwireTestSupport
import Testing

@Suite("Admission: per-peer limits, the policy at the global cap, memory after closes")
struct AdmissionTests {
  static func server(maxConnections: Int = 10_000, perPeer: Int = 256, probe: Probe = Probe()) throws -> (RPCServer, port: Int) {
    var configuration = RPCServer.Configuration()
    configuration.port = 0
    configuration.loops = 2
    configuration.maxConnections = maxConnections
    configuration.maxConnectionsPerPeer = perPeer
    configuration.shutdownGrace = .seconds(2)
    let server = RPCServer(
      configuration: configuration, services: [ScriptedDiagnostics(probe: probe), HealthService(services: [])],
      log: ServerLog(enabled: false))
    return (server, try server.start())
  }

  /// Opens a connection that completes the handshake and then sits idle,
  /// waiting until the server counts it.
  static func idle(_ server: RPCServer, port: Int, expecting open: Int) async throws -> RawSocket {
    let socket = try RawSocket(port: port)
    socket.send(RawSocket.opening)
    #expect(await eventually { server.openConnections == open })
    return socket
  }

  @Test("one address over its connection limit is refused with GOAWAY, and a health check from another address still answers")
  func perPeerLimit() async throws {
    try await withTeardown { teardown in
      let (server, port) = try Self.server(perPeer: 8)
      teardown.add { await server.shutdown() }
      var sockets: [RawSocket] = []
      defer { for socket in sockets { socket.close() } }
      for index in 1...8 { sockets.append(try await Self.idle(server, port: port, expecting: index)) }
      for _ in 0..<12 {
        let refused = try RawSocket(port: port)
        let (bytes, closed) = refused.readUntilClosed()
        refused.close()
        #expect(closed)
        let goAway = RawSocket.goAway(in: bytes)
        #expect(goAway?.errorCode == GoAwayCode.enhanceYourCalm.rawValue)
        #expect(goAway?.debugText == "too many connections from 127.0.0.1 (limit 8)")
      }
      #expect(server.connectionStats.refusedPerPeer == 12)
      #expect(server.openConnections == 8)
      let checker = try RawSocket(port: port, from: "127.0.0.2")
      defer { checker.close() }
      #expect(checker.healthCheck() == (StatusCode.ok.rawValue, .serving))
    }
  }

  @Test("a client refused over its address's limit fails its call with UNAVAILABLE, every time, rather than reading a reset")
  func refusedClientFailsCleanly() async throws {
    try await withTeardown { teardown in
      let (server, port) = try Self.server(perPeer: 1)
      teardown.add { await server.shutdown() }
      let holder = try await Self.idle(server, port: port, expecting: 1)
      defer { holder.close() }
      for _ in 0..<20 {
        let client = try RPCClient(host: "127.0.0.1", port: port)
        teardown.add { await client.close() }
        do {
          _ = try await Health.Client(wrapping: client).check(HealthCheckRequest())
          Issue.record("a refused connection served a call")
        } catch let error as RPCError {
          #expect(error.code == .unavailable)
        }
        await client.close()
      }
      // Each client may send its call once more on a new connection after the
      // refusing GOAWAY; that one is refused too.
      #expect((20...40).contains(server.connectionStats.refusedPerPeer))
    }
  }

  @Test("at the global cap the oldest idle connection is drained to admit a new one, so a health check still answers")
  func evictsOldestIdleAtCap() async throws {
    try await withTeardown { teardown in
      let (server, port) = try Self.server(maxConnections: 4)
      teardown.add { await server.shutdown() }
      var sockets: [RawSocket] = []
      defer { for socket in sockets { socket.close() } }
      for index in 1...4 { sockets.append(try await Self.idle(server, port: port, expecting: index)) }
      let client = try RPCClient(host: "127.0.0.1", port: port)
      teardown.add { await client.close() }
      #expect(try await Health.Client(wrapping: client).check(HealthCheckRequest()).status == .serving)
      #expect(server.connectionStats.evicted == 1)
      let (bytes, closed) = sockets[0].readUntilClosed()
      #expect(closed, "the oldest idle connection is drained")
      #expect(RawSocket.goAway(in: bytes)?.errorCode == GoAwayCode.noError.rawValue)
      #expect(await eventually { server.openConnections == 4 })
      #expect(server.connectionStats.refusedAtCapacity == 0)
    }
  }

  @Test("at the global cap a connection with a call in flight is never drained; with every connection busy a newcomer is refused")
  func busyConnectionsAreKept() async throws {
    try await withTeardown { teardown in
      let probe = Probe()
      let (server, port) = try Self.server(maxConnections: 2, probe: probe)
      teardown.add { await server.shutdown() }
      let client = try RPCClient(host: "127.0.0.1", port: port)
      teardown.add { await client.close() }
      let echo = Diagnostics.Client(wrapping: client)
      let busy = Task { try await echo.echo(EchoRequest(payload: Array("wait-cancel".utf8))) }
      var sockets: [RawSocket] = []
      defer {
        busy.cancel()
        for socket in sockets { socket.close() }
      }
      #expect(await eventually { probe.started.load(ordering: .relaxed) == 1 })
      let idle = try await Self.idle(server, port: port, expecting: 2)
      sockets.append(idle)
      // The newcomer takes the idle connection's place, not the older busy one's.
      let newcomer = try RawSocket(port: port)
      sockets.append(newcomer)
      let (_, closed) = idle.readUntilClosed()
      #expect(closed)
      #expect(server.connectionStats.evicted == 1)
      #expect(probe.cancelled.load(ordering: .relaxed) == 0)
      newcomer.send(RawSocket.opening + RawSocket.call(1, Diagnostics.Method.Echo.descriptor, EchoRequest(payload: Array("wait-cancel".utf8))))
      #expect(await eventually { probe.started.load(ordering: .relaxed) == 2 })
      let refused = try RawSocket(port: port)
      let (bytes, refusedClosed) = refused.readUntilClosed()
      refused.close()
      #expect(refusedClosed)
      #expect(RawSocket.goAway(in: bytes)?.errorCode == GoAwayCode.enhanceYourCalm.rawValue)
      #expect(server.connectionStats.refusedAtCapacity == 1)
      #expect(probe.cancelled.load(ordering: .relaxed) == 0)
    }
  }

  @Test("peers are grouped by IPv4 address and IPv6 /64", arguments: [
    ("127.0.0.1", "127.0.0.1", true),
    ("127.0.0.1", "127.0.0.2", false),
    ("::ffff:10.0.0.1", "10.0.0.1", true),
    ("2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff", true),
    ("2001:db8:1:2::1", "2001:db8:1:3::1", false),
    ("::1", "::2", true),
  ])
  func peerGroups(a: String, b: String, same: Bool) throws {
    let first = try #require(PeerAddress(a))
    let second = try #require(PeerAddress(b))
    #expect((first.group == second.group) == same)
  }

  @Test("memory is given back to the kernel after a burst of closed connections")
  func memoryReturnedAfterBurst() async {
    let returner = MemoryReturner(burst: 4, settle: .milliseconds(20), interval: .seconds(60))
    for _ in 0..<3 { returner.connectionClosed() }
    for _ in 0..<5 { returner.connectionClosed() }
    #expect(await eventually { returner.trimCount == 1 })
  }
}

extension RawSocket {
  /// The frames of one call of `method` with `request`, its request sent whole.
  static func call(_ id: UInt32, _ method: MethodDescriptor, _ request: some WireMessage) -> [UInt8] {
    var writer = WireWriter()
    FrameEncoder.write(.open, callID: id, message: CallOpen(method: method.path), to: &writer)
    let body = request.serializedBytes()
    body.withUnsafeBytes {
      FrameEncoder.writeData(callID: id, message: $0, endStream: true, maxFrameSize: ProtocolDefaults.maxFrameSize, to: &writer)
    }
    return writer.bytes()
  }

  /// Opens the connection, runs `Health.Check` for the whole server, and
  /// returns the call's status code and serving status.
  func healthCheck() -> (code: UInt32?, status: ServingStatus?) {
    send(Self.opening + Self.call(1, Health.Method.Check.descriptor, HealthCheckRequest()))
    var status: ServingStatus?
    var code: UInt32?
    for frame in readFrames(until: { $0.type == .status && $0.callID == 1 }) where frame.callID == 1 {
      switch try? frame.body() {
      case .data(let payload, _, _)?: status = (try? HealthCheckResponse(serializedBytes: payload))?.status
      case .status(let callStatus)?: code = callStatus.code
      default: break
      }
    }
    return (code, status)
  }
}
