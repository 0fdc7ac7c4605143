/// Reading the audit trail: the events a caller may see, newest first,
/// filtered by webhook, by partner and by time.
package struct AuditTrail: Sendable {
  /// Where the events are.
  package let audit: any AuditStore
  /// Where webhooks are, to refuse a filter on a webhook the caller may not see.
  package let webhooks: any WebhookStore
  /// How many store pages one listing reads at most before it returns what
  /// it has (with a token to go on), so a caller who may see few of many
  /// events cannot make one call scan them all.
  package static let maxStorePages = 20

  /// A trail over `audit`, checking webhook filters against `webhooks`.
  package init(audit: any AuditStore, webhooks: any WebhookStore) {
    self.audit = audit
    self.webhooks = webhooks
  }

  /// One page of the events `filter` selects that `scope` may see
  /// (`AccessControl.canSee(_:in:)`), newest first. A page may hold fewer
  /// than `pageSize` events while more follow; only an empty token ends the
  /// listing. A filter on a live webhook the caller may not see is
  /// PERMISSION_DENIED, as every call on one is; on a deleted (or unknown)
  /// one it returns the events the caller may still see. INVALID_ARGUMENT
  /// for `since` not before `until`, a bad page size or a bad token.
  package func list(_ filter: AuditFilter, pageSize: Int, pageToken: String, in scope: CallerScope) async throws -> Page<AuditEvent> {
    _ = try AccessControl.requirePartner(scope)
    let size = try Paging.size(pageSize)
    if let since = filter.sinceMs, let until = filter.untilMs, since >= until {
      throw DomainError(.invalid, "since must be before until")
    }
    if let id = filter.webhookID, let webhook = try await webhooks.webhook(id: id) {
      _ = try AccessControl.requireVisible(webhook, id: id, in: scope)
    }
    var query = filter
    query.within = AccessControl.auditWithin(scope)
    var shown: [AuditEvent] = []
    var token = pageToken
    for _ in 0..<Self.maxStorePages {
      let page = try await audit.events(matching: query, pageSize: size, pageToken: token)
      for (index, event) in page.items.enumerated() where AccessControl.canSee(event, in: scope) {
        shown.append(event)
        if shown.count == size {
          // The store's own token after its last event says whether more follow.
          let last = index == page.items.count - 1
          return Page(items: shown, nextToken: last ? page.nextToken : Paging.token(after: event.id))
        }
      }
      token = page.nextToken
      if token.isEmpty { break }
    }
    return Page(items: shown, nextToken: token)
  }
}
