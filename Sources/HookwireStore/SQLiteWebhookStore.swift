import HookwireDomain

/// Webhooks on SQLite. Deleted webhooks keep their row (with `deleted_at_ms`)
/// so their event logs stay readable until retention removes them.
///
/// Reads by id are served from a write-through cache: webhooks are written
/// only through this store, in this process, so the cache is updated after
/// every commit and never goes stale.
package final class SQLiteWebhookStore: WebhookStore {
  let database: Database
  /// Cached webhooks, and ids deleted so a read racing a delete cannot
  /// bring one back; ids are never reused.
  private let cache = WebhookCache()

  /// A store on `database` (migrated with `DatabaseMigrations.migrations`).
  package init(database: Database) { self.database = database }

  /// Caches `webhook` unless the cache already holds a newer version (or a
  /// deletion): writes and reads may complete in any order. Nothing else
  /// writes the database, so nothing is ever invalidated.
  private func remember(_ webhook: Webhook) { cache.remember(webhook.id, webhook, since: cache.generation) }

  static let columns = WebhookRow.columns

  package func create(_ webhook: Webhook, encryptedSecret: [UInt8]) async throws {
    try await database.write { db in
      // A deleted webhook keeps its row: ids are never reused.
      guard try !db.prepare("SELECT 1 FROM webhooks WHERE id = ?").bind(.text(webhook.id)).step() else {
        throw DomainError(.conflict, "webhook \(webhook.id) exists")
      }
      try db.prepare("INSERT INTO webhooks (\(Self.columns), secret) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(Self.values(webhook) + [.blob(encryptedSecret)]).run()
      try SQLiteAuditStore.record(.webhookCreated(webhook), in: db)
    }
    remember(webhook)
  }

  package func webhook(id: String) async throws -> Webhook? {
    try await cache.webhook(id: id) { try await database.read { db in try Self.load(db, id: id) } }
  }

  package func loggedWebhook(id: String) async throws -> LoggedWebhook? {
    try await database.read { db in
      let row = try db.prepare("SELECT \(WebhookRow.loggedColumns) FROM webhooks WHERE id = ?").bind(.text(id))
      return try row.step() ? WebhookRow.loggedWebhook(row) : nil
    }
  }

  static func load(_ db: SQLiteConnection, id: String) throws -> Webhook? {
    let row = try db.prepare("SELECT \(columns) FROM webhooks WHERE id = ? AND deleted_at_ms IS NULL").bind(.text(id))
    return try row.step() ? decode(row) : nil
  }

  package func list(kind: Webhook.Kind, buID: Int64, allBUOwners: [Int64], pageSize: Int, pageToken: String) async throws -> Page<Webhook> {
    let size = try Paging.size(pageSize)
    let after = try Paging.value(fromToken: pageToken) ?? ""
    return try await database.read { db in
      var sql = "SELECT \(Self.columns) FROM webhooks WHERE deleted_at_ms IS NULL AND kind = ? AND id > ? AND "
      var values: [SQLValue] = [.integer(kind.rawValue), .text(after)]
      if kind == .global && !allBUOwners.isEmpty {
        sql += "((bu_id = ? AND all_bus = 0) OR (all_bus = 1 AND partner_id IN (\(allBUOwners.map { _ in "?" }.joined(separator: ",")))))"
        values.append(.integer(buID))
        values += allBUOwners.map { .integer($0) }
      } else {
        sql += "bu_id = ? AND all_bus = 0"
        values.append(.integer(buID))
      }
      sql += " ORDER BY id LIMIT ?"
      values.append(.integer(Int64(size + 1)))
      let rows = try db.prepare(sql).bind(values)
      var items: [Webhook] = []
      while try rows.step() { items.append(try Self.decode(rows)) }
      let more = items.count > size
      return Page(items: Array(items.prefix(size)), hasMore: more) { Paging.token(after: $0.id) }
    }
  }

  package func update(
    id: String, expectedVersion: Int64?, by author: ChangeAuthor, _ change: @escaping @Sendable (inout Webhook) throws -> Void
  ) async throws -> Webhook {
    let updated = try await database.write { db in
      guard let current = try Self.load(db, id: id) else { throw DomainError(.notFound, "webhook \(id) does not exist") }
      if let expectedVersion, expectedVersion != current.version {
        throw DomainError(.staleVersion, "webhook \(id) is at version \(current.version), not \(expectedVersion): reload and retry")
      }
      // Only the fields a change may make are written; the rule refuses any other.
      let webhook = try current.updated(by: author, change)
      try db.prepare("""
        UPDATE webhooks SET events = ?, state = ?, disabled_reason = ?, version = ?, description = ?,
          updated_by_partner = ?, updated_by_caller = ?, updated_by_key = ?, updated_at_ms = ?
        WHERE id = ?
        """).bind(
          .text(WebhookRow.eventsText(webhook.events)), .integer(webhook.state.rawValue), .text(webhook.disabledReason),
          .integer(webhook.version), .text(webhook.description), .integer(author.partnerID), .integer(author.callerPartnerID),
          .text(author.keyPrefix), .integer(author.atMs), .text(id)
        ).run()
      try SQLiteAuditStore.record(.webhookChanged(from: current, to: webhook), in: db)
      return webhook
    }
    remember(updated)
    return updated
  }

  package func delete(id: String, expectedVersion: Int64?, by author: ChangeAuthor) async throws {
    try await database.write { db in
      guard let webhook = try Self.load(db, id: id) else { throw DomainError(.notFound, "webhook \(id) does not exist") }
      if let expectedVersion, expectedVersion != webhook.version {
        throw DomainError(.staleVersion, "webhook \(id) is at version \(webhook.version), not \(expectedVersion): reload and retry")
      }
      // The row stays for the log's access rule; the secret goes.
      try db.prepare("""
        UPDATE webhooks SET deleted_at_ms = ?, secret = X'', updated_by_partner = ?, updated_by_caller = ?, updated_by_key = ?,
          updated_at_ms = ?, version = version + 1 WHERE id = ?
        """).bind(.integer(author.atMs), .integer(author.partnerID), .integer(author.callerPartnerID), .text(author.keyPrefix), .integer(author.atMs), .text(id)).run()
      try SQLiteAuditStore.record(.webhookDeleted(webhook, by: author), in: db)
    }
    cache.remember(id, nil, since: cache.generation)
  }

  package func encryptedSecret(id: String) async throws -> [UInt8]? {
    try await database.read { db in
      let row = try db.prepare("SELECT secret FROM webhooks WHERE id = ? AND deleted_at_ms IS NULL").bind(.text(id))
      return try row.step() ? row.blob(0) : nil
    }
  }

  static func values(_ w: Webhook) -> [SQLValue] { WebhookRow.values(w) }

  static func decode(_ row: Statement) throws(StoreError) -> Webhook { try WebhookRow.webhook(row) }
}
