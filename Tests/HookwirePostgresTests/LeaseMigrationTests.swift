import HookwireDomain
import HookwirePostgres
import HookwireStore
import HookwireTestSupport
import Testing

/// Leases taken before they had a table of their own (schema 7, on the
/// delivery rows) hold after the migration that moves them.
@Suite("PostgreSQL lease table migration", .enabled(if: PostgresTestServer.isAvailable))
struct LeaseMigrationTests {
  @Test("a lease on a delivery row before the migration still holds against another node after it, until it lapses")
  func leasesCarryOver() async throws {
    try await withDatabase { database, _ in
      #expect(try await database.migrate(Array(PostgresSchema.migrations.prefix(7))) == 7)
      try await PostgresEventStoreTests.seed(database, webhooks: ["wh_1"])
      try await database.write { connection in
        try connection.query("""
          INSERT INTO events (id, bu_id, programme_id, event_type, payload_json, published_at_ms, idempotency_key, publisher)
          VALUES ('evt_1', 1, NULL, 'reward.issued', '{}', 1000, '', 'rewards'), ('evt_2', 1, NULL, 'reward.issued', '{}', 1000, '', 'rewards')
          """)
        try connection.query("""
          INSERT INTO deliveries (id, webhook_id, event_id, event_type, bu_id, status, attempts, created_at_ms, last_attempt_at_ms,
            next_attempt_at_ms, last_http_status, last_error, manual, leased_until_ms, leased_by)
          VALUES ('dlv_1', 'wh_1', 'evt_1', 'reward.issued', 1, $1, 0, 1000, 0, 1000, 0, '', false, 5000, 'node-a'),
            ('dlv_2', 'wh_1', 'evt_2', 'reward.issued', 1, $1, 0, 1000, 0, 1000, 0, '', false, NULL, NULL)
          """, .integer(DeliveryStatus.pending.rawValue))
      }
      #expect(try await database.migrate(PostgresSchema.migrations) == PostgresSchema.migrations.count)
      let leases = try await database.read { connection in
        try connection.query("SELECT delivery_id, webhook_id, leased_until_ms, leased_by FROM delivery_leases").map { row in
          "\(try row.text(0)) \(try row.text(1)) \(try row.int(2)) \(try row.text(3))"
        }
      }
      #expect(leases == ["dlv_1 wh_1 5000 node-a"])
      func store(_ node: String) -> PostgresEventStore {
        PostgresEventStore(database: database, leases: DeliveryLeases(node: node, duration: .seconds(30), perWebhookLimit: 1_000))
      }
      #expect(try await store("node-b").dueDeliveries(nowMs: 4_999, limit: 10, excluding: []).map(\.delivery.id) == ["dlv_2"])
      #expect(try await store("node-a").dueDeliveries(nowMs: 4_999, limit: 10, excluding: []).map(\.delivery.id) == ["dlv_1"])
      #expect(try await store("node-b").dueDeliveries(nowMs: 40_000, limit: 10, excluding: ["dlv_2"]).map(\.delivery.id) == ["dlv_1"])
    }
  }
}
