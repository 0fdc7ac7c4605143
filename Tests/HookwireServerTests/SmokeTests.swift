import HookwireClient
import HookwireServer
import Testing

@Suite("Smoke")
struct SmokeTests {
  @Test("health over loopback TCP")
  func health() async throws {
    var configuration = RPCServer.Configuration()
    configuration.port = 0
    configuration.loops = 1
    let server = try RPCServer(configuration: configuration, services: [HealthService(services: []), DiagnosticsService()], log: ServerLog(enabled: false))
    let client = try RPCClient(host: "127.0.0.1", port: server.port)
    let health = Health.Client(wrapping: client)
    let response = try await health.check(HealthCheckRequest())
    #expect(response.status == .serving)
    let echo = try await Diagnostics.Client(wrapping: client).echo(EchoRequest(payload: [1, 2, 3]))
    #expect(echo.payload == [1, 2, 3])
    await client.close()
    await server.shutdown()
  }
}
