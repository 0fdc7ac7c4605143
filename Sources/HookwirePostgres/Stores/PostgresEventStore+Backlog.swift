import HookwireDomain
import HookwireStore

/// The delivery backlog as metrics show it.
extension PostgresEventStore {
  /// Deliveries of active webhooks due at `nowMs` on the whole database
  /// (whichever server holds them), counted up to `limit`, and when the
  /// oldest of them fell due: the due index read in order, bounded by
  /// `limit` however large the backlog. Reads only; claims nothing.
  package func dueBacklog(nowMs: Int64, limit: Int) async throws -> (count: Int, oldestDueMs: Int64?) {
    try await database.read { connection in
      try connection.execute("SET LOCAL enable_bitmapscan = off; SET LOCAL enable_seqscan = off")
      let row = try connection.query("""
        SELECT count(*), min(c.next_attempt_at_ms) FROM (
          SELECT d.next_attempt_at_ms FROM deliveries d
          WHERE d.status IN \(SQLCode.list(DeliveryStatus.due)) AND d.next_attempt_at_ms <= $1
            AND EXISTS (
              SELECT 1 FROM webhooks w
              WHERE w.id = d.webhook_id AND w.state = \(SQLCode.of(Webhook.State.active)) AND w.deleted_at_ms IS NULL)
          ORDER BY d.next_attempt_at_ms, d.id LIMIT $2) c
        """, .integer(nowMs), .integer(Int64(limit))
      ).first
      guard let row else { return (0, nil) }
      return (Int(try row.int(0)), try row.optionalInt(1))
    }
  }
}
