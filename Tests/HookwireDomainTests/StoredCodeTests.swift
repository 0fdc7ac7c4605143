import HookwireDomain
import Testing

/// The numbers the database stores for statuses, states and kinds: named
/// once in the domain, and never renumbered (rows written by earlier
/// versions keep their meaning).
@Suite("Stored codes")
struct StoredCodeTests {
  @Test("delivery statuses keep their stored numbers", arguments: [
    (DeliveryStatus.pending, 1), (.succeeded, 2), (.retrying, 3), (.failed, 4), (.held, 5), (.cancelled, 6),
  ] as [(DeliveryStatus, Int64)])
  func deliveryStatus(status: DeliveryStatus, code: Int64) {
    #expect(status.rawValue == code)
    #expect(DeliveryStatus(rawValue: code) == status)
  }

  @Test("open, due and finished statuses partition every status, due within open")
  func statusGroups() {
    #expect(Set(DeliveryStatus.open).isDisjoint(with: DeliveryStatus.finished))
    #expect(Set(DeliveryStatus.open).union(DeliveryStatus.finished) == Set(DeliveryStatus.allCases))
    #expect(Set(DeliveryStatus.due).isSubset(of: DeliveryStatus.open))
    #expect(DeliveryStatus.due == [.pending, .retrying])
    #expect(!DeliveryStatus.due.contains(.held))
  }

  @Test("webhook states, webhook kinds, partner kinds and attempt triggers keep their stored numbers")
  func otherCodes() {
    #expect([Webhook.State.active, .paused, .disabled].map(\.rawValue) == [1, 2, 3])
    #expect([Webhook.Kind.global, .programme].map(\.rawValue) == [1, 2])
    #expect([Partner.Kind.channel, .global].map(\.rawValue) == [1, 2])
    #expect([DeliveryAttempt.Trigger.scheduled, .manual].map(\.rawValue) == [1, 2])
  }
}
