import HookwireClient
import HookwirePosix
import HookwireServer
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The RPC server's life: building one binds nothing, `start()` binds and
/// says where, a failed start leaves nothing behind, and shutdown works
/// whether or not the server ever started.
@Suite("RPC server lifecycle")
struct ServerLifecycleTests {
  static func server(port: Int) -> RPCServer {
    var configuration = RPCServer.Configuration()
    configuration.port = port
    configuration.loops = 2
    configuration.shutdownGrace = .seconds(2)
    return RPCServer(configuration: configuration, services: [HealthService(services: [])], log: ServerLog(enabled: false))
  }

  /// A loopback port nothing listens on (the kernel's pick, released).
  static func freePort() throws -> Int {
    let probe = try SilentListener()
    probe.close()
    return probe.port
  }

  @Test("a server built but not started listens nowhere; start() binds the configured port, returns it and serves there")
  func startBinds() async throws {
    let port = try Self.freePort()
    let server = Self.server(port: port)
    #expect(server.port == nil)
    #expect(throws: RawSocketError.self, "something accepted on the port before start()") { try RawSocket(port: port) }
    let started = try server.start()
    let answer = (try? RawSocket(port: port)).map { socket in
      defer { socket.close() }
      return socket.healthCheck()
    }
    let known = server.port
    await server.shutdown()
    #expect(started == port)
    #expect(known == port)
    #expect(answer?.code == StatusCode.ok.rawValue, "the started server did not answer on its port")
    #expect(server.port == port, "the port is still known after shutdown")
  }

  @Test("a start that cannot bind throws and leaves nothing running: once the port is free the same server starts")
  func failedStartLeavesNothing() async throws {
    let taken = try SilentListener()
    let server = Self.server(port: taken.port)
    let refused = #expect(throws: IOError.self) { try server.start() }
    taken.close()
    #expect(refused?.errno == EADDRINUSE)
    #expect(server.port == nil)
    #expect(!server.onEventLoop)
    let port = try server.start()
    await server.shutdown()
    #expect(port == taken.port)
  }

  @Test("shutdown called twice at once, and again after, returns each time once the server has drained")
  func repeatedShutdown() async throws {
    let server = Self.server(port: 0)
    let port = try server.start()
    let socket = try? RawSocket(port: port)
    socket?.send(RawSocket.opening)
    let counted = await eventually { server.openConnections == 1 }
    async let first: Void = server.shutdown()
    async let second: Void = server.shutdown()
    _ = await (first, second)
    let openAfter = server.openConnections
    await server.shutdown()
    socket?.close()
    #expect(counted, "the connection was never admitted")
    #expect(openAfter == 0)
  }

  @Test("shutting down a server that never started returns at once and leaves it unstarted")
  func shutdownBeforeStart() async throws {
    let server = Self.server(port: 0)
    await server.shutdown()
    await server.shutdown()
    #expect(server.port == nil)
    #expect(server.openConnections == 0)
  }
}
