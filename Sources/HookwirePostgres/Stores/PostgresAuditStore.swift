import HookwireDomain
import HookwireStore

/// The audit trail in PostgreSQL (`PostgresSchema`). The other PostgreSQL
/// stores write each change's event with `record(_:on:)` inside the
/// change's own transaction, so the event commits, or rolls back, with it,
/// whichever server made the change.
package final class PostgresAuditStore: AuditStore {
  let database: PostgresDatabase

  /// A store over `database`, which must be migrated to `PostgresSchema.migrations`.
  package init(database: PostgresDatabase) { self.database = database }

  /// Writes `event` (its id assigned) in the transaction `connection` is in.
  static func record(_ event: AuditEvent, on connection: PostgresConnection) throws {
    let values: [PostgresValue] = AuditRow.values(AuditRow.identified(event))
    let placeholders = (1...values.count).map { "$\($0)" }.joined(separator: ", ")
    try connection.query("INSERT INTO audit_events (\(AuditRow.columns)) VALUES (\(placeholders))", values)
  }

  package func events(matching filter: AuditFilter, pageSize: Int, pageToken: String) async throws -> Page<AuditEvent> {
    let size = try Paging.size(pageSize)
    let after = try Paging.value(fromToken: pageToken)
    // No id holds a NUL, and PostgreSQL's text cannot carry one.
    guard !(after?.utf8.contains(0) ?? false) else { throw DomainError(.invalid, "the page token is not one this server issued") }
    let (sql, values): (String, [PostgresValue]) = AuditRow.listQuery(filter, after: after, limit: size + 1) { "$\($0)" }
    return try await database.read { connection in
      let rows = try connection.query(sql, values)
      var read: [(id: String, event: AuditEvent?)] = []
      for row in rows { read.append((try row.text(0), try AuditRow.event(row))) }
      return AuditRow.page(read, size: size)
    }
  }

  package func prune(before cutoffMs: Int64) async throws -> Int {
    var removed = 0
    // In batches, so no transaction holds many rows for long.
    while true {
      let batch = try await database.write { connection -> Int in
        // Ids begin with their time: the oldest are the first of the primary key.
        try connection.query(
          "DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE id < $1 ORDER BY id LIMIT 2000)",
          .text(AuditRow.idBound(atMs: cutoffMs))
        ).affectedRows
      }
      removed += batch
      if batch < 2000 { return removed }
    }
  }
}
