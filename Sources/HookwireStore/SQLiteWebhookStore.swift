import HookwireDomain
import Synchronization

/// Webhooks on SQLite. Deleted webhooks keep their row (with `deleted_at_ms`)
/// so their event logs stay readable until retention removes them.
///
/// Reads by id are served from a write-through cache: webhooks are written
/// only through this store, in this process, so the cache is updated after
/// every commit and never goes stale.
package final class SQLiteWebhookStore: WebhookStore {
  let database: Database
  /// Cached webhooks, and ids deleted (nil) so a read racing a delete
  /// cannot bring one back; ids are never reused.
  private let cache = Mutex<[String: Webhook?]>([:])
  private let cacheLimit = 100_000

  /// A store on `database` (migrated with `DatabaseMigrations.migrations`).
  package init(database: Database) { self.database = database }

  /// Caches `webhook` unless the cache already holds a newer version (or a
  /// deletion): writes and reads may complete in any order.
  private func remember(_ webhook: Webhook) {
    cache.withLock { cache in
      if cache.count >= cacheLimit { cache.removeAll(keepingCapacity: true) }
      switch cache[webhook.id] {
      case .some(.none): return
      case .some(.some(let cached)) where cached.version >= webhook.version: return
      default: cache[webhook.id] = webhook
      }
    }
  }

  static let columns = """
    id, kind, partner_id, bu_id, all_bus, programme_id, payload_url, events, secret_hint, state, disabled_reason,
    version, description, created_by_partner, created_by_caller, created_by_key, created_at_ms,
    updated_by_partner, updated_by_caller, updated_by_key, updated_at_ms
    """

  package func create(_ webhook: Webhook, encryptedSecret: [UInt8]) async throws {
    try await database.write { db in
      // A deleted webhook keeps its row: ids are never reused.
      guard try !db.prepare("SELECT 1 FROM webhooks WHERE id = ?").bind(.text(webhook.id)).step() else {
        throw DomainError(.conflict, "webhook \(webhook.id) exists")
      }
      try db.prepare("INSERT INTO webhooks (\(Self.columns), secret) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        .bind(Self.values(webhook) + [.blob(encryptedSecret)]).run()
    }
    remember(webhook)
  }

  package func webhook(id: String) async throws -> Webhook? {
    if let cached = cache.withLock({ $0[id] }) { return cached }  // a nil entry: deleted
    let loaded = try await database.read { db in try Self.load(db, id: id) }
    if let loaded { remember(loaded) }
    return loaded
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
      while try rows.step() { items.append(Self.decode(rows)) }
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
          .text(webhook.events.joined(separator: ",")), .integer(webhook.state.rawValue), .text(webhook.disabledReason),
          .integer(webhook.version), .text(webhook.description), .integer(author.partnerID), .integer(author.callerPartnerID),
          .text(author.keyPrefix), .integer(author.atMs), .text(id)
        ).run()
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
      try db.prepare("""
        UPDATE webhooks SET deleted_at_ms = ?, updated_by_partner = ?, updated_by_caller = ?, updated_by_key = ?,
          updated_at_ms = ?, version = version + 1 WHERE id = ?
        """).bind(.integer(author.atMs), .integer(author.partnerID), .integer(author.callerPartnerID), .text(author.keyPrefix), .integer(author.atMs), .text(id)).run()
    }
    cache.withLock { $0[id] = .some(nil) }
  }

  package func encryptedSecret(id: String) async throws -> [UInt8]? {
    try await database.read { db in
      let row = try db.prepare("SELECT secret FROM webhooks WHERE id = ? AND deleted_at_ms IS NULL").bind(.text(id))
      return try row.step() ? row.blob(0) : nil
    }
  }

  static func values(_ w: Webhook) -> [SQLValue] {
    [
      .text(w.id), .integer(w.kind.rawValue), .integer(w.partnerID), .integer(w.buID), .integer(w.allBUs ? 1 : 0),
      w.programmeID.map(SQLValue.text) ?? .null, .text(w.payloadURL), .text(w.events.joined(separator: ",")), .text(w.secretHint),
      .integer(w.state.rawValue), .text(w.disabledReason), .integer(w.version), .text(w.description),
      .integer(w.createdBy.partnerID), .integer(w.createdBy.callerPartnerID), .text(w.createdBy.keyPrefix), .integer(w.createdBy.atMs),
      .integer(w.updatedBy.partnerID), .integer(w.updatedBy.callerPartnerID), .text(w.updatedBy.keyPrefix), .integer(w.updatedBy.atMs),
    ]
  }

  static func decode(_ row: Statement) -> Webhook {
    Webhook(
      id: row.text(0), kind: Webhook.Kind(storedCode: row.int(1)), partnerID: row.int(2), buID: row.int(3),
      allBUs: row.int(4) == 1, programmeID: row.isNull(5) ? nil : row.text(5), payloadURL: row.text(6),
      events: row.text(7).split(separator: ",").map(String.init), secretHint: row.text(8), state: Webhook.State(storedCode: row.int(9)),
      disabledReason: row.text(10), version: row.int(11), description: row.text(12),
      createdBy: ChangeAuthor(partnerID: row.int(13), callerPartnerID: row.int(14), keyPrefix: row.text(15), atMs: row.int(16)),
      updatedBy: ChangeAuthor(partnerID: row.int(17), callerPartnerID: row.int(18), keyPrefix: row.text(19), atMs: row.int(20)))
  }
}
