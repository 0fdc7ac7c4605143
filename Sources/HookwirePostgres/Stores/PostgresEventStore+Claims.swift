import HookwireDomain
import HookwireStore

/// Due deliveries, claimed: what `dueDeliveries` returns is leased to this
/// server (`DeliveryLeases`), so servers sharing the database never attempt
/// one delivery at once, and the per-webhook limit holds across them.
///
/// Leases live in `delivery_leases`, one narrow row per leased delivery
/// (its webhook, holder and end), apart from the wide delivery row and its
/// indexes: a claim inserts small rows, and recording an attempt deletes
/// its server's lease. A lapsed row counts as no lease.
///
/// A claim is one transaction of its own on a writer's connection:
/// 1. `pg_advisory_xact_lock(claimLock)`: claims run one at a time across
///    servers, so each sees every lease the one before it committed (the
///    lock is its own statement, sent with BEGIN and the settings in one
///    round trip: under READ COMMITTED the next statement's snapshot is
///    taken after the lock was granted, after that COMMIT).
/// 2. The claim (`claimSQL`): due deliveries of active webhooks, not in
///    `excluding`, without a live lease of another server, oldest first,
///    per webhook no more than the limit less the live leases other
///    servers hold there and this server's attempts in flight
///    (`excluding`); locked `FOR UPDATE SKIP LOCKED` and leased (a lease
///    row inserted, or the lapsed or own one there taken over).
/// 3. In the same statement, this server's other leases: those in
///    `excluding` (in flight here) are renewed once half their time has
///    passed, the rest (no longer in the caller's hands) released.
///
/// Every statement walks an index bounded by the work in hand, never the
/// backlog: candidates come oldest first from `deliveries_due`
/// (`next_attempt_at_ms, id`), stopping at the pool's size, each looked up
/// in `delivery_leases` by its key, and the other servers' leases come from
/// `delivery_leases_by_holder` as the names below and above this server's,
/// never reading this server's own.
///
/// A server that stops between the claim's statements (frozen, paused,
/// descheduled) would hold the advisory lock, and so every server's claims,
/// for as long as it stays stopped: its session is idle in the transaction,
/// which PostgreSQL ends after `claimIdleLimitMs` (the lease, at most 5 s),
/// rolling the claim back and letting the others claim again.
///
/// The claim never waits on a row lock while it holds the advisory lock
/// (every delivery it leases and every lease it renews or releases is
/// taken with SKIP LOCKED; a lease row is locked elsewhere only by a
/// record, which locks the delivery's row first), and no other
/// transaction takes the advisory lock, so claims cannot deadlock. It is
/// not part of a write group, so the lock is held only for the claim's own
/// statements, not for other writes and a group's COMMIT.
///
/// A lease is read from the statement's snapshot, not checked again on
/// the row as committed: every lease is written by a claim, and claims
/// run one at a time, so the snapshot, taken after the lock was granted,
/// holds every lease but those a record deleted since; such a record also
/// changed the delivery's row, which is checked again.
///
/// Calling it again on one server returns the same deliveries (its own
/// leases), as a store without leases would. Lease times are on the
/// callers' clocks (`nowMs`): servers' clocks should agree to well within
/// a lease.
extension PostgresEventStore {
  /// The advisory lock every claim takes ("hwclaims" in ASCII): its own,
  /// not the migrations' (`PostgresDatabase.migrationLockKey`), so a
  /// server migrating at start and the others' claims never wait on each other.
  package static let claimLock: Int64 = 0x6877_636C_6169_6D73

  /// How long a claim's session may sit idle inside its transaction (in
  /// milliseconds) before PostgreSQL ends it: the lease, at most 5 s.
  static func claimIdleLimitMs(_ leases: DeliveryLeases) -> Int64 { max(1, min(leases.durationMs, 5_000)) }

  package func dueDeliveries(nowMs: Int64, limit: Int, excluding: Set<String>) async throws -> [DueDelivery] {
    guard limit > 0 else { return [] }
    let leases = leases
    let excluded = Self.textArray(excluding.sorted())
    // Candidates to rank per webhook: the oldest `limit` claimable ones
    // (a webhook at its limit leaves the claim short until it drains, as
    // the engine's own buffer does).
    let pool = Int64(min(limit, 1 << 20))
    return try await database.withConnection { connection in
      try Self.inClaimTransaction(connection, leases: leases) {
        let rows = try connection.query(
          Self.claimSQL, .integer(nowMs), .text(leases.node), excluded, .integer(Int64(leases.perWebhookLimit)), .integer(pool),
          .integer(Int64(limit)), .integer(nowMs + leases.durationMs), .integer(nowMs + leases.durationMs / 2))
        let due = try rows.map { row in
          DueDelivery(
            delivery: try Self.decodeDelivery(row), payloadURL: try row.text(12), payloadJSON: try row.text(13),
            publishedAtMs: try row.int(14), encryptedSecret: try row.bytes(15), manual: try row.bool(16))
        }.sorted { ($0.delivery.nextAttemptAtMs, $0.delivery.id) < ($1.delivery.nextAttemptAtMs, $1.delivery.id) }
        return due
      }
    }
  }

