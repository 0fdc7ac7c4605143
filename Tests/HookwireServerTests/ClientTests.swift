import HookwirePosix
import Foundation
import HookwireClient
import HookwireServer
import HookwireTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

@Suite("Client runtime")
struct ClientTests {
  @Test("every pending call fails with UNAVAILABLE when the connection drops")
  func connectionDrop() async throws {
    try await withTeardown { teardown in
      let listener = try SilentListener()
      defer { listener.close() }
      let client = try RPCClient(host: "127.0.0.1", port: listener.port)
      teardown.add { await client.close() }
      let health = Health.Client(wrapping: client)
      let calls = (0..<3).map { _ in Task { try await health.check(HealthCheckRequest(), options: CallOptions(timeout: .seconds(20))) } }
      let accepted = await Task.detached { listener.acceptOne() }.value
      let socket = try #require(accepted)
      // Let the calls reach the socket, then drop the connection.
      var buffer = [UInt8](repeating: 0, count: 4_096)
      _ = buffer.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
      _ = Glibc.close(socket)
      for call in calls {
        let status = await code { _ = try await call.value }
        #expect(status == .unavailable)
      }
    }
  }

  @Test("a connection attempt nobody answers fails at the connect timeout, well before the call's deadline")
  func connectTimeout() async throws {
    try await withTeardown { teardown in
      let listener = try SilentListener(backlog: 0)
      defer { listener.close() }
      // Fill the accept queue (never accepted): later SYNs go unanswered.
      let fillers = (0..<3).map { _ in listener.startConnection() }
      defer { for filler in fillers { _ = Glibc.close(filler) } }
      var configuration = RPCClient.Configuration()
      configuration.connectTimeout = .milliseconds(300)
      let client = try RPCClient(host: "127.0.0.1", port: listener.port, configuration: configuration)
      teardown.add { await client.close() }
      let started = ContinuousClock.now
      do {
        _ = try await Health.Client(wrapping: client).check(HealthCheckRequest(), options: CallOptions(timeout: .seconds(30)))
        Issue.record("the call succeeded against a listener that never accepts")
      } catch let error as RPCError {
        #expect(error.code == .unavailable)
        #expect(error.message.contains("timed out"), "\(error.message)")
      }
      #expect(ContinuousClock.now - started < .seconds(15), "the connect timeout did not end the attempt")
    }
  }

  @Test("keepalive pings detect a server that stopped answering")
  func keepaliveDetectsDeadServer() async throws {
    try await withTeardown { teardown in
      let listener = try SilentListener()
      defer { listener.close() }
      var configuration = RPCClient.Configuration()
      configuration.keepalive = RPCClient.Keepalive(interval: .milliseconds(100), timeout: .milliseconds(200))
      let client = try RPCClient(host: "127.0.0.1", port: listener.port, configuration: configuration)
      teardown.add { await client.close() }
      let call = Task {
        try await Health.Client(wrapping: client).check(HealthCheckRequest(), options: CallOptions(timeout: .seconds(20)))
      }
      let accepted = await Task.detached { listener.acceptOne() }.value
      let socket = try #require(accepted)
      defer { _ = Glibc.close(socket) }
      let started = ContinuousClock.now
      let status = await code { _ = try await call.value }
      #expect(status == .unavailable)
      #expect(ContinuousClock.now - started < .seconds(10), "the call waited for its deadline instead of the keepalive")
    }
  }

  @Test("at the server's maximum an idle connection makes way for a new one; its client reconnects and keeps working")
  func maxConnections() async throws {
    try await withTeardown { teardown in
      var configuration = RPCServer.Configuration()
      configuration.port = 0
      configuration.loops = 1
      configuration.maxConnections = 1
      let server = RPCServer(configuration: configuration, services: [HealthService(services: [])], log: ServerLog(enabled: false))
      let port = try server.start()
      teardown.add { await server.shutdown() }
      let first = try RPCClient(host: "127.0.0.1", port: port)
      teardown.add { await first.close() }
      #expect(try await Health.Client(wrapping: first).check(HealthCheckRequest()).status == .serving)
      let second = try RPCClient(host: "127.0.0.1", port: port)
      teardown.add { await second.close() }
      #expect(try await Health.Client(wrapping: second).check(HealthCheckRequest()).status == .serving)
      #expect(await eventually { server.connectionStats.evicted == 1 && server.openConnections == 1 })
      #expect(try await Health.Client(wrapping: first).check(HealthCheckRequest()).status == .serving)
      #expect(server.connectionStats.evicted == 2)
      #expect(server.connectionStats.refusedAtCapacity == 0)
    }
  }

  @Test("the backoff follows gRPC's schedule: 1 s, ×1.6, capped at 120 s, within ±20 %")
  func backoffSchedule() {
    let backoff = ConnectionBackoff()
    #expect(backoff.delay(afterFailures: 0) == .zero)
    for (failures, base) in [(1, 1.0), (2, 1.6), (3, 2.56), (20, 120.0)] {
      let delay = backoff.delay(afterFailures: failures)
      let seconds = Double(delay.components.seconds) + Double(delay.components.attoseconds) / 1e18
      #expect(seconds >= base * 0.8 - 0.001 && seconds <= base * 1.2 + 0.001, "\(failures) failures waited \(seconds) s")
    }
  }

  @Test("invalid metadata and oversized requests fail locally, before anything is sent")
  func localChecks() async throws {
    try await withTeardown { teardown in
      let listener = try SilentListener()
      defer { listener.close() }
      let client = try RPCClient(host: "127.0.0.1", port: listener.port)
      teardown.add { await client.close() }
      let echo = Diagnostics.Client(wrapping: client)
      let badKey = await code { _ = try await echo.echo(EchoRequest(), metadata: ["Bad Key": "x"]) }
      #expect(badKey == .invalidArgument)
      let tooBig = await code {
        _ = try await echo.echo(EchoRequest(payload: [UInt8](repeating: 0, count: 2_000)), options: CallOptions(maxRequestMessageBytes: 1_000))
      }
      #expect(tooBig == .resourceExhausted)
      await client.close()
      let afterClose = await code { _ = try await echo.echo(EchoRequest()) }
      #expect(afterClose == .unavailable)
    }
  }
}
