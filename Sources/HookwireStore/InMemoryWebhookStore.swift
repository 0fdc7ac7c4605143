import HookwireDomain
import Synchronization

/// Webhooks in memory, for fast unit tests; same rules as SQLite's.
package actor InMemoryWebhookStore: WebhookStore {
  private var webhooks: [String: (webhook: Webhook, secret: [UInt8], deletedAtMs: Int64?)] = [:]
  /// Where every change's audit event goes (and the event store's redeliveries and recoveries).
  package nonisolated let audit: InMemoryAuditStore

  /// An empty store, holding no webhooks, recording changes in `audit`.
  package init(audit: InMemoryAuditStore = InMemoryAuditStore()) { self.audit = audit }

  package func create(_ webhook: Webhook, encryptedSecret: [UInt8]) throws {
    // A deleted webhook keeps its entry: ids are never reused.
    guard webhooks[webhook.id] == nil else { throw DomainError(.conflict, "webhook \(webhook.id) exists") }
    webhooks[webhook.id] = (webhook, encryptedSecret, nil)
    audit.append(.webhookCreated(webhook))
  }

  package func webhook(id: String) -> Webhook? {
    guard let entry = webhooks[id], entry.deletedAtMs == nil else { return nil }
    return entry.webhook
  }

  package func loggedWebhook(id: String) -> LoggedWebhook? {
    webhooks[id].map { LoggedWebhook(webhook: $0.webhook, deletedAtMs: $0.deletedAtMs) }
  }

  package func list(kind: Webhook.Kind, buID: Int64, allBUOwners: [Int64], pageSize: Int, pageToken: String) throws -> Page<Webhook> {
    let size = try Paging.size(pageSize)
    let after = try Paging.value(fromToken: pageToken) ?? ""
    let matching = webhooks.values.filter { $0.deletedAtMs == nil }.map(\.webhook).filter { w in
      guard w.kind == kind, w.id > after else { return false }
      return (w.buID == buID && !w.allBUs) || (kind == .global && w.allBUs && allBUOwners.contains(w.partnerID))
    }.sorted { $0.id < $1.id }
    return Page(items: Array(matching.prefix(size)), hasMore: matching.count > size) { Paging.token(after: $0.id) }
  }

  package func update(
    id: String, expectedVersion: Int64?, by author: ChangeAuthor, _ change: @escaping @Sendable (inout Webhook) throws -> Void
  ) throws -> Webhook {
    guard var entry = webhooks[id], entry.deletedAtMs == nil else { throw DomainError(.notFound, "webhook \(id) does not exist") }
    if let expectedVersion, expectedVersion != entry.webhook.version {
      throw DomainError(.staleVersion, "webhook \(id) is at version \(entry.webhook.version), not \(expectedVersion): reload and retry")
    }
    let before = entry.webhook
    entry.webhook = try entry.webhook.updated(by: author, change)
    webhooks[id] = entry
    audit.append(.webhookChanged(from: before, to: entry.webhook))
    return entry.webhook
  }

  package func delete(id: String, expectedVersion: Int64?, by author: ChangeAuthor) throws {
    guard let entry = webhooks[id], entry.deletedAtMs == nil else { throw DomainError(.notFound, "webhook \(id) does not exist") }
    if let expectedVersion, expectedVersion != entry.webhook.version {
      throw DomainError(.staleVersion, "webhook \(id) is at version \(entry.webhook.version), not \(expectedVersion): reload and retry")
    }
    // As the SQL stores keep the row: the deletion is the last change, and the secret goes.
    var tombstone = entry.webhook
    tombstone.version += 1
    tombstone.updatedBy = author
    webhooks[id] = (tombstone, [], author.atMs)
    audit.append(.webhookDeleted(entry.webhook, by: author))
  }

  package func encryptedSecret(id: String) -> [UInt8]? {
    guard let entry = webhooks[id], entry.deletedAtMs == nil else { return nil }
    return entry.secret
  }

  /// Every webhook not deleted.
  package func all() -> [Webhook] { webhooks.values.filter { $0.deletedAtMs == nil }.map(\.webhook) }
}
