import Foundation
import HookwireClient
import HookwirePosix
import HookwireServer
import HookwireTestSupport
import Synchronization
import Testing

@testable import hookwire

/// `hookwire listen`'s forwarding (`runListen`) against the real server and
/// a loopback receiver: Acme (12345) listens to Europe; the service key publishes.
@Suite("Listen command", .serialized)
struct ListenCommandTests {
  /// What `runListen` printed.
  final class Printed: Sendable {
    let lines = Mutex<[String]>([])
    let statuses = Mutex<[String]>([])

    var output: ListenOutput {
      ListenOutput(line: { text in self.lines.withLock { $0.append(text) } }, status: { text in self.statuses.withLock { $0.append(text) } })
    }

    /// The secret in the ready line, once it is printed (at most 10 s).
    func secret() async throws -> String {
      let end = ContinuousClock.now + .seconds(30)  // a bound for a loaded machine; the waits end on their conditions
      while ContinuousClock.now < end {
        let ready = statuses.withLock { $0.first { $0.hasPrefix("Ready:") } }
        if let ready, let range = ready.range(of: "Signing secret: ") {
          return String(ready[range.upperBound...].prefix { $0 != " " })
        }
        try await Task.sleep(for: .milliseconds(5))
      }
      throw RPCError(code: .deadlineExceeded, message: "no ready line: \(statuses.withLock { $0 })")
    }
  }

  @Test("each event is POSTed to the local URL signed with the secret printed at start, as a delivery would be, one line per answer")
  func forwardsSignedEvents() async throws {
    try await withTeardown { teardown in
      let receiver = try TestReceiver { _, _ in .init(status: 202, body: "taken") }
      teardown.add { receiver.stop() }
      let deployment = try await TestDeployment()
      teardown.add { await deployment.stop() }
      let client = try deployment.client()
      teardown.add { await client.close() }
      let printed = Printed()
      let metadata = deployment.metadata(12345)
      let url = "http://localhost:\(receiver.port)/hooks?source=cli"
      let listening = Task {
        await runListen(client: client, metadata: metadata, forwardTo: url, events: ["points.earned"], output: printed.output)
      }
      teardown.add { listening.cancel() }
      let secret = try await printed.secret()
      #expect(secret.hasPrefix("whsec_"))
      let end = ContinuousClock.now + .seconds(30)  // a bound for a loaded machine; the waits end on their conditions
      while deployment.application.listeners.observerCount < 1 && ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(5)) }

      let events = Events.Client(wrapping: client)
      _ = try await events.publishEvent(
        PublishEventRequest(buID: 1, eventType: "reward.issued", payloadJSON: #"{"skipped":true}"#), metadata: deployment.serviceMetadata)
      let published = try await events.publishEvent(
        PublishEventRequest(buID: 1, eventType: "points.earned", payloadJSON: #"{"points":250}"#), metadata: deployment.serviceMetadata)
      let eventID = try #require(published.event?.id)
      while printed.lines.withLock({ $0.isEmpty }) && ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(5)) }

      let request = try #require(receiver.requests.first)
      #expect(receiver.requests.count == 1, "an event of a type not asked for was forwarded")
      #expect(request.method == "POST" && request.path == "/hooks?source=cli")
      #expect(request.headers["content-type"] == "application/json")
      #expect(request.headers["hookwire-event-id"] == eventID && request.headers["webhook-id"] == eventID)
      let body = String(decoding: request.body, as: UTF8.self)
      #expect(body.hasPrefix(#"{"type":"points.earned","timestamp":""#) && body.hasSuffix(#","data":{"points":250}}"#))
      try WebhookVerifier(secret: secret).verify(
        id: request.headers["webhook-id"] ?? "", timestamp: request.headers["webhook-timestamp"] ?? "",
        signature: request.headers["webhook-signature"] ?? "", body: request.body)
      let line = try #require(printed.lines.withLock { $0.first })
      #expect(line.contains("[202]") && line.contains("points.earned") && line.contains(eventID) && line.hasSuffix(" ms)"), "\(line)")
      #expect(printed.statuses.withLock { $0.filter { $0.contains(secret) }.count } == 1, "the secret is printed once")
    }
  }

  @Test("the stream's end is the exit status: a revoked key is 10 + UNAUTHENTICATED, after a refused POST was only reported")
  func revokedKeyEnds() async throws {
    try await withTeardown { teardown in
      let deployment = try await TestDeployment(keyCacheTTL: .milliseconds(100))
      teardown.add { await deployment.stop() }
      let client = try deployment.client()
      teardown.add { await client.close() }
      let key = try await deployment.application.stores.partners.createAPIKey(for: .partner(12345))
      let gone = try TestReceiver()
      let closedPort = gone.port
      gone.stop()
      let printed = Printed()
      var metadata = Metadata()
      metadata.add("authorization", "Bearer \(key.plaintext)")
      let listening = Task { [metadata] in
        await runListen(client: client, metadata: metadata, forwardTo: "http://127.0.0.1:\(closedPort)/", events: [], output: printed.output)
      }
      teardown.add { listening.cancel() }
      _ = try await printed.secret()
      let end = ContinuousClock.now + .seconds(30)  // a bound for a loaded machine; the waits end on their conditions
      while deployment.application.listeners.observerCount < 1 && ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(5)) }
      _ = try await Events.Client(wrapping: client).publishEvent(
        PublishEventRequest(buID: 1, eventType: "reward.issued", payloadJSON: "{}"), metadata: deployment.serviceMetadata)
      while printed.lines.withLock({ $0.isEmpty }) && ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(5)) }
      #expect(printed.lines.withLock { $0.first?.contains("[ERR]") } == true, "\(printed.lines.withLock { $0 })")
      try await deployment.application.stores.partners.revokeAPIKey(prefix: key.prefix)
      #expect(await listening.value == ExitStatus.forCall(.unauthenticated))
      #expect(printed.statuses.withLock { $0.last?.hasPrefix("UNAUTHENTICATED") } == true, "\(printed.statuses.withLock { $0 })")
    }
  }

  @Test("a --forward-to that is not plain http on this machine is a usage error before any call", arguments: [
    "https://localhost:3000/hooks", "http://example.com/hooks", "http://10.0.0.1/hooks", "localhost:3000", "http://localhost:0/",
  ])
  func refusedTargets(_ url: String) async throws {
    // Nothing listens here: a call would fail with UNAVAILABLE, not exit 2.
    let client = try RPCClient(host: "127.0.0.1", port: 9)
    let printed = Printed()
    let status = await runListen(client: client, metadata: Metadata(), forwardTo: url, events: [], output: printed.output)
    await client.close()
    #expect(status == ExitStatus.usage)
    #expect(printed.statuses.withLock { $0.first?.contains("--forward-to") } == true)
  }

  @Test("the forward target keeps the path and query and connects to loopback only")
  func parsesTargets() throws {
    let local = try ListenTarget.parse("http://localhost:3000/a/b?c=d")
    #expect(local.address == PeerAddress("127.0.0.1") && local.port == 3000 && local.target == "/a/b?c=d" && local.host == "localhost")
    let v6 = try ListenTarget.parse("http://[::1]/")
    #expect(v6.address == PeerAddress("::1") && v6.port == 80 && v6.target == "/")
    #expect(try ListenTarget.parse("http://127.0.0.2:8080").target == "/")
  }
}
