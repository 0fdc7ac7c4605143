/// Who sees which audit events: each follows the resource it is about.
extension AccessControl {
  /// Whether `event` is visible in `scope`. An event about a webhook
  /// follows the webhook rule (`canSeeWebhook`, on the webhook as it was
  /// when the event was made, so a deleted webhook's history stays with
  /// whoever could see it); a redelivery's also needs the delivery's
  /// business unit within the real caller's reach, as the delivery itself
  /// does. An event about a key is seen on its partner's dashboard only
  /// (by the partner, or by a global partner acting as it); a service's
  /// keys and client certificate identities by no partner. Partner keys only.
  package static func canSee(_ event: AuditEvent, in scope: CallerScope) -> Bool {
    guard let dashboard = scope.dashboardPartner else { return false }
    if event.action.isAboutCredential { return event.ownerPartnerID != 0 && event.ownerPartnerID == dashboard.id }
    guard canSeeWebhook(ownedBy: event.ownerPartnerID, buID: event.buID, allBUs: event.allBUs, in: scope) else { return false }
    if let deliveryBU = event.deliveryBUID { return scope.searchReach.contains(deliveryBU) }
    return true
  }

  /// The first cut of `canSee(_:in:)` that stores apply in their query:
  /// events of the scope's reach, or owned by its dashboard's partner.
  package static func auditWithin(_ scope: CallerScope) -> (units: Reach, ownerID: Int64)? {
    guard let dashboard = scope.dashboardPartner else { return nil }
    return (scope.reach, dashboard.id)
  }
}
