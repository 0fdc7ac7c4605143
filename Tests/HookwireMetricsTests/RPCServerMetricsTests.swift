import HookwireAPI
import HookwireClient
import HookwireMetrics
import HookwirePosix
import HookwireRPC
import HookwireServer
import HookwireTCP
import HookwireTestSupport
import Testing

/// The RPC server's metrics over loopback TCP: calls counted by method and
/// status, unknown methods folded into one series, in-flight calls, bytes,
/// connections and the drain's GOAWAY.
@Suite("RPC server metrics")
struct RPCServerMetricsTests {
  /// A server of Health and Diagnostics keeping metrics in `registry`.
  func withServer(_ registry: MetricsRegistry, _ test: (RPCServer, RPCClient) async throws -> Void) async throws {
    var configuration = RPCServer.Configuration()
    configuration.port = 0
    configuration.loops = 2
    configuration.metrics = registry
    let server = RPCServer(
      configuration: configuration, services: [HealthService(services: []), DiagnosticsService()], requestGuard: RequestBounds.standard,
      log: ServerLog(enabled: false))
    let port = try server.start()
    let client = try RPCClient(host: "127.0.0.1", port: port)
    try await withTeardown { teardown in
      teardown.add { await server.shutdown() }
      teardown.add { await client.close() }
      try await test(server, client)
    }
  }

  /// The samples of `family` in a scrape, strictly parsed.
  static func samples(_ registry: MetricsRegistry, _ family: String) async throws -> [ExpositionParser.Sample] {
    try ExpositionParser.parse(await registry.scrape()).first { $0.name == family }?.samples ?? []
  }

  @Test("Calls count by service, method and code; their durations by method; nothing stays in flight")
  func callsCounted() async throws {
    let registry = MetricsRegistry()
    try await withServer(registry) { _, client in
      var echo = EchoRequest()
      echo.payload = Array(repeating: 7, count: 100)
      for _ in 0..<5 { _ = try await Diagnostics.Client(wrapping: client).echo(echo) }
      _ = try await Health.Client(wrapping: client).check(HealthCheckRequest())
      let requests = try await Self.samples(registry, "hookwire_rpc_requests_total")
      let echoes = requests.first { $0.label("method") == "Echo" }
      #expect(echoes?.label("service") == Diagnostics.name)
      #expect(echoes?.label("code") == "OK")
      #expect(echoes?.value == 5)
      #expect(requests.first { $0.label("method") == "Check" }?.value == 1)
      let durations = try await Self.samples(registry, "hookwire_rpc_request_duration_seconds")
      #expect(durations.first { $0.name.hasSuffix("_count") && $0.label("method") == "Echo" }?.value == 5)
      #expect(try await Self.samples(registry, "hookwire_rpc_calls_in_flight").first?.value == 0)
      #expect(try await Self.samples(registry, "hookwire_rpc_received_bytes_total").first.map { $0.value > 500 } == true)
      #expect(try await Self.samples(registry, "hookwire_rpc_sent_bytes_total").first.map { $0.value > 500 } == true)
      #expect(try await Self.samples(registry, "hookwire_rpc_connections_accepted_total").first?.value == 1)
      #expect(try await Self.samples(registry, "hookwire_rpc_connections_open").first?.value == 1)
    }
  }

  @Test("Calls to many unknown methods all count in the one unknown series")
  func unknownMethodsAreBounded() async throws {
    let registry = MetricsRegistry()
    try await withServer(registry) { _, client in
      for index in 0..<40 {
        let method = MethodDescriptor(service: "made.Up\(index)", method: "Method\(index)", kind: .unary)
        await #expect(throws: RPCError.self) {
          _ = try await client.unary(EchoRequest(), method: method, responseType: EchoResponse.self, metadata: [:], options: CallOptions())
        }
      }
      let requests = try await Self.samples(registry, "hookwire_rpc_requests_total")
      #expect(requests.count == 1)
      #expect(requests.first?.labels.map(\.1) == ["unknown", "unknown", "UNIMPLEMENTED"])
      #expect(requests.first?.value == 40)
      let methods = Set(try await Self.samples(registry, "hookwire_rpc_request_duration_seconds").compactMap { $0.label("method") })
      #expect(methods == ["unknown"])
    }
  }

  @Test("A drain counts one GOAWAY shutdown per connection, and the connection closes")
  func drainCounted() async throws {
    let registry = MetricsRegistry()
    var drained: RPCServer?
    try await withServer(registry) { server, client in
      _ = try await Health.Client(wrapping: client).check(HealthCheckRequest())
      await server.shutdown()
      drained = server
    }
    #expect(drained?.openConnections == 0)
    let goAways = try await Self.samples(registry, "hookwire_rpc_goaways_sent_total")
    #expect(goAways.first { $0.label("reason") == "shutdown" }?.value == 1)
    #expect(goAways.filter { $0.label("reason") != "shutdown" }.allSatisfy { $0.value == 0 })
    #expect(try await Self.samples(registry, "hookwire_rpc_connections_open").first?.value == 0)
  }

}
