import HookwireDomain
import HookwireStore
import Synchronization

/// Attempts logged in batches: every `record` waiting for a writer joins one
/// write (`PostgresBatchQueue`), which logs them all with one statement, so
/// the cost in round trips is per batch, not per attempt.
///
/// A batch stores exactly what its records, made one after another in the
/// order they came, would have stored, and each caller gets the answer its
/// own record would have had:
/// - Each attempt replaces the entry of its number; its delivery takes the
///   report (a delivery cancelled or held meanwhile keeps that status,
///   unless the attempt succeeded), and only this server's own lease on it
///   is cleared: one a server took over after it lapsed covers that
///   server's attempt.
/// - Each attempt is announced (`PostgresChanges`) in the same transaction.
/// - A webhook's failing streak (`webhook_failures`) ends at a success and
///   starts at the first failure after it; a caller whose attempt failed
///   hears since when its webhook has been failing, as of its attempt.
///
/// Records of one delivery in one batch (a report repeated) are written in
/// runs in which each delivery appears once. A batch whose statement fails
/// for any reason but a lost connection or a conflict worth retrying is
/// undone and its records made one by one, each in a savepoint of its own,
/// so a bad record fails alone, as it would have without batching.
extension PostgresEventStore {
  /// One call of `record`, waiting in the batch queue.
  struct RecordRequest: Sendable {
    let attempt: DeliveryAttempt
    let status: DeliveryStatus
    let nextAttemptAtMs: Int64
  }

  package func record(_ attempt: DeliveryAttempt, status: DeliveryStatus, nextAttemptAtMs: Int64) async throws -> Int64? {
    switch await records.enqueue(RecordRequest(attempt: attempt, status: status, nextAttemptAtMs: nextAttemptAtMs)) {
    case .done(let result): return try result.get()
    case .lead: return try await writeRecords().get()
    }
  }

  /// Leads one batch: takes what waits when the write starts, writes it,
  /// and hands every caller its result after the COMMIT.
  private func writeRecords() async -> Result<Int64?, any Error> {
    let node = leases.node
    let queue = records
    // Taken once: a write run again (after a deadlock) writes the same batch.
    let taken = TakenRecords()
    do {
      let results = try await database.write { connection in
        let entries = taken.entries(or: queue.take)
        return try Self.writeBatch(entries.map(\.request), node: node, connection)
      }
      return queue.finish(taken.entries(or: queue.take), with: .success(results))
    } catch {
      // The body may never have run (no connection): then the requests are taken here, to fail them.
      return queue.finish(taken.entries(or: queue.take), with: .failure(error))
    }
  }

  /// Writes `requests` in the open transaction; one result per request.
  static func writeBatch(
    _ requests: [RecordRequest], node: String, _ connection: PostgresConnection
  ) throws -> [Result<Int64?, any Error>] {
    do {
      var results: [Result<Int64?, any Error>] = []
      for run in runs(of: requests) { results += try writeRun(run, node: node, connection).map { .success($0) } }
      return results
    } catch let error as StoreError where requests.count > 1 && connection.isConnected && error.code != .retryable {
      // `PostgresDatabase.write` ran this inside the savepoint `job`.
      try connection.execute("ROLLBACK TO SAVEPOINT job")
      return requests.map { request in
        Result { try connection.savepoint { try writeRun([request], node: node, connection)[0] } }
      }
    }
  }

  /// `requests` cut, in order, into runs in which no delivery appears twice.
  static func runs(of requests: [RecordRequest]) -> [[RecordRequest]] {
    var runs: [[RecordRequest]] = []
    var current: [RecordRequest] = []
    var seen: Set<String> = []
    for request in requests {
      if !seen.insert(request.attempt.deliveryID).inserted {
        runs.append(current)
        current = []
        seen = [request.attempt.deliveryID]
      }
      current.append(request)
    }
    if !current.isEmpty { runs.append(current) }
    return runs
  }

  /// Writes one run (each delivery once); returns each record's answer.
  private static func writeRun(_ run: [RecordRequest], node: String, _ connection: PostgresConnection) throws -> [Int64?] {
    let streaks = FailingStreaks(run.map { ($0.attempt.webhookID, $0.attempt.attemptedAtMs, $0.attempt.succeeded) })
    // Where a webhook failed before a success in this run, its earlier
    // streak is read first (the answers to those failures depend on it).
    var stored: [String: Int64] = [:]
    if !streaks.readBefore.isEmpty {
      for row in try connection.query(
        "SELECT webhook_id, failing_since_ms FROM webhook_failures WHERE webhook_id = ANY($1::text[])", textArray(streaks.readBefore))
      {
        stored[try row.text(0)] = try row.int(1)
      }
    }
    let attempts = run.map(\.attempt)
    try connection.query(
      batchSQL,
      textArray(attempts.map(\.deliveryID)), integerArray(attempts.map { Int64($0.number) }),
      integerArray(attempts.map(\.trigger.rawValue)), integerArray(attempts.map(\.attemptedAtMs)),
      integerArray(attempts.map { Int64($0.httpStatus) }), integerArray(attempts.map { Int64($0.latencyMs) }),
      textArray(attempts.map { storable($0.responseExcerpt) }), textArray(attempts.map { storable($0.error) }),
      .text("{" + attempts.map { $0.succeeded ? "t" : "f" }.joined(separator: ",") + "}"),
      integerArray(run.map(\.status.rawValue)), integerArray(run.map(\.nextAttemptAtMs)),
      .text(node), textArray(attempts.map { PostgresChanges.attemptPayload(node: node, deliveryID: $0.deliveryID, number: $0.number) }),
      textArray(streaks.ended), textArray(streaks.restarted.map(\.webhookID)), integerArray(streaks.restarted.map(\.sinceMs)),
      textArray(streaks.started.map(\.webhookID)), integerArray(streaks.started.map(\.sinceMs)), .text(PostgresChanges.channel))
    if !streaks.started.isEmpty {
      // A statement of its own: its snapshot sees a row another server's
      // insert committed while the batch waited on it.
      for row in try connection.query(
        "SELECT webhook_id, failing_since_ms FROM webhook_failures WHERE webhook_id = ANY($1::text[])",
        textArray(streaks.started.map(\.webhookID)))
      {
        stored[try row.text(0)] = try row.int(1)
      }
    }
    return streaks.answers(stored: stored)
  }

