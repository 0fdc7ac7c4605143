/// Who asks for a change to a webhook's deliveries (a redelivery or a
/// recovery), and of which webhook: what the event store needs to write
/// the change's audit event in the change's own transaction.
package struct AuditContext: Sendable, Equatable {
  /// Who made the change, on whose dashboard, and when.
  package var author: ChangeAuthor
  /// The webhook whose deliveries change, as the caller was allowed to see it.
  package var webhook: Webhook

  /// A context with both given.
  package init(author: ChangeAuthor, webhook: Webhook) {
    self.author = author
    self.webhook = webhook
  }
}

/// Which audit events a listing returns.
package struct AuditFilter: Sendable, Equatable {
  /// Only events about this webhook; nil for any.
  package var webhookID: String?
  /// Only events made on this partner's dashboard (`AuditEvent.partnerID`); nil for any.
  package var partnerID: Int64?
  /// Only events at or after this time (milliseconds since 1970, UTC); nil for no lower bound.
  package var sinceMs: Int64?
  /// Only events before this time (milliseconds since 1970, UTC); nil for no upper bound.
  package var untilMs: Int64?
  /// A first cut of what the caller may see, which a store applies in its
  /// query: events whose business unit is within `units`, or whose owner is
  /// `ownerID`. `AccessControl.canSee(_:in:)` decides the rest.
  package var within: (units: Reach, ownerID: Int64)?

  /// A filter; a nil field matches every event.
  package init(
    webhookID: String? = nil, partnerID: Int64? = nil, sinceMs: Int64? = nil, untilMs: Int64? = nil,
    within: (units: Reach, ownerID: Int64)? = nil
  ) {
    self.webhookID = webhookID
    self.partnerID = partnerID
    self.sinceMs = sinceMs
    self.untilMs = untilMs
    self.within = within
  }

  /// Whether both filters select the same events, field by field.
  package static func == (lhs: AuditFilter, rhs: AuditFilter) -> Bool {
    lhs.webhookID == rhs.webhookID && lhs.partnerID == rhs.partnerID && lhs.sinceMs == rhs.sinceMs && lhs.untilMs == rhs.untilMs
      && lhs.within?.units == rhs.within?.units && lhs.within?.ownerID == rhs.within?.ownerID
  }

  /// Whether `event` passes the filter (what every store's query selects).
  package func matches(_ event: AuditEvent) -> Bool {
    if let webhookID, event.webhookID != webhookID { return false }
    if let partnerID, event.partnerID != partnerID { return false }
    if let sinceMs, event.atMs < sinceMs { return false }
    if let untilMs, event.atMs >= untilMs { return false }
    if let within, !within.units.contains(event.buID) && event.ownerPartnerID != within.ownerID { return false }
    return true
  }
}

/// The audit trail: every change to a webhook or a key, and every
/// redelivery and recovery, with who made it.
///
/// Events are written by the stores that make the changes, inside the
/// change's transaction (`WebhookStore` create, update and delete;
/// `PartnerStore` key creation and revocation; `EventStore` redelivery and
/// recovery), so no committed change lacks its event and no event
/// describes a change that was rolled back. This protocol reads and prunes
/// them. Every implementation follows the same rules (the store contract
/// suite holds them to it):
/// - Listing is newest first (by id, which sorts in time order), `filter`
///   applied, `pageSize` by `Paging.size`, the token continuing after the
///   last event returned; a token no store issued is INVALID_ARGUMENT.
/// - Pruning removes events made before the cutoff, in batches.
package protocol AuditStore: Sendable {
  /// One page of the events `filter` selects, newest first.
  func events(matching filter: AuditFilter, pageSize: Int, pageToken: String) async throws -> Page<AuditEvent>
  /// Removes events made before `cutoffMs`; returns how many.
  func prune(before cutoffMs: Int64) async throws -> Int
}
