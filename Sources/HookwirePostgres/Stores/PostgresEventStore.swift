import HookwireDomain
import HookwireStore

/// How servers sharing one database share its due deliveries.
package struct DeliveryLeases: Sendable, Equatable {
  /// This server's name on its leases (`delivery_leases.leased_by`); unique among the servers on the database.
  package var node: String
  /// How long a claim holds a delivery before another server may take it.
  package var duration: Duration
  /// Attempts in flight at once to one webhook, across every server.
  package var perWebhookLimit: Int

  /// Leases with every field given.
  package init(node: String, duration: Duration, perWebhookLimit: Int) {
    self.node = node
    self.duration = duration
    self.perWebhookLimit = perWebhookLimit
  }

  /// The lease's length in milliseconds (at least 1).
  var durationMs: Int64 {
    let (seconds, attoseconds) = duration.components
    return max(1, seconds * 1_000 + attoseconds / 1_000_000_000_000_000)
  }
}

/// Events, deliveries and attempts in PostgreSQL (`PostgresSchema`),
/// following the `EventStore` rules as `SQLiteEventStore` does; due
/// deliveries are leased to one server at a time (`DeliveryLeases`).
///
/// Several servers share the database, so besides SQLite's rules:
/// - `dueDeliveries` claims what it returns (`PostgresEventStore+Claims.swift`):
///   a delivery leased to one server is returned to no other until the
///   lease lapses or its attempt is recorded, and the per-webhook limit
///   holds across servers.
/// - `publish` is idempotent across servers: the same event id or key
///   published by two at once stores one event and one set of deliveries.
/// - `record` announces the attempt (`PostgresChanges`) so other servers'
///   live tails see it (`loggedAttempt`).
/// - Holding, releasing, cancelling, redelivering and recovering leave
///   leases alone: a delivery leased to a server is attempted by that
///   server (at its next claim, within a second while it runs) or, if it
///   has gone, by another once the lease lapses; never by two at once.
package final class PostgresEventStore: EventStore {
  let database: PostgresDatabase
  let leases: DeliveryLeases
  /// Records waiting to be written together (`PostgresEventStore+Record.swift`).
  let records = PostgresBatchQueue<RecordRequest, Int64?>(limit: PostgresWorker.groupLimit)

  /// A store over `database`, which must be migrated to `PostgresSchema.migrations`.
  package init(database: PostgresDatabase, leases: DeliveryLeases) {
    self.database = database
    self.leases = leases
  }

  /// The `PostgresChanges` payload announcing attempt `number` of a delivery, logged by `node`.
  package static func attemptNotice(node: String, deliveryID: String, number: Int) -> String {
    "attempt:\(node) \(deliveryID) \(number)"
  }

  /// What an attempt announcement names; nil for any other payload.
  package static func attemptNotice(_ payload: String) -> (node: String, deliveryID: String, number: Int)? {
    guard payload.hasPrefix("attempt:") else { return nil }
    let parts = payload.dropFirst("attempt:".count).split(separator: " ")
    guard parts.count == 3, let number = Int(parts[2]) else { return nil }
    return (String(parts[0]), String(parts[1]), number)
  }

  /// Text as PostgreSQL can store it: a response may hold NUL characters,
  /// which `text` cannot, so each becomes U+FFFD.
  static func storable(_ text: String) -> String {
    text.utf8.contains(0) ? String(text.unicodeScalars.map { $0 == "\u{0}" ? "\u{FFFD}" : Character($0) }) : text
  }

  package func prune(before cutoffMs: Int64) async throws -> Int {
    var removed = 0
    // In batches, so no transaction holds many rows for long.
    while true {
      let batch = try await database.write { connection -> Int in
        let deleted = try connection.query("""
          WITH doomed AS (
            SELECT id FROM deliveries WHERE created_at_ms < $1 AND status IN \(SQLCode.list(DeliveryStatus.finished)) LIMIT 2000),
          gone AS (DELETE FROM attempts WHERE delivery_id IN (SELECT id FROM doomed))
          DELETE FROM deliveries WHERE id IN (SELECT id FROM doomed)
          """, .integer(cutoffMs)).affectedRows
        // Leases left on the deliveries just removed (a server that went
        // before recording them), after their rows: the order records take.
        try connection.query(
          "DELETE FROM delivery_leases l WHERE NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.id = l.delivery_id)")
        try connection.query("""
          DELETE FROM events WHERE id IN (SELECT e.id FROM events e WHERE e.published_at_ms < $1
            AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id) LIMIT 2000)
          """, .integer(cutoffMs))
        return deleted
      }
      removed += batch
      if batch < 2000 { return removed }
    }
  }

  package func setOpenDeliveries(ofWebhook webhookID: String, to status: DeliveryStatus, nowMs: Int64) async throws -> Int {
    try await database.write { connection in
      switch status {
      case .held:
        try connection.query(
          "UPDATE deliveries SET status = \(SQLCode.of(.held)) WHERE webhook_id = $1 AND status IN \(SQLCode.list(DeliveryStatus.due))",
          .text(webhookID)
        ).affectedRows
      case .pending:
        try connection.query(
          "UPDATE deliveries SET status = \(SQLCode.of(.pending)), next_attempt_at_ms = $1 WHERE webhook_id = $2 AND status = \(SQLCode.of(.held))",
          .integer(nowMs), .text(webhookID)
        ).affectedRows
      default:
        try connection.query(
          "UPDATE deliveries SET status = $1 WHERE webhook_id = $2 AND status IN \(SQLCode.list(DeliveryStatus.open))",
          .integer(status.rawValue), .text(webhookID)
        ).affectedRows
      }
    }
  }
}
