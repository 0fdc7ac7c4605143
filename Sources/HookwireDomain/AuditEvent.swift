/// What an audit event records a change as. The raw values are the stored
/// codes and the wire numbers: they are named here once and used by name
/// everywhere else.
package enum AuditAction: Int64, Sendable, Equatable, CaseIterable {
  /// A webhook was created (from the dashboard or a programme's Integrations).
  case webhookCreated = 1
  /// A webhook's events or description changed.
  case webhookUpdated = 2
  /// A webhook was paused.
  case webhookPaused = 3
  /// A paused or disabled webhook was resumed (re-enabled).
  case webhookResumed = 4
  /// A webhook was disabled, by the platform when its endpoint kept failing or answered 410.
  case webhookDisabled = 5
  /// A webhook was deleted.
  case webhookDeleted = 6
  /// An API key was created.
  case keyCreated = 7
  /// An API key was revoked.
  case keyRevoked = 8
  /// One event was redelivered to a webhook.
  case deliveryRedelivered = 9
  /// A webhook's failed deliveries were scheduled again.
  case deliveriesRecovered = 10
  /// A service's client certificate identity was registered.
  case serviceIdentityCreated = 11
  /// A service's client certificate identity was revoked.
  case serviceIdentityRevoked = 12

  /// Whether the event is about a credential (an API key or a service
  /// identity) rather than a webhook.
  package var isAboutCredential: Bool {
    switch self {
    case .keyCreated, .keyRevoked, .serviceIdentityCreated, .serviceIdentityRevoked: true
    default: false
    }
  }

  /// The action's name, as the CLI and the documents show it (`webhook.paused`).
  package var name: String {
    switch self {
    case .webhookCreated: "webhook.created"
    case .webhookUpdated: "webhook.updated"
    case .webhookPaused: "webhook.paused"
    case .webhookResumed: "webhook.resumed"
    case .webhookDisabled: "webhook.disabled"
    case .webhookDeleted: "webhook.deleted"
    case .keyCreated: "key.created"
    case .keyRevoked: "key.revoked"
    case .deliveryRedelivered: "delivery.redelivered"
    case .deliveriesRecovered: "deliveries.recovered"
    case .serviceIdentityCreated: "service_identity.created"
    case .serviceIdentityRevoked: "service_identity.revoked"
    }
  }
}

/// Who really made a change: a partner's key, a service, an operator at
/// the command line, or the platform itself. Never a secret: credentials
/// are named by their public part.
package enum AuditActor: Sendable, Equatable {
  /// A partner, by id, with the credential used (`Authentication.label`: the key's prefix).
  case partner(id: Int64, credential: String)
  /// An internal service, by name, with the credential used (a key's prefix or `cert:<identity id>`).
  case service(name: String, credential: String)
  /// An operator through `hookwire-server admin`, by the operating-system user that ran it.
  case admin(name: String)
  /// The platform (the delivery engine disabling a failing webhook).
  case system

  /// The stored code of each kind of actor, also its wire number.
  package enum Kind: Int64, Sendable, Equatable {
    /// A partner's key.
    case partner = 1
    /// A service's key or client certificate.
    case service = 2
    /// An operator's admin command.
    case admin = 3
    /// The platform.
    case system = 4
  }

  /// Which kind of actor this is.
  package var kind: Kind {
    switch self {
    case .partner: .partner
    case .service: .service
    case .admin: .admin
    case .system: .system
    }
  }

  /// The partner that made the change; 0 for any other actor.
  package var partnerID: Int64 {
    if case .partner(let id, _) = self { return id }
    return 0
  }

  /// The credential's public part (a key prefix or `cert:<identity id>`); empty for an operator or the platform.
  package var credential: String {
    switch self {
    case .partner(_, let credential), .service(_, let credential): credential
    case .admin, .system: ""
    }
  }

  /// The service's or operator's name, `system` for the platform; empty for a partner.
  package var name: String {
    switch self {
    case .partner: ""
    case .service(let name, _), .admin(let name): name
    case .system: "system"
    }
  }

  /// The actor stored as these columns; a kind no version wrote reads as the platform.
  package init(storedKind: Int64, partnerID: Int64, credential: String, name: String) {
    switch Kind(rawValue: storedKind) {
    case .partner: self = .partner(id: partnerID, credential: credential)
    case .service: self = .service(name: name, credential: credential)
    case .admin: self = .admin(name: name)
    case .system, nil: self = .system
    }
  }

  /// The real caller of a webhook change: its author's partner, or the
  /// platform when no partner made it (`callerPartnerID` 0).
  package init(_ author: ChangeAuthor) {
    self = author.callerPartnerID == 0 ? .system : .partner(id: author.callerPartnerID, credential: author.keyPrefix)
  }
}

/// One entry of the audit trail: who changed what, when, and how it was
/// before and after. Stores write it in the transaction of the change it
/// describes. It never holds a secret: webhook signing secrets and API keys
/// appear at most by their public names.
package struct AuditEvent: Sendable, Equatable {
  /// `aud_`, base-36 time and sequence, then randomness: ids sort in time
  /// order, so newest first is by id. Assigned by the store.
  package var id: String
  /// When the change was made, in milliseconds since 1970 (UTC).
  package var atMs: Int64
  /// The partner on whose dashboard the change was made (the acted-as
  /// partner, else the caller); for an operator's or the platform's change,
  /// the partner that owns what changed; 0 for a service's key.
  package var partnerID: Int64
  /// Who really made the change.
  package var actor: AuditActor
  /// What was done.
  package var action: AuditAction
  /// The webhook concerned; empty for a key.
  package var webhookID: String
  /// What was acted on: the webhook's id, the key's prefix, the service
  /// identity as `cert:<identity id>`, or the redelivered delivery's id.
  package var targetID: String
  /// The event redelivered; empty otherwise.
  package var eventID: String
  /// What changed, as it was: a JSON object of the fields concerned, or empty.
  package var before: String
  /// What changed, as it became: a JSON object of the fields concerned, or empty.
  package var after: String
  /// Who may see the event (with `buID` and `allBUs`, the webhook rule of
  /// `AccessControl`): the webhook's owner, or the key's partner (0 for a service's key).
  package var ownerPartnerID: Int64
  /// The business unit of the webhook, or of the key's partner.
  package var buID: Int64
  /// Whether the webhook takes every business unit its owner reaches.
  package var allBUs: Bool
  /// For a redelivery, the delivery's business unit, which must be within the real caller's reach too.
  package var deliveryBUID: Int64?

  /// An event with every field given; `AuditEvent`'s factories fill them for each kind of change.
  package init(
    id: String = "", atMs: Int64, partnerID: Int64, actor: AuditActor, action: AuditAction, webhookID: String, targetID: String,
    eventID: String = "", before: String, after: String, ownerPartnerID: Int64, buID: Int64, allBUs: Bool, deliveryBUID: Int64? = nil
  ) {
    self.id = id
    self.atMs = atMs
    self.partnerID = partnerID
    self.actor = actor
    self.action = action
    self.webhookID = webhookID
    self.targetID = targetID
    self.eventID = eventID
    self.before = before
    self.after = after
    self.ownerPartnerID = ownerPartnerID
    self.buID = buID
    self.allBUs = allBUs
    self.deliveryBUID = deliveryBUID
  }
}
