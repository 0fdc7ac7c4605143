import HookwireDomain

/// The audit trail on SQLite. The other SQLite stores write each change's
/// event with `record(_:in:)` inside the change's own write, so the event
/// commits, or rolls back, with the change.
package final class SQLiteAuditStore: AuditStore {
  let database: Database

  /// A store on `database` (migrated with `DatabaseMigrations.migrations`).
  package init(database: Database) { self.database = database }

  /// Writes `event` (its id assigned) in the transaction `db` is in.
  static func record(_ event: AuditEvent, in db: SQLiteConnection) throws {
    let values: [SQLValue] = AuditRow.values(AuditRow.identified(event))
    let placeholders = Array(repeating: "?", count: values.count).joined(separator: ", ")
    try db.prepare("INSERT INTO audit_events (\(AuditRow.columns)) VALUES (\(placeholders))").bind(values).run()
  }

  package func events(matching filter: AuditFilter, pageSize: Int, pageToken: String) async throws -> Page<AuditEvent> {
    let size = try Paging.size(pageSize)
    let after = try Paging.value(fromToken: pageToken)
    let (sql, values): (String, [SQLValue]) = AuditRow.listQuery(filter, after: after, limit: size + 1) { "?\($0)" }
    return try await database.read { db in
      let rows = try db.prepare(sql).bind(values)
      var read: [(id: String, event: AuditEvent?)] = []
      while try rows.step() { read.append((rows.text(0), try AuditRow.event(rows))) }
      return AuditRow.page(read, size: size)
    }
  }

  package func prune(before cutoffMs: Int64) async throws -> Int {
    var removed = 0
    // In batches, so the writer is never held for long.
    while true {
      let batch = try await database.write { db -> Int in
        // Ids begin with their time: the oldest are the first of the primary key.
        try db.prepare("DELETE FROM audit_events WHERE id IN (SELECT id FROM audit_events WHERE id < ? ORDER BY id LIMIT 2000)")
          .bind(.text(AuditRow.idBound(atMs: cutoffMs))).run()
        return db.changes
      }
      removed += batch
      if batch < 2000 { return removed }
    }
  }
}
