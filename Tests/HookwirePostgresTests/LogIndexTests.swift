import HookwireDomain
import HookwirePostgres
import HookwireStore
import HookwireTestSupport
import Testing

/// The indexes that keep the event log's listings bounded by the page they
/// return, not by a webhook's history.
@Suite("PostgreSQL event-log indexes", .enabled(if: PostgresTestServer.isAvailable))
struct LogIndexTests {
  /// A webhook's log filtered by a rare or absent status (the listing's
  /// statement: webhook, status, newest first) reads only that status's
  /// deliveries of the webhook from their index, rather than intersecting
  /// the webhook's whole history with every due delivery. (A common status
  /// may be read newest first from any index, stopping at the page.)
  @Test("a webhook's log filtered by a rare status reads only those deliveries from their index")
  func statusFilteredLogIsReadInOrder() async throws {
    try await withDatabase { database, _ in
      _ = try await database.migrate(PostgresSchema.migrations)
      try await database.write { connection in
        // 4,000 deliveries over 4 webhooks, nearly all succeeded, a few pending.
        try connection.query("""
          INSERT INTO deliveries (id, webhook_id, event_id, event_type, bu_id, status, attempts, created_at_ms,
            last_attempt_at_ms, next_attempt_at_ms, last_http_status, last_error, manual)
          SELECT 'dl_' || g, 'wh_' || (g % 4), 'ev_' || g, 'reward.issued', 1,
            CASE WHEN g % 500 = 0 THEN $1::bigint ELSE $2::bigint END, 1, g, g, g, 200, '', false
          FROM generate_series(1, 4000) g
          """, .integer(DeliveryStatus.pending.rawValue), .integer(DeliveryStatus.succeeded.rawValue))
        try connection.query("ANALYZE deliveries")
      }
      for status in [DeliveryStatus.pending, .retrying] {
        let plan = try await database.read { connection in
          try connection.query("""
            EXPLAIN (COSTS OFF) SELECT d.id FROM deliveries d WHERE d.webhook_id = $1 AND d.status = $2
            ORDER BY d.created_at_ms DESC, d.id DESC LIMIT $3
            """, .text("wh_1"), .integer(status.rawValue), .integer(51)
          ).map { try $0.text(0) }.joined(separator: "\n")
        }
        #expect(plan.contains("deliveries_by_webhook_status"), "\(status): \(plan)")
        #expect(!plan.contains("deliveries_due"), "\(status): \(plan)")
      }
    }
  }
}
