import HookwireDomain
@testable import HookwirePostgres
import HookwireStore
import HookwireTestSupport
import Testing

/// Attempts logged in batches store what the same records made one by one
/// store, and answer each caller as it would have been answered alone.
@Suite("PostgreSQL batched records")
struct RecordBatchTests {
  @Test(
    "failing streaks: a success ends one, a failure starts one unless one is under way",
    arguments: [
      // (records: webhook, at, succeeded), stored, ended, restarted, started, readBefore, answers
      ([("w1", 1, true)], [:], ["w1"], [], [], [], [nil]),
      ([("w1", 1, false), ("w1", 2, false)], ["w1": 1], [], [], [("w1", 1)], [], [1, 1]),
      ([("w1", 1, false), ("w1", 2, false)], ["w1": -5], [], [], [("w1", 1)], [], [-5, -5]),
      ([("w1", 1, false), ("w1", 2, true), ("w1", 3, false), ("w1", 4, false)], ["w1": -5], [], [("w1", 3)], [], ["w1"],
       [-5, nil, 3, 3]),
      ([("w2", 1, true), ("w1", 2, false), ("w2", 3, false), ("w1", 4, true)], [:], ["w1"], [("w2", 3)], [], ["w1"], [nil, 2, 3, nil]),
    ] as [([(String, Int64, Bool)], [String: Int64], [String], [(String, Int64)], [(String, Int64)], [String], [Int64?])])
  func failingStreaks(
    records: [(String, Int64, Bool)], stored: [String: Int64], ended: [String], restarted: [(String, Int64)], started: [(String, Int64)],
    readBefore: [String], answers: [Int64?]
  ) {
    let streaks = FailingStreaks(records.map { (webhookID: $0.0, atMs: $0.1, succeeded: $0.2) })
    #expect(streaks.ended == ended)
    #expect(streaks.restarted == restarted.map { FailingStreaks.Start(webhookID: $0.0, sinceMs: $0.1) })
    #expect(streaks.started == started.map { FailingStreaks.Start(webhookID: $0.0, sinceMs: $0.1) })
    #expect(streaks.readBefore == readBefore)
    #expect(streaks.answers(stored: stored) == answers)
  }

  @Test("a caller arriving while a write is scheduled joins it and gets its own result; past the limit, the next write is led anew")
  func callersJoinTheScheduledWrite() async throws {
    let queue = PostgresBatchQueue<Int, Int>(limit: 2)
    guard case .lead = await queue.enqueue(1) else {
      Issue.record("the first caller must lead")
      return
    }
    let followers = Task {
      await withTaskGroup(of: (Int, String).self) { group in
        for request in [2, 3] {
          group.addTask {
            switch await queue.enqueue(request) {
            case .lead: return (request, "lead")
            case .done(let result): return (request, (try? result.get()).map { "got \($0)" } ?? "failed")
            }
          }
        }
        var outcomes: [Int: String] = [:]
        for await (request, outcome) in group { outcomes[request] = outcome }
        return outcomes
      }
    }
    // Bounded wait for both followers to queue, on the queue's own count.
    let deadline = ContinuousClock.now + .seconds(5)
    while queue.waitingCount < 3 && ContinuousClock.now < deadline { await Task.yield() }
    #expect(queue.waitingCount == 3)
    let taken = queue.take()
    #expect(taken.map(\.request) == [1, 2], "the leader's own first, up to the limit")
    #expect(try queue.finish(taken, with: .success(taken.map { .success($0.request * 10) })).get() == 10)
    // Request 3 did not fit: it leads the next write, alone.
    #expect(await followers.value == [2: "got 20", 3: "lead"])
    #expect(queue.take().map(\.request) == [3])
    #expect(queue.waitingCount == 0)
  }

  @Test(
    "a batch of mixed outcomes stores, announces and answers exactly what the same records made one by one do",
    .enabled(if: PostgresTestServer.isAvailable))
  func batchEqualsSingles() async throws {
    let single = try await Self.scenario(batched: false)
    let batched = try await Self.scenario(batched: true)
    #expect(batched == single)
    #expect(single.answers == [1_000, nil, 1_200, 500, 500, nil, 500, nil])
  }

  @Test("a record the database refuses fails alone: the others of its batch are stored", .enabled(if: PostgresTestServer.isAvailable))
  func refusedRecordFailsAlone() async throws {
    try await PostgresEventStoreTests.withNodes { nodes in
      try await nodes.database.write { connection in
        try connection.execute("""
          CREATE FUNCTION refuse_poison() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN IF NEW.error = 'poison' THEN RAISE EXCEPTION 'poisoned attempt'; END IF; RETURN NEW; END $$;
          CREATE TRIGGER refuse_poison BEFORE INSERT ON attempts FOR EACH ROW EXECUTE FUNCTION refuse_poison();
          """)
      }
      _ = try await nodes.a.publish(["e1", "e2", "e3"].map { PostgresEventStoreTests.event($0) }, publisher: "rewards", nowMs: 1_000)
      let due = try await nodes.a.dueDeliveries(nowMs: 1_000, limit: 10, excluding: []).map(\.delivery)
      #expect(due.count == 3)
      let requests = due.enumerated().map { index, delivery in
        var attempt = PostgresEventStoreTests.attempt(delivery, at: 1_100, ok: false)
        if index == 1 { attempt.error = "poison" }
        return PostgresEventStore.RecordRequest(attempt: attempt, status: .retrying, nextAttemptAtMs: 9_000)
      }
      let results = try await nodes.database.write { connection in
        try PostgresEventStore.writeBatch(requests, node: "node-a", connection).map { result in (try? result.get()).map { $0 ?? -1 } }
      }
      #expect(results == [1_100, nil, 1_100])
      let attempts = try await nodes.database.read { connection in
        try connection.query("SELECT delivery_id FROM attempts ORDER BY 1").map { try $0.text(0) }
      }
      #expect(attempts == [due[0].id, due[2].id].sorted())
    }
  }

