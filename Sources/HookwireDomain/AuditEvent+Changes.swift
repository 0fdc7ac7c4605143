/// The audit event of each kind of change, written once for every store:
/// what it is called, who it names, and which fields its before and after
/// carry. A webhook's signing secret is never among them (not even its
/// hint); secrets cannot be rotated, so no event says one was.
extension AuditEvent {
  /// A webhook as created: every field but its secret.
  package static func webhookCreated(_ webhook: Webhook) -> AuditEvent {
    about(webhook, by: webhook.createdBy, .webhookCreated, before: AuditDocument(), after: snapshot(webhook))
  }

  /// A webhook change, named by what it did: pausing, resuming (from paused
  /// or disabled), disabling, or else an update of its events or
  /// description. Before and after carry only the fields that changed, and
  /// the version.
  package static func webhookChanged(from before: Webhook, to after: Webhook) -> AuditEvent {
    let action: AuditAction =
      switch (before.state, after.state) {
      case (let old, let new) where old == new: .webhookUpdated
      case (_, .paused): .webhookPaused
      case (_, .active): .webhookResumed
      case (_, .disabled): .webhookDisabled
      }
    var old = AuditDocument()
    var new = AuditDocument()
    if before.events != after.events {
      old = old.with("events", .texts(before.events))
      new = new.with("events", .texts(after.events))
    }
    if before.state != after.state {
      old = old.with("state", .text(stateName(before.state)))
      new = new.with("state", .text(stateName(after.state)))
    }
    if before.disabledReason != after.disabledReason {
      old = old.with("disabled_reason", .text(before.disabledReason))
      new = new.with("disabled_reason", .text(after.disabledReason))
    }
    if before.description != after.description {
      old = old.with("description", .text(before.description))
      new = new.with("description", .text(after.description))
    }
    old = old.with("version", .integer(before.version))
    new = new.with("version", .integer(after.version))
    return about(after, by: after.updatedBy, action, before: old, after: new)
  }

  /// A webhook deleted by `author`: before, every field but its secret.
  package static func webhookDeleted(_ webhook: Webhook, by author: ChangeAuthor) -> AuditEvent {
    about(webhook, by: author, .webhookDeleted, before: snapshot(webhook), after: AuditDocument().with("deleted", .bool(true)))
  }

  /// A key created for `owner` (`partner` when a partner's) by `actor`:
  /// named by its prefix, never its secret.
  package static func keyCreated(prefix: String, for owner: KeyOwner, partner: Partner?, by actor: AuditActor, atMs: Int64) -> AuditEvent {
    key(prefix, owner, partner, actor, atMs, .keyCreated, before: AuditDocument(), after: keyDocument(prefix, owner).with("revoked", .bool(false)))
  }

  /// A key revoked by `actor`.
  package static func keyRevoked(prefix: String, of owner: KeyOwner, partner: Partner?, by actor: AuditActor, atMs: Int64) -> AuditEvent {
    key(
      prefix, owner, partner, actor, atMs, .keyRevoked, before: AuditDocument().with("revoked", .bool(false)),
      after: AuditDocument().with("revoked", .bool(true)))
  }

  /// A service identity registered by `actor`: its id, service and match
  /// (a certificate's public names; there is no secret to leave out).
  package static func serviceIdentityCreated(_ identity: ServiceIdentity, by actor: AuditActor) -> AuditEvent {
    serviceIdentity(
      identity, actor, atMs: identity.createdAtMs, .serviceIdentityCreated, before: AuditDocument(),
      after: identityDocument(identity).with("revoked", .bool(false)))
  }

  /// A service identity revoked by `actor` at `atMs`: before, its id,
  /// service and match.
  package static func serviceIdentityRevoked(_ identity: ServiceIdentity, by actor: AuditActor, atMs: Int64) -> AuditEvent {
    serviceIdentity(
      identity, actor, atMs: atMs, .serviceIdentityRevoked, before: identityDocument(identity).with("revoked", .bool(false)),
      after: AuditDocument().with("revoked", .bool(true)))
  }

  /// A redelivery asked for in `context`: the delivery's status and next
  /// attempt before and after.
  package static func redelivered(_ before: Delivery, _ after: Delivery, in context: AuditContext) -> AuditEvent {
    var event = about(
      context.webhook, by: context.author, .deliveryRedelivered,
      before: AuditDocument().with("status", .text(statusName(before.status))).with("next_attempt_at_ms", .integer(before.nextAttemptAtMs)),
      after: AuditDocument().with("status", .text(statusName(after.status))).with("next_attempt_at_ms", .integer(after.nextAttemptAtMs)))
    event.targetID = after.id
    event.eventID = after.eventID
    event.deliveryBUID = after.buID
    return event
  }

