import HookwireDomain

/// The delivery backlog as metrics show it.
extension SQLiteEventStore {
  /// Deliveries of active webhooks due at `nowMs`, counted up to `limit`,
  /// and when the oldest of them fell due: one read of the due index,
  /// bounded by `limit` however large the backlog.
  package func dueBacklog(nowMs: Int64, limit: Int) async throws -> (count: Int, oldestDueMs: Int64?) {
    try await database.read { db in
      let row = try db.prepare("""
        SELECT count(*), min(next_attempt_at_ms) FROM (
          SELECT d.next_attempt_at_ms FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id
          WHERE d.status IN \(SQLCode.list(DeliveryStatus.due)) AND d.next_attempt_at_ms <= ?
            AND w.state = \(SQLCode.of(Webhook.State.active)) AND w.deleted_at_ms IS NULL
          ORDER BY d.next_attempt_at_ms LIMIT ?)
        """).bind(.integer(nowMs), .integer(Int64(limit)))
      guard try row.step() else { return (0, nil) }
      return (Int(row.int(0)), row.isNull(1) ? nil : row.int(1))
    }
  }
}