  /// The batch's one statement. $1–$11 the records' columns (delivery,
  /// number, trigger, start, HTTP status, latency, excerpt, error,
  /// succeeded, new status, next due), $12 this node, $13 each record's
  /// announcement, $14 webhooks whose streak ends, $15/$16 webhooks whose
  /// streak starts again (after a success in the batch) and since when,
  /// $17/$18 webhooks whose streak starts unless one is under way, $19 the
  /// channel.
  ///
  /// The announcements are sent for what `updated` returns, one per
  /// delivery it updated; data-modifying CTEs always run, and each touches
  /// its own rows (a webhook is in one of $14, $15 and $17 at most).
  /// `released` deletes this server's leases of the deliveries `updated`
  /// wrote, reading their ids from it, so each delivery's row is locked
  /// before its lease, the order in which a claim takes them.
  static let batchSQL = """
    WITH input AS (
      SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::text[],
        $8::text[], $9::boolean[], $10::bigint[], $11::bigint[], $13::text[])
        AS u(delivery_id, attempt_number, trigger, attempted_at_ms, http_status, latency_ms, response_excerpt, error, succeeded,
          status, next_attempt_at_ms, notice)
    ), logged AS (
      INSERT INTO attempts (delivery_id, attempt_number, trigger, attempted_at_ms, http_status, latency_ms, response_excerpt, error,
        succeeded)
      SELECT delivery_id, attempt_number, trigger, attempted_at_ms, http_status, latency_ms, response_excerpt, error, succeeded FROM input
      ON CONFLICT (delivery_id, attempt_number) DO UPDATE SET trigger = excluded.trigger,
        attempted_at_ms = excluded.attempted_at_ms, http_status = excluded.http_status, latency_ms = excluded.latency_ms,
        response_excerpt = excluded.response_excerpt, error = excluded.error, succeeded = excluded.succeeded
    ), ended AS (
      DELETE FROM webhook_failures WHERE webhook_id = ANY($14::text[])
    ), restarted AS (
      INSERT INTO webhook_failures (webhook_id, failing_since_ms) SELECT * FROM unnest($15::text[], $16::bigint[])
      ON CONFLICT (webhook_id) DO UPDATE SET failing_since_ms = excluded.failing_since_ms
    ), started AS (
      INSERT INTO webhook_failures (webhook_id, failing_since_ms) SELECT * FROM unnest($17::text[], $18::bigint[])
      ON CONFLICT (webhook_id) DO NOTHING
    ), updated AS (
      UPDATE deliveries d SET attempts = u.attempt_number, last_attempt_at_ms = u.attempted_at_ms, last_http_status = u.http_status,
        last_error = u.error, manual = false,
        status = CASE WHEN d.status IN \(SQLCode.list([.held, .cancelled])) AND u.status <> \(SQLCode.of(.succeeded)) THEN d.status
          ELSE u.status END,
        next_attempt_at_ms = u.next_attempt_at_ms
      FROM input u WHERE d.id = u.delivery_id
      RETURNING d.id, u.notice
    ), released AS (
      DELETE FROM delivery_leases l USING updated p WHERE l.delivery_id = p.id AND l.leased_by = $12::text
    )
    SELECT pg_notify($19::text, p.notice) FROM updated p
    """
}

/// The entries a batched write took, kept so a write run again takes the same ones.
private final class TakenRecords: Sendable {
  private let taken = Mutex<[PostgresBatchQueue<PostgresEventStore.RecordRequest, Int64?>.Entry]?>(nil)

  /// The entries taken before, or those `take` takes now.
  func entries(
    or take: () -> [PostgresBatchQueue<PostgresEventStore.RecordRequest, Int64?>.Entry]
  ) -> [PostgresBatchQueue<PostgresEventStore.RecordRequest, Int64?>.Entry] {
    taken.withLock { taken in
      if let taken { return taken }
      let entries = take()
      taken = entries
      return entries
    }
  }
}