  /// A recovery asked for in `context`: since when, and how many deliveries it scheduled again.
  package static func recovered(sinceMs: Int64, scheduled: Int, in context: AuditContext) -> AuditEvent {
    about(
      context.webhook, by: context.author, .deliveriesRecovered, before: AuditDocument(),
      after: AuditDocument().with("since_ms", .integer(sinceMs)).with("scheduled", .integer(Int64(scheduled))))
  }

  private static func about(
    _ webhook: Webhook, by author: ChangeAuthor, _ action: AuditAction, before: AuditDocument, after: AuditDocument
  ) -> AuditEvent {
    AuditEvent(
      atMs: author.atMs, partnerID: author.partnerID, actor: AuditActor(author), action: action, webhookID: webhook.id,
      targetID: webhook.id, before: before.json, after: after.json, ownerPartnerID: webhook.partnerID, buID: webhook.buID,
      allBUs: webhook.allBUs)
  }

  private static func key(
    _ prefix: String, _ owner: KeyOwner, _ partner: Partner?, _ actor: AuditActor, _ atMs: Int64, _ action: AuditAction,
    before: AuditDocument, after: AuditDocument
  ) -> AuditEvent {
    AuditEvent(
      atMs: atMs, partnerID: partner?.id ?? 0, actor: actor, action: action, webhookID: "", targetID: prefix, before: before.json,
      after: after.json, ownerPartnerID: partner?.id ?? 0, buID: partner?.buID ?? 0, allBUs: false)
  }

  /// A service identity's event: seen by no partner, as a service's key's.
  private static func serviceIdentity(
    _ identity: ServiceIdentity, _ actor: AuditActor, atMs: Int64, _ action: AuditAction, before: AuditDocument,
    after: AuditDocument
  ) -> AuditEvent {
    AuditEvent(
      atMs: atMs, partnerID: 0, actor: actor, action: action, webhookID: "", targetID: "cert:\(identity.id)", before: before.json,
      after: after.json, ownerPartnerID: 0, buID: 0, allBUs: false)
  }

  private static func identityDocument(_ identity: ServiceIdentity) -> AuditDocument {
    let document = AuditDocument().with("id", .integer(identity.id)).with("service", .text(identity.serviceName))
    return switch identity.match {
    case .subject(let name): document.with("subject", .text(name.canonical))
    case .uri(let uri): document.with("uri", .text(uri))
    }
  }

  private static func keyDocument(_ prefix: String, _ owner: KeyOwner) -> AuditDocument {
    switch owner {
    case .partner(let id): AuditDocument().with("prefix", .text(prefix)).with("partner_id", .integer(id))
    case .service(let name): AuditDocument().with("prefix", .text(prefix)).with("service", .text(name))
    }
  }

  /// Every field of a webhook but its secret and its hint.
  static func snapshot(_ webhook: Webhook) -> AuditDocument {
    AuditDocument()
      .with("kind", .text(webhook.kind == .global ? "GLOBAL" : "PROGRAMME"))
      .with("partner_id", .integer(webhook.partnerID))
      .with("bu_id", .integer(webhook.buID))
      .with("all_bus", .bool(webhook.allBUs))
      .with("programme_id", webhook.programmeID.map(AuditDocument.Value.text) ?? .null)
      .with("payload_url", .text(webhook.payloadURL))
      .with("events", .texts(webhook.events))
      .with("state", .text(stateName(webhook.state)))
      .with("disabled_reason", .text(webhook.disabledReason))
      .with("description", .text(webhook.description))
      .with("version", .integer(webhook.version))
  }

  /// A webhook state's name, as the API spells it.
  static func stateName(_ state: Webhook.State) -> String {
    switch state {
    case .active: "ACTIVE"
    case .paused: "PAUSED"
    case .disabled: "DISABLED"
    }
  }

  /// A delivery status's name, as the API spells it.
  static func statusName(_ status: DeliveryStatus) -> String {
    switch status {
    case .pending: "PENDING"
    case .succeeded: "SUCCEEDED"
    case .retrying: "RETRYING"
    case .failed: "FAILED"
    case .held: "HELD"
    case .cancelled: "CANCELLED"
    }
  }
}
