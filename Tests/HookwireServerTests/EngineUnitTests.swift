import HookwireDelivery
import Foundation
import HookwireCrypto
import HookwireDomain
import HookwireServer
import HookwireStore
import HookwireTestSupport
import Testing

/// The delivery engine on the in-memory stores with a recording sender:
/// schedule and state rules without sockets or a database.
@Suite("Delivery engine (in memory)")
struct EngineUnitTests {
  struct Fixture {
    let partners = InMemoryPartnerStore()
    let webhooks: InMemoryWebhookStore
    let events: InMemoryEventStore
    let secrets: SecretBox
    let webhookID = "wh_unit"

    /// Stores recording their changes in `audit`.
    init(audit: InMemoryAuditStore = InMemoryAuditStore()) throws {
      webhooks = InMemoryWebhookStore(audit: audit)
      events = InMemoryEventStore(webhooks: webhooks, partners: partners)
      secrets = try SecretBox(key: Crypto.randomBytes(32))
    }

    func seed(events types: [String] = ["reward.issued"]) async throws {
      let bu = try await partners.createBusinessUnit(name: "Europe").id
      _ = try await partners.createPartner(id: 1, name: "Acme", kind: .channel, buID: bu, reach: .units([bu]))
      let author = ChangeAuthor(partnerID: 1, callerPartnerID: 1, keyPrefix: "test", atMs: 0)
      let secret = WebhookRules.secret(from: Array(repeating: 1, count: 32))
      try await webhooks.create(
        Webhook(
          id: webhookID, kind: .global, partnerID: 1, buID: bu, allBUs: false, programmeID: nil, payloadURL: "https://203.0.113.10/in",
          events: types, secretHint: "abcd", description: "", createdBy: author, updatedBy: author),
        encryptedSecret: try secrets.seal(Array(secret.utf8)))
    }

    func engine(_ sender: RecordingSender, delays: [Duration]) -> DeliveryEngine {
      var configuration = DeliveryEngine.Configuration()
      configuration.schedule = RetrySchedule(delays: delays, jitter: 0)
      configuration.pollInterval = .milliseconds(20)
      return DeliveryEngine(
        events: events, webhooks: webhooks, secrets: secrets, sender: sender,
        targets: TargetGuard(allowed: TargetGuard.allowList("0.0.0.0/0,::/0") ?? []), configuration: configuration)
    }

    func waitFor(_ eventID: String, _ status: DeliveryStatus) async -> (Delivery, Event, [DeliveryAttempt])? {
      let end = ContinuousClock.now + .seconds(30)
      while ContinuousClock.now < end {
        if let log = await events.eventLog(webhookID: webhookID, eventID: eventID), log.0.status == status { return log }
        try? await Task.sleep(for: .milliseconds(5))
      }
      return await events.eventLog(webhookID: webhookID, eventID: eventID)
    }
  }

  @Test("failures follow the schedule to the last attempt, then the delivery fails")
  func scheduleToFailure() async throws {
    try await withTeardown { teardown in
      let fixture = try Fixture()
      try await fixture.seed()
      let sender = RecordingSender { _ in HTTPOutcome(status: 503, excerpt: "later") }
      let engine = fixture.engine(sender, delays: [.zero, .milliseconds(10), .milliseconds(10)])
      engine.start()
      teardown.add { await engine.stop() }
      let published = try await fixture.events.publish(
        [NewEvent(buID: 1, programmeID: nil, type: "reward.issued", payloadJSON: "{}", eventID: "", idempotencyKey: "")],
        publisher: "svc", nowMs: Int64(Date().timeIntervalSince1970 * 1_000))
      engine.wake()
      let log = await fixture.waitFor(published[0].event.id, .failed)
      #expect(log?.2.map(\.httpStatus) == [503, 503, 503])
      #expect(log?.2.map(\.responseExcerpt) == ["later", "later", "later"])
      #expect(sender.recorded.count == 3)
      #expect(Set(sender.recorded.map { $0.headers["webhook-id"] ?? "" }).count == 1)
    }
  }

  @Test("events a webhook did not subscribe to create no delivery; duplicates create none")
  func fanOut() async throws {
    let fixture = try Fixture()
    try await fixture.seed(events: ["points.earned"])
    let now = Int64(Date().timeIntervalSince1970 * 1_000)
    let results = try await fixture.events.publish(
      [
        NewEvent(buID: 1, programmeID: nil, type: "reward.issued", payloadJSON: "{}", eventID: "", idempotencyKey: ""),
        NewEvent(buID: 1, programmeID: nil, type: "points.earned", payloadJSON: "{}", eventID: "evt_fixed", idempotencyKey: ""),
        NewEvent(buID: 1, programmeID: nil, type: "points.earned", payloadJSON: "{}", eventID: "evt_fixed", idempotencyKey: ""),
        NewEvent(buID: 2, programmeID: nil, type: "points.earned", payloadJSON: "{}", eventID: "", idempotencyKey: ""),
      ], publisher: "svc", nowMs: now)
    #expect(results.map(\.deliveries) == [0, 1, 0, 0])
    #expect(results.map(\.duplicate) == [false, false, true, false])
  }
}
