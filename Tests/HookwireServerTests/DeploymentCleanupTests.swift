import HookwireClient
import Testing

/// The test deployment cleans up after a test that failed before stopping
/// it, so one failure does not leave a server running into the next test.
@Suite("Deployment cleanup")
struct DeploymentCleanupTests {
  @Test("a deployment dropped without stop() drains its server: the port stops accepting")
  func droppedDeploymentStops() async throws {
    var deployment: TestDeployment? = try await TestDeployment()
    let port = try #require(deployment?.application.port)
    let client = try RPCClient(host: "127.0.0.1", port: port)
    #expect(try await Health.Client(wrapping: client).check(HealthCheckRequest()).status == .serving)
    await client.close()
    deployment = nil
    let end = ContinuousClock.now + .seconds(10)
    var refused = false
    while !refused && ContinuousClock.now < end {
      if let socket = try? RawSocket(port: port) {
        socket.close()
        try await Task.sleep(for: .milliseconds(20))
      } else {
        refused = true
      }
    }
    #expect(refused, "the dropped deployment's server still accepts connections")
  }
}
