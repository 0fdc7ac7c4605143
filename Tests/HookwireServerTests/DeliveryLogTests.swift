import Foundation
import HookwireClient
import HookwireDelivery
import HookwireDomain
import HookwirePosix
import HookwireServer
import HookwireTestSupport
import Testing

/// What the delivery engine writes to the server's log, read back as JSON:
/// each event at its level with its ids as fields, and at debug one line
/// per attempt that carries no secret, signature, body or query string.
@Suite("Delivery log", .serialized)
struct DeliveryLogTests {
  @Test("at debug a real delivery logs one attempt line with its delivery, webhook and event ids, number, outcome, status, duration and host, never the query, secret, signature or body; a 410 disables the webhook with a warning line naming it")
  func attemptAndDisabledLines() async throws {
    let captured = CapturedLog()
    let setup = try await DeliveryTests.setup(
      responder: { _, _ in .init(status: 410, body: "gone") }, url: { "http://127.0.0.1:\($0)/hooks?token=query-secret-7f3a" },
      log: captured.log(.debug))
    let eventID = try await setup.publish(data: #"{"member":"body-secret-91c2"}"#).event?.id ?? ""
    let delivered = await setup.waitFor(eventID, .failed)
    await setup.stop()
    let deliveryID = try #require(delivered?.entry?.deliveryID)

    let attempts = captured.lines(startingWith: "delivery attempt")
    #expect(attempts.count == 1, "\(captured.all)")
    let attempt = try #require(attempts.first)
    #expect(attempt["level"] as? String == "debug")
    #expect(attempt["delivery_id"] as? String == deliveryID)
    #expect(attempt["webhook_id"] as? String == setup.webhookID)
    #expect(attempt["event_id"] as? String == eventID)
    #expect(attempt["attempt"] as? Int == 1)
    #expect(attempt["outcome"] as? String == "http_4xx")
    #expect(attempt["http_status"] as? Int == 410)
    #expect((attempt["duration_ms"] as? Int).map { $0 >= 0 } == true, "\(attempt)")
    #expect(attempt["host"] as? String == "127.0.0.1")

    let disabled = captured.lines(startingWith: "webhook disabled")
    #expect(disabled.count == 1, "\(captured.all)")
    #expect(disabled.first?["level"] as? String == "warning")
    #expect(disabled.first?["webhook_id"] as? String == setup.webhookID)
    #expect((disabled.first?["reason"] as? String)?.contains("410") == true, "\(disabled)")

    // Nothing secret reached any line: the URL's query, the signing secret
    // (and its key part), the signature sent, the payload.
    let request = try #require(setup.receiver.requests.first)
    let signature = try #require(request.headers["webhook-signature"])
    let secretKey = String(setup.secret.dropFirst("whsec_".count))
    #expect(!secretKey.isEmpty)
    for line in captured.all {
      for secret in ["query-secret-7f3a", "token=", setup.secret, secretKey, signature, "body-secret-91c2"] {
        #expect(!line.contains(secret), "a log line holds \(secret): \(line)")
      }
    }
  }

  @Test("at info the engine writes no line per attempt; pruning writes one info line with the count of deliveries pruned")
  func infoLevelAndPruning() async throws {
    try await withTeardown { teardown in
      let fixture = try EngineUnitTests.Fixture()
      try await fixture.seed()
      let captured = CapturedLog()
      let engine = DeliveryEngine(
        events: fixture.events, webhooks: fixture.webhooks, secrets: fixture.secrets, sender: RecordingSender(),
        targets: TargetGuard(allowed: TargetGuard.allowList("0.0.0.0/0") ?? []), log: captured.log(.info))
      let now = Int64(Date().timeIntervalSince1970 * 1_000)
      let published = try await fixture.events.publish(
        (0..<2).map { _ in NewEvent(buID: 1, programmeID: nil, type: "reward.issued", payloadJSON: "{}", eventID: "", idempotencyKey: "") },
        publisher: "svc", nowMs: now)
      engine.start()
      teardown.add { await engine.stop() }
      for result in published { #expect(await fixture.waitFor(result.event.id, .succeeded)?.0.status == .succeeded) }
      #expect(captured.lines(startingWith: "delivery attempt").isEmpty, "\(captured.all)")

      let removed = try await engine.prune(nowMs: now + DeliveryEngine.Configuration().retention.wholeMilliseconds + 60_000)
      #expect(removed == 2)
      let pruned = captured.lines(startingWith: "pruned")
      #expect(pruned.count == 1, "\(captured.all)")
      #expect(pruned.first?["level"] as? String == "info")
      #expect(pruned.first?["count"] as? Int == 2, "\(pruned)")
    }
  }
}
