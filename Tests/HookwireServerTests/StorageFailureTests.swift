import HookwireDelivery
import Foundation
import HookwireDomain
import HookwirePosix
import HookwireServer
import HookwireStore
import HookwireTestSupport
import Synchronization
import Testing

/// An event store whose `record` fails while `failing` is set (a full
/// disk), and otherwise forwards to the in-memory store.
final class FailingRecordStore: EventStore {
  let inner: InMemoryEventStore
  let failing = Atomic<Bool>(false)
  /// When each failed record was attempted, per delivery.
  let failures = Mutex<[String: [ContinuousClock.Instant]]>([:])

  init(_ inner: InMemoryEventStore) { self.inner = inner }

  var failureCount: Int { failures.withLock { $0.values.reduce(0) { $0 + $1.count } } }

  func record(_ attempt: DeliveryAttempt, status: DeliveryStatus, nextAttemptAtMs: Int64) async throws -> Int64? {
    if failing.load(ordering: .acquiring) {
      failures.withLock { $0[attempt.deliveryID, default: []].append(.now) }
      throw StoreError(.io, "storage is full (database or disk is full)")
    }
    return try await inner.record(attempt, status: status, nextAttemptAtMs: nextAttemptAtMs)
  }

  func publish(_ events: [NewEvent], publisher: String, nowMs: Int64) async throws -> [PublishResult] {
    try await inner.publish(events, publisher: publisher, nowMs: nowMs)
  }
  func publishTest(_ event: NewEvent, webhookID: String, publisher: String, nowMs: Int64) async throws -> TestPublishResult {
    try await inner.publishTest(event, webhookID: webhookID, publisher: publisher, nowMs: nowMs)
  }
  func dueDeliveries(nowMs: Int64, limit: Int, excluding: Set<String>) async throws -> [DueDelivery] {
    try await inner.dueDeliveries(nowMs: nowMs, limit: limit, excluding: excluding)
  }
  func nextDueMs() async throws -> Int64? { try await inner.nextDueMs() }
  func prune(before cutoffMs: Int64) async throws -> Int { await inner.prune(before: cutoffMs) }
  func setOpenDeliveries(ofWebhook webhookID: String, to status: DeliveryStatus, nowMs: Int64) async throws -> Int {
    await inner.setOpenDeliveries(ofWebhook: webhookID, to: status, nowMs: nowMs)
  }
  func deliveries(ofWebhook webhookID: String, filter: LogFilter, pageSize: Int, pageToken: String) async throws -> Page<Delivery> {
    try await inner.deliveries(ofWebhook: webhookID, filter: filter, pageSize: pageSize, pageToken: pageToken)
  }
  func eventLog(webhookID: String, eventID: String) async throws -> (Delivery, Event, [DeliveryAttempt])? {
    await inner.eventLog(webhookID: webhookID, eventID: eventID)
  }
  func delivery(id: String) async throws -> Delivery? { await inner.delivery(id: id) }
  func search(eventID: String, buIDs: Reach, pageSize: Int, pageToken: String) async throws -> Page<Delivery> {
    try await inner.search(eventID: eventID, buIDs: buIDs, pageSize: pageSize, pageToken: pageToken)
  }
  func redeliver(webhookID: String, eventID: String, nowMs: Int64, audit: AuditContext) async throws -> Delivery {
    try await inner.redeliver(webhookID: webhookID, eventID: eventID, nowMs: nowMs, audit: audit)
  }
  func recoverFailed(webhookID: String, sinceMs: Int64, nowMs: Int64, audit: AuditContext) async throws -> Int {
    await inner.recoverFailed(webhookID: webhookID, sinceMs: sinceMs, nowMs: nowMs, audit: audit)
  }
}

