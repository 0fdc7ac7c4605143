/// A named event type that webhooks subscribe to.
package struct EventTypeInfo: Sendable, Equatable {
  /// Which webhooks may subscribe.
  package enum Scope: Sendable, Equatable {
    /// Global and programme webhooks.
    case programme
    /// Global webhooks only.
    case partnerOnly
  }

  /// The type's name, such as `reward.issued`: what webhooks subscribe to and events carry.
  package var name: String
  /// One sentence for people, saying what happened.
  package var description: String
  /// Which webhooks may subscribe to the type.
  package var scope: Scope
  /// A realistic payload of this type: what `ListEventTypes` shows
  /// integrators and what a test event (`Webhooks.SendTestEvent`) carries.
  /// Publishing's payload rules accept it (a contract test holds every
  /// example to them).
  package var exampleJSON: String
}

/// Every event type Hookwire delivers, defined here and nowhere else,
/// each with its example payload.
package enum EventCatalogue {
  /// Every event type, those programme webhooks may take first, then the partner-only ones.
  package static let all: [EventTypeInfo] = [
    EventTypeInfo(
      name: "member.enrolled", description: "A member joined a programme.", scope: .programme,
      exampleJSON: #"{"member_id":"mem_8f3k2q","programme_id":"prog_eu_gold","tier":"silver","enrolled_at":"2026-03-14T09:21:07Z","channel":"mobile_app"}"#),
    EventTypeInfo(
      name: "member.updated", description: "A member's profile changed.", scope: .programme,
      exampleJSON: #"{"member_id":"mem_8f3k2q","programme_id":"prog_eu_gold","changed_fields":["email","preferred_language"],"updated_at":"2026-03-15T18:02:44Z"}"#),
    EventTypeInfo(
      name: "member.tier_changed", description: "A member moved to another tier.", scope: .programme,
      exampleJSON: #"{"member_id":"mem_8f3k2q","programme_id":"prog_eu_gold","previous_tier":"silver","new_tier":"gold","reason":"points_threshold","qualifying_points":5000}"#),
    EventTypeInfo(
      name: "points.earned", description: "Points were credited to a member.", scope: .programme,
      exampleJSON: #"{"member_id":"mem_8f3k2q","programme_id":"prog_eu_gold","points":250,"balance":4830,"source":"purchase","transaction_id":"txn_5d9w1m"}"#),
    EventTypeInfo(
      name: "points.expired", description: "A member's points expired.", scope: .programme,
      exampleJSON: #"{"member_id":"mem_8f3k2q","programme_id":"prog_eu_gold","points":120,"balance":4710,"earned_before":"2025-03-31"}"#),
    EventTypeInfo(
      name: "programme.updated", description: "A programme's settings changed.", scope: .programme,
      exampleJSON: #"{"programme_id":"prog_eu_gold","name":"Gold Rewards Europe","changed_fields":["earn_rate"],"earn_rate":{"points_per_unit":2,"currency":"EUR"}}"#),
    EventTypeInfo(
      name: "reward.expired", description: "An issued reward expired unused.", scope: .programme,
      exampleJSON: #"{"reward_id":"rwd_2h7c4x","member_id":"mem_8f3k2q","programme_id":"prog_eu_gold","catalogue_item":"coffee_voucher","expired_at":"2026-06-30T23:59:59Z"}"#),
    EventTypeInfo(
      name: "reward.issued", description: "A reward was issued to a member.", scope: .programme,
      exampleJSON: #"{"reward_id":"rwd_2h7c4x","member_id":"mem_8f3k2q","programme_id":"prog_eu_gold","catalogue_item":"coffee_voucher","points_cost":500,"expires_at":"2026-06-30T23:59:59Z"}"#),
    EventTypeInfo(
      name: "reward.redeemed", description: "A member redeemed a reward.", scope: .programme,
      exampleJSON: #"{"reward_id":"rwd_2h7c4x","member_id":"mem_8f3k2q","programme_id":"prog_eu_gold","redeemed_at":"2026-04-02T12:30:00Z","location":"store_0417"}"#),
    EventTypeInfo(
      name: "transaction.created", description: "A qualifying transaction was recorded.", scope: .programme,
      exampleJSON: #"{"transaction_id":"txn_5d9w1m","member_id":"mem_8f3k2q","programme_id":"prog_eu_gold","amount":{"value":"124.50","currency":"EUR"},"points_awarded":250,"occurred_at":"2026-03-20T16:45:12Z"}"#),
    EventTypeInfo(
      name: "bu.settings_changed", description: "The business unit's settings changed.", scope: .partnerOnly,
      exampleJSON: #"{"bu_id":1,"changed_fields":["default_currency","timezone"],"default_currency":"EUR","timezone":"Europe/Amsterdam"}"#),
    EventTypeInfo(
      name: "invoice.issued", description: "An invoice was issued to the partner.", scope: .partnerOnly,
      exampleJSON: #"{"invoice_id":"inv_2026_03_0042","period":"2026-03","amount":{"value":"1890.00","currency":"EUR"},"due_date":"2026-04-30","points_redeemed":37800}"#),
    EventTypeInfo(
      name: "partner.programme_linked", description: "A programme was linked to the partner.", scope: .partnerOnly,
      exampleJSON: #"{"programme_id":"prog_eu_miles","linked_at":"2026-02-01T08:00:00Z","earn_rate":{"points_per_unit":1,"currency":"EUR"}}"#),
    EventTypeInfo(
      name: "partner.programme_unlinked", description: "A programme was unlinked from the partner.", scope: .partnerOnly,
      exampleJSON: #"{"programme_id":"prog_eu_miles","unlinked_at":"2026-09-01T08:00:00Z","reason":"contract_ended"}"#),
    EventTypeInfo(
      name: "partner.updated", description: "The partner's details changed.", scope: .partnerOnly,
      exampleJSON: #"{"changed_fields":["display_name","support_email"],"display_name":"Acme Travel","support_email":"loyalty@acme.example"}"#),
  ]

  static let byName = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

  /// The event type called `name`, if it exists.
  package static func type(named name: String) -> EventTypeInfo? { byName[name] }
}
