import HookwireMetrics
import HookwirePostgres
import HookwireStore
import HookwireTestSupport
import Testing

@Suite("PostgreSQL store metrics", .enabled(if: PostgresTestServer.isAvailable))
struct PostgresStoreMetricsTests {
  /// A pool on a fresh database that counts into a registry of its own.
  private func withCountingDatabase(
    _ body: (PostgresDatabase, StoreMetrics, MetricsRegistry) async throws -> Void
  ) async throws {
    let url = try PostgresURL(parsing: try await PostgresTestServer.shared().makeDatabase())
    let registry = MetricsRegistry()
    let metrics = StoreMetrics(registry: registry)
    try await withTeardown { teardown in
      let database = PostgresDatabase(url: url, writers: 1, readers: 1, metrics: metrics)
      teardown.add { await database.close() }
      try await body(database, metrics, registry)
    }
  }

  /// The value of the sample line `name` in `scrape`, if there is one.
  private func sample(_ name: String, in scrape: String) -> Double? {
    for line in scrape.split(separator: "\n") where line.hasPrefix(name + " ") {
      return Double(line.dropFirst(name.count + 1))
    }
    return nil
  }

  @Test("committed write transactions count with the writes each carried and their COMMIT durations")
  func writesAreCounted() async throws {
    try await withCountingDatabase { database, metrics, registry in
      try await database.write { connection in try connection.execute("CREATE TABLE items (id bigint PRIMARY KEY)") }
      #expect(metrics.transactions.value() == 1)
      #expect(metrics.batchSizes.count() == 1)
      #expect(metrics.commitDurations.count() == 1)

      try await withThrowingTaskGroup(of: Void.self) { group in
        for id in 0..<40 {
          group.addTask {
            _ = try await database.write { connection in try connection.query("INSERT INTO items VALUES ($1)", .integer(Int64(id))) }
          }
        }
        try await group.waitForAll()
      }
      let transactions = metrics.transactions.value()
      #expect(transactions >= 2 && transactions <= 41)
      #expect(metrics.batchSizes.count() == transactions, "one batch size per committed transaction")
      #expect(metrics.commitDurations.count() == transactions, "one COMMIT duration per committed transaction")
      let scrape = await registry.scrape()
      #expect(sample("hookwire_store_write_transactions_total", in: scrape) == Double(transactions))
      #expect(sample("hookwire_store_group_commit_writes_sum", in: scrape) == 41, "every write is in one committed group")
      #expect(sample("hookwire_store_commit_duration_seconds_count", in: scrape) == Double(transactions))
      #expect(!scrape.contains("SQLite"), "the help texts name no one database")

      // Reads and sessions commit no write transaction.
      _ = try await database.read { connection in try connection.query("SELECT count(*) FROM items") }
      _ = try await database.withConnection { connection in try connection.query("SELECT 1") }
      #expect(metrics.transactions.value() == transactions)
    }
  }

  @Test("every read counts, and a read that finds the one reader connection busy counts as a reader wait")
  func readsAndReaderWaitsAreCounted() async throws {
    try await withCountingDatabase { database, metrics, _ in
      _ = try await database.read { connection in try connection.query("SELECT 1") }
      _ = try await database.read { connection in try connection.query("SELECT 1") }
      #expect(metrics.reads.value() == 2)
      #expect(metrics.readerWaits.value() == 0, "reads one after another never wait")

      // The first read holds the only reader (on its own thread, 10 s at
      // most) until the second has been submitted and counted as waiting.
      let started = EventLog<Bool>()
      async let holding: UInt64 = database.read { connection in
        started.append(true)
        let deadline = ContinuousClock.now + .seconds(10)
        while metrics.readerWaits.value() == 0 && ContinuousClock.now < deadline { try connection.execute("SELECT pg_sleep(0.005)") }
        return metrics.readerWaits.value()
      }
      #expect(await started.first(within: .seconds(10)) { $0 } != nil)
      _ = try await database.read { connection in try connection.query("SELECT 1") }
      #expect(try await holding == 1, "the second read waited for the busy reader")
      #expect(metrics.reads.value() == 4)
      #expect(metrics.readerWaits.value() == 1)
    }
  }
}