  /// What a scenario left: every delivery, attempt and failing streak, the
  /// answers and the attempts announced, with delivery ids as event/webhook.
  struct Outcome: Equatable {
    var deliveries: [String]
    var attempts: [String]
    var streaks: [String]
    var answers: [Int64?]
    var notices: [String]
  }

  /// Three events to two webhooks (six deliveries, claimed by node-a, one of
  /// them then held; wh_2 already failing since 500), and eight records:
  /// failures and successes of both webhooks, one delivery twice (a retry
  /// after a failure) and one report repeated with a different outcome.
  static func scenario(batched: Bool) async throws -> Outcome {
    try await PostgresEventStoreTests.withNodes(webhooks: ["wh_1", "wh_2"]) { nodes in
      let heard = EventLog<PostgresListener.Event>()
      let listener = PostgresListener(url: nodes.url, channels: [PostgresChanges.channel], onEvent: heard.append)
      defer { Task { await listener.close() } }
      #expect(await heard.first(within: .seconds(5)) { $0 == .listening } != nil)
      _ = try await nodes.a.publish(["e1", "e2", "e3"].map { PostgresEventStoreTests.event($0) }, publisher: "rewards", nowMs: 1_000)
      let due = try await nodes.a.dueDeliveries(nowMs: 1_000, limit: 10, excluding: [])
      let byKey = Dictionary(uniqueKeysWithValues: due.map { ("\($0.delivery.eventID)/\($0.delivery.webhookID)", $0.delivery) })
      #expect(byKey.count == 6)
      try await nodes.database.write { connection in
        try connection.query("INSERT INTO webhook_failures (webhook_id, failing_since_ms) VALUES ('wh_2', 500)")
        try connection.query("UPDATE deliveries SET status = $1 WHERE event_id = 'e3' AND webhook_id = 'wh_2'", .integer(DeliveryStatus.held.rawValue))
      }
      func request(_ key: String, _ number: Int, at ms: Int64, ok: Bool, _ status: DeliveryStatus) throws -> PostgresEventStore.RecordRequest {
        let delivery = try #require(byKey[key])
        return PostgresEventStore.RecordRequest(
          attempt: PostgresEventStoreTests.attempt(delivery, number: number, at: ms, ok: ok), status: status,
          nextAttemptAtMs: status == .retrying ? ms + 5_000 : 0)
      }
      let requests = [
        try request("e1/wh_1", 1, at: 1_000, ok: false, .retrying), try request("e2/wh_1", 1, at: 1_100, ok: true, .succeeded),
        try request("e3/wh_1", 1, at: 1_200, ok: false, .retrying), try request("e1/wh_2", 1, at: 1_300, ok: false, .retrying),
        try request("e2/wh_2", 1, at: 1_400, ok: false, .retrying), try request("e1/wh_1", 2, at: 1_500, ok: true, .succeeded),
        try request("e3/wh_2", 1, at: 1_600, ok: false, .failed), try request("e2/wh_2", 1, at: 1_700, ok: true, .succeeded),
      ]
      var answers: [Int64?] = []
      if batched {
        answers = try await nodes.database.write { connection in
          try PostgresEventStore.writeBatch(requests, node: "node-a", connection).map { try $0.get() }
        }
      } else {
        for request in requests {
          answers.append(try await nodes.a.record(request.attempt, status: request.status, nextAttemptAtMs: request.nextAttemptAtMs))
        }
      }
      // Events: `.listening`, then one notification per attempt (PostgreSQL
      // sends a payload repeated within one transaction once).
      let announced = Set(requests.map { "\($0.attempt.deliveryID) \($0.attempt.number)" }).count
      #expect(await heard.first(from: announced, within: .seconds(5), where: PostgresEventStoreTests.isNotification) != nil)
      let keys = Dictionary(uniqueKeysWithValues: byKey.map { ($0.value.id, $0.key) })
      let notices = heard.events.compactMap { event -> String? in
        guard case .notification(_, let payload) = event, let named = PostgresEventStore.attemptNotice(payload) else { return nil }
        return "\(named.node) \(keys[named.deliveryID] ?? "?") \(named.number)"
      }
      let (deliveries, attempts, streaks) = try await nodes.database.read { connection in
        (
          try connection.query("""
            SELECT d.event_id || '/' || d.webhook_id, d.status, d.attempts, d.last_attempt_at_ms, d.last_http_status, d.last_error,
              d.next_attempt_at_ms, coalesce(l.leased_by, '-'), d.manual
            FROM deliveries d LEFT JOIN delivery_leases l ON l.delivery_id = d.id ORDER BY 1
            """).map { row in try (0..<9).map { try row.text($0) }.joined(separator: " ") },
          try connection.query("""
            SELECT d.event_id || '/' || d.webhook_id, a.attempt_number, a.trigger, a.attempted_at_ms, a.http_status, a.latency_ms,
              a.response_excerpt, a.error, a.succeeded FROM attempts a JOIN deliveries d ON d.id = a.delivery_id ORDER BY 1, 2
            """).map { row in try (0..<9).map { try row.text($0) }.joined(separator: " ") },
          try connection.query("SELECT webhook_id, failing_since_ms FROM webhook_failures ORDER BY 1")
            .map { row in "\(try row.text(0)) \(try row.int(1))" }
        )
      }
      return Outcome(deliveries: deliveries, attempts: attempts, streaks: streaks, answers: answers, notices: Set(notices).sorted())
    }
  }
}
