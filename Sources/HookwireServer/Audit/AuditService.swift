import HookwireAPI
import HookwireDomain
import HookwireRPC

/// The audit trail over the API: the events the caller may see, newest
/// first, filtered by webhook, partner and time. Who sees which event is
/// the domain's rule (`AccessControl.canSee(_:in:)` for audit events),
/// applied by `AuditTrail`; this maps the API onto it.
package struct AuditService: Audit.ServiceProtocol {
  let trail: AuditTrail

  /// Creates the service over `audit`, checking webhook filters against `webhooks`.
  package init(audit: any AuditStore, webhooks: any WebhookStore) {
    trail = AuditTrail(audit: audit, webhooks: webhooks)
  }

  package func listAuditEvents(_ request: ListAuditEventsRequest, context: ServerContext) async throws -> ListAuditEventsResponse {
    let scope = try context.callerScope()
    guard request.partnerID <= UInt64(Int64.max) else { throw DomainError(.invalid, "partner_id \(request.partnerID) is out of range") }
    let filter = AuditFilter(
      webhookID: request.webhookID.isEmpty ? nil : request.webhookID, partnerID: request.partnerID == 0 ? nil : Int64(request.partnerID),
      sinceMs: request.sinceMs == 0 ? nil : request.sinceMs, untilMs: request.untilMs == 0 ? nil : request.untilMs)
    let page = try await trail.list(filter, pageSize: Int(request.pageSize), pageToken: request.pageToken, in: scope)
    return ListAuditEventsResponse(events: page.items.map(HookwireAPI.AuditEvent.init), nextPageToken: page.nextToken)
  }
}

extension HookwireAPI.AuditEvent {
  /// The wire form of a domain audit event.
  init(_ event: HookwireDomain.AuditEvent) {
    self.init(
      id: event.id, atMs: event.atMs, partnerID: UInt64(clamping: event.partnerID), actorKind: HookwireAPI.AuditActorKind(event.actor.kind),
      actorPartnerID: UInt64(clamping: event.actor.partnerID), actorCredential: event.actor.credential, actorName: event.actor.name,
      action: HookwireAPI.AuditAction(event.action), webhookID: event.webhookID, targetID: event.targetID, eventID: event.eventID,
      beforeJSON: event.before, afterJSON: event.after)
  }
}

extension HookwireAPI.AuditAction {
  /// The wire form of a domain action, case by case.
  init(_ action: HookwireDomain.AuditAction) {
    self =
      switch action {
      case .webhookCreated: .webhookCreated
      case .webhookUpdated: .webhookUpdated
      case .webhookPaused: .webhookPaused
      case .webhookResumed: .webhookResumed
      case .webhookDisabled: .webhookDisabled
      case .webhookDeleted: .webhookDeleted
      case .keyCreated: .keyCreated
      case .keyRevoked: .keyRevoked
      case .deliveryRedelivered: .deliveryRedelivered
      case .deliveriesRecovered: .deliveriesRecovered
      case .serviceIdentityCreated: .serviceIdentityCreated
      case .serviceIdentityRevoked: .serviceIdentityRevoked
      }
  }
}

extension HookwireAPI.AuditActorKind {
  /// The wire form of a domain actor kind, case by case.
  init(_ kind: HookwireDomain.AuditActor.Kind) {
    self =
      switch kind {
      case .partner: .actorPartner
      case .service: .actorService
      case .admin: .actorAdmin
      case .system: .actorSystem
      }
  }
}