  /// Runs `body` in a claim's transaction on `connection`, opened in one
  /// round trip with the claim's settings and the advisory lock (each
  /// statement of a multi-statement query has a snapshot of its own, so the
  /// claim's statements still see every lease committed before the lock was
  /// granted). COMMIT when `body` returns, ROLLBACK when it throws.
  ///
  /// - The due index read in order is the plan whatever the statistics
  ///   say: a backlog that grew since the last ANALYZE looks tiny to the
  ///   planner, which would then bitmap-scan and sort all of it.
  /// - The COMMIT does not wait for the WAL flush (`synchronous_commit =
  ///   off` for this transaction alone): a claim writes nothing but
  ///   leases, which are visible to the other servers at COMMIT all the
  ///   same. A database crash can lose at most the last fraction of a
  ///   second of leases, and a lost lease can only make another server
  ///   attempt a delivery again, which at-least-once delivery allows; the
  ///   next durable COMMIT (a record, a publish) flushes it anyway.
  ///   Everything else keeps waiting for the flush.
  static func inClaimTransaction<T>(_ connection: PostgresConnection, leases: DeliveryLeases, _ body: () throws -> T) throws -> T {
    try connection.execute(
      "BEGIN ISOLATION LEVEL READ COMMITTED; SET LOCAL synchronous_commit = off; SET LOCAL enable_bitmapscan = off; "
        + "SET LOCAL enable_seqscan = off; SET LOCAL idle_in_transaction_session_timeout = \(claimIdleLimitMs(leases)); "
        + "SELECT pg_advisory_xact_lock(\(claimLock))")
    do {
      let result = try body()
      try connection.commit()
      return result
    } catch {
      if connection.inTransaction { try? connection.execute("ROLLBACK") }
      throw error
    }
  }

  /// Steps 2 and 3 of a claim, one statement. $1 now, $2 this node, $3
  /// excluding (`text[]`), $4 the per-webhook limit, $5 the candidate
  /// pool's size, $6 the limit, $7 the new lease's end, $8 the time before
  /// which a lease in flight is renewed (half a lease from now).
  ///
  /// `candidates` reads the oldest claimable deliveries from the due index,
  /// once (materialized: otherwise the planner may join it to the
  /// webhooks as the inner side of a nested loop, reading the index again
  /// for every active webhook), `pool` keeps those of active webhooks,
  /// `ranked` numbers each
  /// webhook's from its oldest, and `chosen` keeps those within the
  /// webhook's room (`held` counts what is in flight there elsewhere or
  /// here), oldest first, up to the limit. `locked` locks them with what
  /// an attempt needs, skipping rows another transaction holds (a record,
  /// a hold, a redelivery under way: claimed at a later call instead of
  /// waited on), and repeats the conditions so PostgreSQL checks them again
  /// on the row as committed (a delivery recorded since `candidates` read
  /// it is not claimed); `leased` writes their leases. Skipping only ever
  /// claims fewer, so the per-webhook room is never exceeded. `held` reads
  /// other servers' leases as two ranges of the holder index: with one
  /// server, nothing.
  ///
  /// `mine` locks this server's other leases (not those just claimed,
  /// which `leased` writes: no row is written twice), skipping any a
  /// record is deleting; `released` deletes those no longer in the
  /// caller's hands, and `renewed` extends those in flight once half
  /// their time has passed, so an attempt's lease is written about once a
  /// half-lease rather than at every claim.
  static let claimSQL = """
    WITH held AS (
      SELECT h.webhook_id, count(*) AS n FROM (
        SELECT l.webhook_id FROM delivery_leases l WHERE l.leased_by < $2::text AND l.leased_until_ms > $1
        UNION ALL
        SELECT l.webhook_id FROM delivery_leases l WHERE l.leased_by > $2::text AND l.leased_until_ms > $1
        UNION ALL
        SELECT d.webhook_id FROM deliveries d WHERE d.id = ANY($3::text[])
      ) h GROUP BY h.webhook_id
    ), candidates AS MATERIALIZED (
      SELECT d.id, d.webhook_id, d.next_attempt_at_ms FROM deliveries d
      WHERE d.status IN \(SQLCode.list(DeliveryStatus.due)) AND d.next_attempt_at_ms <= $1 AND d.id <> ALL($3::text[])
        AND NOT EXISTS (
          SELECT 1 FROM delivery_leases l WHERE l.delivery_id = d.id AND l.leased_until_ms > $1 AND l.leased_by <> $2::text)
      ORDER BY d.next_attempt_at_ms, d.id LIMIT $5
    ), pool AS (
      SELECT c.id, c.webhook_id, c.next_attempt_at_ms FROM candidates c
      WHERE EXISTS (
        SELECT 1 FROM webhooks w
        WHERE w.id = c.webhook_id AND w.state = \(SQLCode.of(Webhook.State.active)) AND w.deleted_at_ms IS NULL)
    ), ranked AS (
      SELECT p.id, p.webhook_id, p.next_attempt_at_ms,
        row_number() OVER (PARTITION BY p.webhook_id ORDER BY p.next_attempt_at_ms, p.id) AS rank
      FROM pool p
    ), chosen AS (
      SELECT r.id FROM ranked r LEFT JOIN held h ON h.webhook_id = r.webhook_id
      WHERE r.rank <= $4 - coalesce(h.n, 0)
      ORDER BY r.next_attempt_at_ms, r.id LIMIT $6
    ), locked AS (
      SELECT \(SQLiteEventStore.deliveryColumns), w.payload_url, e.payload_json, e.published_at_ms, w.secret, d.manual
      FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN events e ON e.id = d.event_id
      WHERE d.id IN (SELECT id FROM chosen) AND d.status IN \(SQLCode.list(DeliveryStatus.due)) AND d.next_attempt_at_ms <= $1
      FOR UPDATE OF d SKIP LOCKED
    ), leased AS (
      INSERT INTO delivery_leases (delivery_id, webhook_id, leased_until_ms, leased_by)
      SELECT l.id, l.webhook_id, $7, $2::text FROM locked l
      ON CONFLICT (delivery_id) DO UPDATE SET leased_until_ms = excluded.leased_until_ms, leased_by = excluded.leased_by
    ), mine AS (
      SELECT l.delivery_id, l.leased_until_ms FROM delivery_leases l
      WHERE l.leased_by = $2::text AND l.delivery_id NOT IN (SELECT id FROM locked) FOR UPDATE SKIP LOCKED
    ), released AS (
      DELETE FROM delivery_leases l USING mine m WHERE l.delivery_id = m.delivery_id AND m.delivery_id <> ALL($3::text[])
    ), renewed AS (
      UPDATE delivery_leases l SET leased_until_ms = $7 FROM mine m
      WHERE l.delivery_id = m.delivery_id AND m.delivery_id = ANY($3::text[]) AND m.leased_until_ms < $8
    )
    SELECT * FROM locked
    """