/// What the engine does when attempts cannot be logged.
@Suite("Storage failures")
struct StorageFailureTests {
  @Test("while attempts cannot be recorded the engine backs off: a bounded number of sends, one error line per pause naming a delivery and the store's error, then every delivery succeeds and one info line counts what was sent unrecorded")
  func backoffWhileStorageFails() async throws {
    try await withTeardown { teardown in
      let fixture = try EngineUnitTests.Fixture()
      try await fixture.seed()
      let store = FailingRecordStore(fixture.events)
      store.failing.store(true, ordering: .releasing)
      let sender = RecordingSender()
      let lines = CapturedLog()
      var configuration = DeliveryEngine.Configuration()
      configuration.schedule = RetrySchedule(delays: [.zero, .milliseconds(10)], jitter: 0)
      configuration.pollInterval = .milliseconds(20)
      configuration.storagePause = .milliseconds(100)
      configuration.maxStoragePause = .milliseconds(400)
      let engine = DeliveryEngine(
        events: store, webhooks: fixture.webhooks, secrets: fixture.secrets, sender: sender,
        targets: TargetGuard(allowed: TargetGuard.allowList("0.0.0.0/0") ?? []), configuration: configuration,
        log: lines.log(.info))
      let now = Int64(Date().timeIntervalSince1970 * 1_000)
      let published = try await fixture.events.publish(
        (0..<20).map { _ in NewEvent(buID: 1, programmeID: nil, type: "reward.issued", payloadJSON: "{}", eventID: "", idempotencyKey: "") },
        publisher: "svc", nowMs: now)
      engine.start()
      teardown.add { await engine.stop() }

      // Storage fails for 1.5 s. Sending on at once would post thousands of
      // times; backing off (0.1, 0.2, 0.4, 0.4… s) allows a handful.
      let window: Duration = .milliseconds(1_500)
      let start = ContinuousClock.now
      while store.failureCount == 0 && ContinuousClock.now - start < .seconds(10) { try await Task.sleep(for: .milliseconds(5)) }
      try await Task.sleep(for: window)
      store.failing.store(false, ordering: .releasing)
      let failed = store.failureCount
      let pauseLines = lines.lines(startingWith: "cannot record delivery attempts")
      #expect(failed >= 1 && failed <= 20, "\(failed) attempts were sent and not logged in \(window)")
      #expect(pauseLines.count >= 1 && pauseLines.count <= 10, "\(pauseLines.count) pause lines in \(window)")
      // One line per pause: only the attempts in flight when storage failed share the first; each probe after a pause has its own.
      #expect(failed <= pauseLines.count + configuration.perWebhookLimit - 1, "\(failed) failures, \(pauseLines.count) lines")
      #expect(pauseLines.allSatisfy { $0["level"] as? String == "error" }, "\(pauseLines)")
      #expect((pauseLines.first?["error"] as? String)?.contains("storage is full") == true, "\(pauseLines.first ?? [:])")
      let failedIDs = Set(store.failures.withLock { $0.keys })
      #expect(pauseLines.allSatisfy { failedIDs.contains($0["delivery_id"] as? String ?? "") }, "\(pauseLines) name deliveries not among \(failedIDs)")
      #expect(pauseLines.reduce(0) { $0 + ($1["count"] as? Int ?? 0) } <= failed, "\(pauseLines)")
      // A delivery whose attempt was not logged waits out the pause before it is sent again.
      for (delivery, times) in store.failures.withLock({ $0 }) {
        for (earlier, later) in zip(times, times.dropFirst()) {
          #expect(later - earlier >= .milliseconds(90), "\(delivery) was sent again \(later - earlier) after its attempt went unlogged")
        }
      }

      // Storage is back: every delivery succeeds, and the recovery is logged once.
      for result in published {
        let log = await fixture.waitFor(result.event.id, .succeeded)
        #expect(log?.0.status == .succeeded)
      }
      #expect(sender.recorded.count == store.failureCount + 20, "\(sender.recorded.count) sends for 20 deliveries and \(store.failureCount) unlogged attempts")
      let recovered = lines.lines(startingWith: "delivery attempts are recorded again")
      #expect(recovered.count == 1, "\(lines.all)")
      #expect(recovered.first?["level"] as? String == "info")
      #expect(recovered.first?["count"] as? Int == store.failureCount, "\(recovered)")
      #expect(failedIDs.contains(recovered.first?["delivery_id"] as? String ?? ""), "\(recovered)")
    }
  }

  @Test("a full disk fails writes with a storage error, never \"no transaction is active\"; once there is room writes succeed and nothing committed is lost")
  func sqliteFull() async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hookwire-full-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    // An index makes a full page split the b-tree, where SQLite rolls the whole transaction back itself.
    let database = try Database(
      path: directory.appendingPathComponent("full.sqlite").path,
      migrations: [Migration(version: 1, sql: "CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB); CREATE INDEX t_b ON t (b)")])
    defer { database.close() }
    let insert: @Sendable (Int) -> @Sendable (SQLiteConnection) throws -> Void = { size in
      { db in try db.prepare("INSERT INTO t (b) VALUES (randomblob(?))").bind(.integer(Int64(size))).run() }
    }
    for _ in 0..<10 { try await database.write(insert(100)) }
    let pages = try await database.write { db -> Int64 in
      let statement = try db.prepare("PRAGMA page_count")
      _ = try statement.step()
      return statement.int(0)
    }
    // The writer's connection may grow the file by a few pages only: the disk is all but full.
    try await database.write { db in try db.execute("PRAGMA max_page_count = \(pages + 4)") }

    // Writes arrive together, so they share group commits with the ones that fail.
    let outcomes = await withTaskGroup(of: (any Error)?.self) { group in
      for index in 0..<40 {
        group.addTask {
          do {
            try await database.write(insert(index % 2 == 0 ? 3_000 : 10))
            return nil
          } catch {
            return error
          }
        }
      }
      var outcomes: [(any Error)?] = []
      for await outcome in group { outcomes.append(outcome) }
      return outcomes
    }
    let errors = outcomes.compactMap { $0 }
    #expect(!errors.isEmpty, "nothing failed with the file capped")
    for error in errors {
      let store = error as? StoreError
      #expect(store?.code == .io, "\(error)")
      #expect(!"\(error)".contains("no transaction is active"), "\(error)")
    }
    #expect(errors.contains { "\($0)".contains("storage is full") })

    // Room again: a write succeeds; the first ten rows and every acknowledged write are there, and no refused one.
    try await database.write { db in try db.execute("PRAGMA max_page_count = 1000000") }
    try await database.write(insert(3_000))
    let rows = try await database.read { db -> Int64 in
      let statement = try db.prepare("SELECT count(*) FROM t")
      _ = try statement.step()
      return statement.int(0)
    }
    #expect(rows == Int64(10 + (outcomes.count - errors.count) + 1), "\(rows) rows; \(outcomes.count - errors.count) of 40 writes acknowledged")
  }
}
