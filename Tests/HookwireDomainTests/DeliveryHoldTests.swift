import HookwireDomain
import Testing

/// Why a webhook holds its deliveries, as redeliveries and recoveries say it.
@Suite("Delivery hold reasons")
struct DeliveryHoldTests {
  static func webhook(_ state: Webhook.State, reason: String = "", by author: ChangeAuthor) -> Webhook {
    Webhook(
      id: "wh_1", kind: .global, partnerID: 12345, buID: 1, allBUs: false, programmeID: nil, payloadURL: "https://example.com/in",
      events: ["reward.issued"], secretHint: "abcd", state: state, disabledReason: reason, description: "", createdBy: author, updatedBy: author)
  }

  static let at: Int64 = 1_764_770_400_000  // 2025-12-03T14:00:00Z

  @Test("a paused webhook names its last change's author and time; a disabled one, its reason and since when", arguments: [
    (Webhook.State.paused, "", ChangeAuthor(partnerID: 12345, callerPartnerID: 12345, keyPrefix: "abcd2345", atMs: at),
      "webhook wh_1 is paused (last changed by partner 12345 with key abcd2345 at 2025-12-03T14:00:00Z); its deliveries are held until it is resumed"),
    (.paused, "", ChangeAuthor(partnerID: 12345, callerPartnerID: 20001, keyPrefix: "cert:3", atMs: at),
      "webhook wh_1 is paused (last changed by partner 20001 acting as partner 12345 with cert:3 at 2025-12-03T14:00:00Z); its deliveries are held until it is resumed"),
    (.disabled, "the endpoint answered 410 Gone", ChangeAuthor(partnerID: 12345, callerPartnerID: 0, keyPrefix: "hookwire", atMs: at),
      "webhook wh_1 is disabled (the endpoint answered 410 Gone) since 2025-12-03T14:00:00Z; its deliveries are held until it is resumed"),
  ])
  func reasons(_ state: Webhook.State, _ disabledReason: String, _ author: ChangeAuthor, _ expected: String) {
    #expect(DeliveryHold.reason(Self.webhook(state, reason: disabledReason, by: author)) == expected)
  }

  @Test("an active webhook holds nothing, and the platform is named as Hookwire")
  func activeAndPlatform() {
    let platform = ChangeAuthor(partnerID: 12345, callerPartnerID: 0, keyPrefix: "hookwire", atMs: Self.at)
    #expect(DeliveryHold.reason(Self.webhook(.active, by: platform)) == nil)
    #expect(DeliveryHold.describe(platform) == "Hookwire")
  }
}
