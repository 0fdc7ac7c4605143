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
}

/// Every event type Hookwire delivers, defined here and nowhere else.
package enum EventCatalogue {
  /// Every event type, those programme webhooks may take first, then the partner-only ones.
  package static let all: [EventTypeInfo] = [
    EventTypeInfo(name: "member.enrolled", description: "A member joined a programme.", scope: .programme),
    EventTypeInfo(name: "member.updated", description: "A member's profile changed.", scope: .programme),
    EventTypeInfo(name: "member.tier_changed", description: "A member moved to another tier.", scope: .programme),
    EventTypeInfo(name: "points.earned", description: "Points were credited to a member.", scope: .programme),
    EventTypeInfo(name: "points.expired", description: "A member's points expired.", scope: .programme),
    EventTypeInfo(name: "programme.updated", description: "A programme's settings changed.", scope: .programme),
    EventTypeInfo(name: "reward.expired", description: "An issued reward expired unused.", scope: .programme),
    EventTypeInfo(name: "reward.issued", description: "A reward was issued to a member.", scope: .programme),
    EventTypeInfo(name: "reward.redeemed", description: "A member redeemed a reward.", scope: .programme),
    EventTypeInfo(name: "transaction.created", description: "A qualifying transaction was recorded.", scope: .programme),
    EventTypeInfo(name: "bu.settings_changed", description: "The business unit's settings changed.", scope: .partnerOnly),
    EventTypeInfo(name: "invoice.issued", description: "An invoice was issued to the partner.", scope: .partnerOnly),
    EventTypeInfo(name: "partner.programme_linked", description: "A programme was linked to the partner.", scope: .partnerOnly),
    EventTypeInfo(name: "partner.programme_unlinked", description: "A programme was unlinked from the partner.", scope: .partnerOnly),
    EventTypeInfo(name: "partner.updated", description: "The partner's details changed.", scope: .partnerOnly),
  ]

  static let byName = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })

  /// The event type called `name`, if it exists.
  package static func type(named name: String) -> EventTypeInfo? { byName[name] }
}
