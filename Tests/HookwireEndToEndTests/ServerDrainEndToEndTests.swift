import Foundation
import HookwireTestSupport
import Testing

/// The real binaries: `hookwire-server` with a `hookwire listen` attached
/// ends promptly on SIGTERM (its grace period is 10 s), and the listener
/// says the server is shutting down and exits 24 (10 + UNAVAILABLE).
@Suite("Server drain end to end", .serialized)
struct ServerDrainEndToEndTests {
  @Test("SIGTERM with a hookwire listen attached: the server exits within a few seconds, the listener exits 24 saying the server is shutting down")
  func sigtermEndsListener() async throws {
    let directory = try TemporaryDirectory(prefix: "hookwire-drain")
    defer { directory.remove() }
    let data = URL(fileURLWithPath: directory.path)
    let (partnerKey, serviceKey) = try await bootstrapAcme(dataDirectory: data)
    let receiver = try TestReceiver()
    defer { receiver.stop() }
    let server = try await ServerProcess.start(dataDirectory: data)
    let address = "127.0.0.1:\(server.port)"
    let listening = Task {
      try await runProcess(
        "hookwire", ["--server", address, "--api-key", partnerKey, "listen", "--forward-to", "http://127.0.0.1:\(receiver.port)/"], timeout: 60)
    }
    // Attached once an event published after it started reaches the receiver.
    let end = ContinuousClock.now + .seconds(30)  // a bound for a loaded machine; the wait ends on its condition
    while receiver.requests.isEmpty && ContinuousClock.now < end {
      let published = try await runCLI(
        ["--server", address, "--api-key", serviceKey, "events", "publish", "--bu", "1", "--type", "reward.issued", "--data", "{}"])
      #expect(published.status == 0, "stderr: \(published.stderr)")
      try await Task.sleep(for: .milliseconds(100))
    }
    #expect(!receiver.requests.isEmpty, "the listener never forwarded an event")

    let started = ContinuousClock.now
    let status = await server.stop()
    let stopped = ContinuousClock.now - started
    let listened = try await listening.value
    #expect(status == 0, "log: \(server.log)")
    #expect(stopped < .seconds(5), "the server took \(stopped) to exit on SIGTERM")
    #expect(listened.status == 24, "stderr: \(listened.stderr)")
    #expect(listened.stderr.contains("hookwire: UNAVAILABLE: the server is shutting down; reconnect to another server"), "\(listened.stderr)")
    #expect(!listened.stderr.contains("running"), "\(listened.stderr)")
  }
}
