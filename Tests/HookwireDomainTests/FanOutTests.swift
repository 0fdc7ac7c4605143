import HookwireDomain
import Testing

/// The fan-out rule: which webhooks receive an event, and how their
/// deliveries start.
@Suite("Fan-out")
struct FanOutTests {
  static func webhook(_ kind: Webhook.Kind, bu: Int64 = 1, allBUs: Bool = false, programme: String? = nil, events: [String] = ["points.earned"]) -> Webhook {
    let author = ChangeAuthor(partnerID: 9, callerPartnerID: 9, keyPrefix: "k", atMs: 0)
    return Webhook(
      id: "wh", kind: kind, partnerID: 9, buID: bu, allBUs: allBUs, programmeID: programme, payloadURL: "https://x.example",
      events: events, secretHint: "abcd", description: "", createdBy: author, updatedBy: author)
  }

  static func event(bu: Int64 = 1, programme: String? = nil, type: String = "points.earned") -> NewEvent {
    NewEvent(buID: bu, programmeID: programme, type: type, payloadJSON: "{}", eventID: "", idempotencyKey: "")
  }

  @Test("an event reaches subscribed webhooks of its unit, all-BU webhooks whose owner reaches the unit, and its programme's", arguments: [
    ("global of the unit", webhook(.global), event(), nil, true),
    ("global of another unit", webhook(.global, bu: 2), event(), nil, false),
    ("not subscribed", webhook(.global, events: ["member.updated"]), event(), nil, false),
    ("all-BU, owner reaches the unit", webhook(.global, bu: 2, allBUs: true), event(), Reach.units([1, 2]), true),
    ("all-BU, owner reaches everything", webhook(.global, bu: 2, allBUs: true), event(bu: 7), .all, true),
    ("all-BU, owner does not reach the unit", webhook(.global, bu: 2, allBUs: true), event(), .units([2]), false),
    ("all-BU, owner unknown", webhook(.global, allBUs: true), event(), nil, false),
    ("programme webhook of the event's programme", webhook(.programme, programme: "prog_a"), event(programme: "prog_a"), nil, true),
    ("programme webhook, another programme", webhook(.programme, programme: "prog_a"), event(programme: "prog_b"), nil, false),
    ("programme webhook, event without programme", webhook(.programme, programme: "prog_a"), event(), nil, false),
    ("global webhook, programme event of its unit", webhook(.global), event(programme: "prog_a"), nil, true),
  ] as [(String, Webhook, NewEvent, Reach?, Bool)])
  func receives(what: String, webhook: Webhook, event: NewEvent, ownerReach: Reach?, expected: Bool) {
    #expect(FanOut.receives(webhook, event, ownerReach: ownerReach) == expected, "\(what)")
  }

  @Test("a delivery starts pending for an active webhook and held for a paused or disabled one", arguments: [
    (Webhook.State.active, DeliveryStatus.pending), (.paused, .held), (.disabled, .held),
  ])
  func initialStatus(state: Webhook.State, status: DeliveryStatus) {
    #expect(FanOut.initialStatus(whenWebhookIs: state) == status)
  }
}
