import HookwireDomain
import HookwireStore

/// Webhooks and their sealed secrets in PostgreSQL (`PostgresSchema`),
/// following the `WebhookStore` rules. Deleted webhooks keep their row
/// (with `deleted_at_ms`), so their ids are never reused and their event
/// logs stay readable.
///
/// Several servers share the database, so the read-by-id cache is kept
/// right across them: every create, update and delete announces
/// `webhook:<id>` on `PostgresChanges.channel` inside its transaction, and
/// the server hands what it hears back to `apply(_:)`, which drops the
/// entry. While the server cannot hear (its listener is disconnected) it
/// turns caching off (`setCaching(false)`) and every read goes to the
/// database. A read or write that raced an invalidation never caches what
/// it saw (`WebhookCache`).
///
/// `update` and `delete` lock the row (`SELECT … FOR UPDATE`) before they
/// check and change it, so two servers changing one webhook at once both
/// see the other's change: neither is lost, and a stale `expectedVersion`
/// is ABORTED.
package final class PostgresWebhookStore: WebhookStore {
  let database: PostgresDatabase
  private let cache = WebhookCache()

  /// A store over `database`, which must be migrated to `PostgresSchema.migrations`.
  package init(database: PostgresDatabase) {
    self.database = database
  }

  /// Forgets what another server's write may have made stale:
  /// `.webhookChanged` that webhook, `.unknown` everything; other changes
  /// concern other stores.
  package func apply(_ change: StoreChange) {
    switch change {
    case .webhookChanged(let id): cache.forget(id)
    case .unknown: cache.forgetAll()
    case .apiKeyRevoked, .serviceIdentityRevoked: return
    }
  }

  /// Turns the cache on or off. Off, it is emptied and every read goes to
  /// the database (while other servers' changes may go unheard); on again,
  /// it fills from reads that begin from then on.
  package func setCaching(_ on: Bool) { cache.setEnabled(on) }

  package func create(_ webhook: Webhook, encryptedSecret: [UInt8]) async throws {
    let generation = cache.generation
    let values: [PostgresValue] = WebhookRow.values(webhook) + [.bytes(encryptedSecret)]
    let placeholders = (1...values.count).map { "$\($0)" }.joined(separator: ", ")
    try await database.write { connection in
      // A deleted webhook keeps its row, so an id taken before conflicts too;
      // a create racing on another server waits for it and conflicts likewise.
      let inserted = try connection.query(
        "INSERT INTO webhooks (\(WebhookRow.columns), secret) VALUES (\(placeholders)) ON CONFLICT (id) DO NOTHING", values)
      guard inserted.affectedRows == 1 else { throw DomainError(.conflict, "webhook \(webhook.id) exists") }
      try PostgresAuditStore.record(.webhookCreated(webhook), on: connection)
      try Self.announce(webhook.id, on: connection)
    }
    cache.remember(webhook.id, webhook, since: generation)
  }

  package func webhook(id: String) async throws -> Webhook? {
    try await cache.webhook(id: id) { try await database.read { connection in try Self.load(connection, id: id) } }
  }

  package func loggedWebhook(id: String) async throws -> LoggedWebhook? {
    try await database.read { connection in
      try connection.query("SELECT \(WebhookRow.loggedColumns) FROM webhooks WHERE id = $1", .text(id)).first.map {
        row throws(StoreError) in try WebhookRow.loggedWebhook(row)
      }
    }
  }

  /// The webhook `id` unless it was deleted; locked until the transaction
  /// ends when `forUpdate`.
  static func load(_ connection: PostgresConnection, id: String, forUpdate: Bool = false) throws -> Webhook? {
    let rows = try connection.query(
      "SELECT \(WebhookRow.columns) FROM webhooks WHERE id = $1 AND deleted_at_ms IS NULL\(forUpdate ? " FOR UPDATE" : "")", .text(id))
    return try rows.first.map { row throws(StoreError) in try WebhookRow.webhook(row) }
  }

  package func list(kind: Webhook.Kind, buID: Int64, allBUOwners: [Int64], pageSize: Int, pageToken: String) async throws -> Page<Webhook> {
    let size = try Paging.size(pageSize)
    let after = try Paging.value(fromToken: pageToken) ?? ""
    var values: [PostgresValue] = [.integer(kind.rawValue), .text(after), .integer(buID)]
    var sql = "SELECT \(WebhookRow.columns) FROM webhooks WHERE deleted_at_ms IS NULL AND kind = $1 AND id > $2 AND "
    if kind == .global && !allBUOwners.isEmpty {
      let owners = allBUOwners.indices.map { "$\(values.count + 1 + $0)" }.joined(separator: ", ")
      sql += "((bu_id = $3 AND NOT all_bus) OR (all_bus AND partner_id IN (\(owners))))"
      values += allBUOwners.map { .integer($0) }
    } else {
      sql += "bu_id = $3 AND NOT all_bus"
    }
    values.append(.integer(Int64(size + 1)))
    sql += " ORDER BY id LIMIT $\(values.count)"
    let query = sql
    let parameters = values
    let items = try await database.read { connection in
      try connection.query(query, parameters).map { row throws(StoreError) in try WebhookRow.webhook(row) }
    }
    return Page(items: Array(items.prefix(size)), hasMore: items.count > size) { Paging.token(after: $0.id) }
  }

  package func update(
    id: String, expectedVersion: Int64?, by author: ChangeAuthor, _ change: @escaping @Sendable (inout Webhook) throws -> Void
  ) async throws -> Webhook {
    let generation = cache.generation
    let updated = try await database.write { connection in
      let current = try Self.lockCurrent(connection, id: id, expectedVersion: expectedVersion)
      // Only the fields a change may make are written; the rule refuses any other.
      let webhook = try current.updated(by: author, change)
      try connection.query(
        """
        UPDATE webhooks SET events = $1, state = $2, disabled_reason = $3, version = $4, description = $5,
          updated_by_partner = $6, updated_by_caller = $7, updated_by_key = $8, updated_at_ms = $9
        WHERE id = $10
        """,
        .text(WebhookRow.eventsText(webhook.events)), .integer(webhook.state.rawValue), .text(webhook.disabledReason),
        .integer(webhook.version), .text(webhook.description), .integer(author.partnerID), .integer(author.callerPartnerID),
        .text(author.keyPrefix), .integer(author.atMs), .text(id))
      try PostgresAuditStore.record(.webhookChanged(from: current, to: webhook), on: connection)
      try Self.announce(id, on: connection)
      return webhook
    }
    cache.remember(id, updated, since: generation)
    return updated
  }

  package func delete(id: String, expectedVersion: Int64?, by author: ChangeAuthor) async throws {
    let generation = cache.generation
    try await database.write { connection in
      let current = try Self.lockCurrent(connection, id: id, expectedVersion: expectedVersion)
      // The row stays for the log's access rule; the secret goes.
      try connection.query(
        """
        UPDATE webhooks SET deleted_at_ms = $1, secret = ''::bytea, updated_by_partner = $2, updated_by_caller = $3, updated_by_key = $4,
          updated_at_ms = $1, version = version + 1 WHERE id = $5
        """,
        .integer(author.atMs), .integer(author.partnerID), .integer(author.callerPartnerID), .text(author.keyPrefix), .text(id))
      try PostgresAuditStore.record(.webhookDeleted(current, by: author), on: connection)
      try Self.announce(id, on: connection)
    }
    cache.remember(id, nil, since: generation)
  }

  /// The webhook `id`, locked for the rest of the transaction (a change by
  /// another server waits, then sees this one's); NOT_FOUND when it does not
  /// exist, ABORTED when it is not at `expectedVersion` (when given).
  private static func lockCurrent(_ connection: PostgresConnection, id: String, expectedVersion: Int64?) throws -> Webhook {
    guard let current = try load(connection, id: id, forUpdate: true) else {
      throw DomainError(.notFound, "webhook \(id) does not exist")
    }
    if let expectedVersion, expectedVersion != current.version {
      throw DomainError(.staleVersion, "webhook \(id) is at version \(current.version), not \(expectedVersion): reload and retry")
    }
    return current
  }

  /// Tells every server, at COMMIT, that webhook `id` changed.
  private static func announce(_ id: String, on connection: PostgresConnection) throws {
    try connection.notify(channel: PostgresChanges.channel, payload: "webhook:\(id)")
  }

  package func encryptedSecret(id: String) async throws -> [UInt8]? {
    try await database.read { connection in
      try connection.query("SELECT secret FROM webhooks WHERE id = $1 AND deleted_at_ms IS NULL", .text(id)).first?.bytes(0)
    }
  }
}