  /// True when another server holds a live lease on delivery `d` (`$1` this server).
  static let othersLease = """
    SELECT 1 FROM delivery_leases l WHERE l.delivery_id = d.id AND l.leased_by <> $1::text
    """

  package func nextDueMs() async throws -> Int64? {
    let node = leases.node
    return try await database.read { connection in
      // Another server's lease keeps its delivery from being due here
      // until the lease ends: when that server has gone, this one wakes
      // then and takes it over.
      // The due index in order, as in a claim (see there): stale statistics must not make this a scan of the backlog.
      // The oldest 256 are looked at first; only when none of them is an
      // active webhook's is the whole backlog searched. Other servers'
      // leases are read from their index, the 1,024 ending first of those
      // below this server's name and of those above it (a wake-up hint: the
      // engine also looks for work every second).
      try connection.execute("SET LOCAL enable_bitmapscan = off; SET LOCAL enable_seqscan = off")
      return try connection.query("""
        SELECT least(
          coalesce(
            (SELECT min(c.next_attempt_at_ms) FROM (
               SELECT d.next_attempt_at_ms, d.webhook_id FROM deliveries d
               WHERE d.status IN \(SQLCode.list(DeliveryStatus.due)) AND NOT EXISTS (\(Self.othersLease))
               ORDER BY d.next_attempt_at_ms, d.id LIMIT 256 OFFSET 0) c
             WHERE EXISTS (
               SELECT 1 FROM webhooks w
               WHERE w.id = c.webhook_id AND w.state = \(SQLCode.of(Webhook.State.active)) AND w.deleted_at_ms IS NULL)),
            (SELECT d.next_attempt_at_ms FROM deliveries d
             WHERE d.status IN \(SQLCode.list(DeliveryStatus.due)) AND NOT EXISTS (\(Self.othersLease))
               AND EXISTS (
                 SELECT 1 FROM webhooks w
                 WHERE w.id = d.webhook_id AND w.state = \(SQLCode.of(Webhook.State.active)) AND w.deleted_at_ms IS NULL)
             ORDER BY d.next_attempt_at_ms, d.id LIMIT 1)),
          (SELECT min(greatest(d.next_attempt_at_ms, l.leased_until_ms)) FROM (
             (SELECT l.delivery_id, l.leased_until_ms FROM delivery_leases l WHERE l.leased_by < $1::text
              ORDER BY l.leased_until_ms LIMIT 1024)
             UNION ALL
             (SELECT l.delivery_id, l.leased_until_ms FROM delivery_leases l WHERE l.leased_by > $1::text
              ORDER BY l.leased_until_ms LIMIT 1024)) l
           JOIN deliveries d ON d.id = l.delivery_id
           WHERE d.status IN \(SQLCode.list(DeliveryStatus.due)) AND EXISTS (
             SELECT 1 FROM webhooks w
             WHERE w.id = d.webhook_id AND w.state = \(SQLCode.of(Webhook.State.active)) AND w.deleted_at_ms IS NULL)))
        """, .text(node)
      ).first?.optionalInt(0)
    }
  }
}
