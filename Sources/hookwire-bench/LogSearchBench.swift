import Foundation
import HookwireCrypto
import HookwireDomain
import HookwireStore

/// SearchEventLogs latency on a large event log: `--rows` deliveries
/// (default 10,000,000) generated once into a bench data directory and
/// reused by later runs; queries by event id within a business unit.
enum LogSearchBench {
  static func run(_ options: BenchOptions) async {
    let rows = options.int("rows", default: 10_000_000)
    let queries = options.int("queries", default: 2_000)
    let directory = options.string("data-dir") ?? FileManager.default.temporaryDirectory.appendingPathComponent("hookwire-bench-logs").path
    do {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      let database = try Database(path: directory + "/hookwire.sqlite", migrations: DatabaseMigrations.migrations)
      defer { database.close() }
      let existing = try await database.read { db -> Int64 in
        let row = try db.prepare("SELECT count(*) FROM deliveries")
        _ = try row.step()
        return row.int(0)
      }
      if existing < Int64(rows) {
        let started = ContinuousClock.now
        try await generate(database, from: Int(existing), to: rows)
        print(String(format: "logsearch op=generate rows=%d seconds=%.1f data_dir=%@", rows - Int(existing), (ContinuousClock.now - started).seconds, directory))
      }
      // Event ids are deterministic, so any index below `rows` exists.
      let store = SQLiteEventStore(database: database)
      var latencies: [Double] = []
      var found = 0
      for _ in 0..<queries {
        let id = eventID(Int.random(in: 0..<rows))
        let t0 = ContinuousClock.now
        let page = try await store.search(eventID: id, buIDs: .units([1, 2]), pageSize: 20, pageToken: "")
        latencies.append((ContinuousClock.now - t0).seconds * 1e6)
        found += page.items.count
      }
      var missLatencies: [Double] = []
      for index in 0..<queries / 4 {
        let t0 = ContinuousClock.now
        _ = try await store.search(eventID: "evt_missing_\(index)", buIDs: .all, pageSize: 20, pageToken: "")
        missLatencies.append((ContinuousClock.now - t0).seconds * 1e6)
      }
      report("search_hit", latencies, rows: rows, extra: " found=\(found)")
      report("search_miss", missLatencies, rows: rows, extra: "")
    } catch {
      print("logsearch error=\"\(error)\"")
    }
  }

  static func eventID(_ index: Int) -> String { "evt_bench_\(String(index, radix: 36))" }

  /// Deliveries of succeeded events, 100 webhooks in 2 business units, in
  /// transactions of 50,000 rows.
  static func generate(_ database: Database, from start: Int, to end: Int) async throws {
    var next = start
    let day: Int64 = 86_400_000
    let base: Int64 = 1_764_421_200_000 - 30 * day
    while next < end {
      let first = next
      let last = min(end, next + 50_000)
      try await database.write { db in
        let insert = try db.prepare("""
          INSERT INTO deliveries (id, webhook_id, event_id, event_type, bu_id, status, attempts, created_at_ms,
            last_attempt_at_ms, next_attempt_at_ms, last_http_status, last_error, manual)
          VALUES (?, ?, ?, 'reward.issued', ?, 2, 1, ?, ?, 0, 200, '', 0)
          """)
        for index in first..<last {
          let created = base + Int64(index) * 250
          insert.reset()
          try insert.bind(
            .text("dlv_bench_\(String(index, radix: 36))"), .text("wh_bench_\(index % 100)"), .text(eventID(index)),
            .integer(Int64(1 + index % 2)), .integer(created), .integer(created + 40)
          ).run()
        }
      }
      next = last
    }
  }

  static func report(_ op: String, _ latencies: [Double], rows: Int, extra: String) {
    let sorted = latencies.sorted()
    func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
    print(String(format: "logsearch op=%@ rows=%d queries=%d p50_us=%.0f p99_us=%.0f max_us=%.0f", op, rows, sorted.count, percentile(0.5), percentile(0.99), sorted.last ?? 0) + extra)
  }
}
