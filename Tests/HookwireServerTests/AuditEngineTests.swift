import HookwireDelivery
import Foundation
import HookwireCrypto
import HookwireDomain
import HookwireServer
import HookwireStore
import HookwireTestSupport
import Testing

/// What the platform does by itself is audited too, and the trail is kept
/// only for the retention period.
@Suite("Audit trail: the platform's changes and retention")
struct AuditEngineTests {
  @Test("the engine disabling a webhook whose endpoint answers 410 is recorded as the system's change, with the reason")
  func engineDisablingIsTheSystems() async throws {
    try await withTeardown { teardown in
      let audit = InMemoryAuditStore()
      let fixture = try EngineUnitTests.Fixture(audit: audit)
      try await fixture.seed()
      let engine = fixture.engine(RecordingSender { _ in HTTPOutcome(status: 410, excerpt: "gone") }, delays: [.zero])
      engine.start()
      teardown.add { await engine.stop() }
      _ = try await fixture.events.publish(
        [NewEvent(buID: 1, programmeID: nil, type: "reward.issued", payloadJSON: "{}", eventID: "", idempotencyKey: "")],
        publisher: "svc", nowMs: Int64(Date().timeIntervalSince1970 * 1_000))
      engine.wake()
      // As long as the engine's own tests wait for an attempt: the machine may be busy.
      let end = ContinuousClock.now + .seconds(30)
      while ContinuousClock.now < end, !audit.all().contains(where: { $0.action == .webhookDisabled }) {
        try await Task.sleep(for: .milliseconds(5))
      }
      let disabled = try #require(audit.all().first { $0.action == .webhookDisabled })
      #expect(disabled.actor == .system && disabled.partnerID == 1 && disabled.webhookID == fixture.webhookID)
      #expect(disabled.after.contains(#""state":"DISABLED""#) && disabled.after.contains("410"), "\(disabled.after)")
    }
  }

  @Test("retention removes audit events older than the period, as the event log's does, and keeps the rest")
  func retention() async throws {
    let audit = InMemoryAuditStore()
    let webhooks = InMemoryWebhookStore(audit: audit)
    let day: Int64 = 24 * 3_600 * 1_000
    for (index, at) in [Int64(0), 20 * day, 40 * day].enumerated() {
      let author = ChangeAuthor(partnerID: 1, callerPartnerID: 1, keyPrefix: "test", atMs: at)
      try await webhooks.create(
        Webhook(
          id: "wh_\(index)", kind: .global, partnerID: 1, buID: 1, allBUs: false, programmeID: nil, payloadURL: "https://example.com",
          events: ["reward.issued"], secretHint: "abcd", description: "", createdBy: author, updatedBy: author),
        encryptedSecret: [1])
    }
    let retention = AuditRetention(audit: audit, retention: .seconds(30 * 24 * 3_600), interval: .seconds(3_600))
    #expect(try await retention.prune(nowMs: 45 * day) == 1)
    #expect(audit.all().map(\.targetID) == ["wh_1", "wh_2"])
    // The loop prunes at once and ends when its task is cancelled.
    let running = Task { await AuditRetention(audit: audit, retention: .seconds(1), interval: .seconds(3_600), clock: .fixed(45 * day)).run() }
    let end = ContinuousClock.now + .seconds(5)
    while ContinuousClock.now < end, !audit.all().isEmpty { try await Task.sleep(for: .milliseconds(5)) }
    #expect(audit.all().isEmpty)
    running.cancel()
    await running.value
  }
}
