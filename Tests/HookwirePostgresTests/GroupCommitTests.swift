import HookwirePostgres
import HookwireStore
import HookwireTestSupport
import Synchronization
import Testing

@Suite("PostgreSQL group commit", .enabled(if: PostgresTestServer.isAvailable))
struct GroupCommitTests {
  struct Refused: Error {}

  @Test("two servers' writes that deadlock both succeed: the one PostgreSQL picks is undone to its savepoint and run again")
  func deadlockIsRetried() async throws {
    try await withDatabase(writers: 1, readers: 1) { first, url in
      try await first.write { connection in
        try connection.execute("CREATE TABLE counters (id bigint PRIMARY KEY, value bigint NOT NULL); INSERT INTO counters VALUES (1, 0), (2, 0)")
      }
      let second = PostgresDatabase(url: url, writers: 1, readers: 1)
      defer { Task { await second.close() } }
      let runs = Counter()
      let locked = Counter()
      // Each locks one row and, on its first run, waits (on its connection's
      // own thread, 30 s at most) until the other has locked the other row;
      // then it wants that row too: a deadlock whatever the machine's load.
      @Sendable func crossing(_ database: PostgresDatabase, _ order: [Int64]) async throws {
        let firstRun = Atomic<Bool>(true)
        try await database.write { connection in
          runs.add()
          try connection.query("UPDATE counters SET value = value + 1 WHERE id = $1", .integer(order[0]))
          if firstRun.exchange(false, ordering: .relaxed) {
            locked.add()
            let deadline = ContinuousClock.now + .seconds(30)
            while locked.value < 2 && ContinuousClock.now < deadline { try connection.execute("SELECT pg_sleep(0.005)") }
          }
          try connection.query("UPDATE counters SET value = value + 1 WHERE id = $1", .integer(order[1]))
        }
      }
      // Both connected before they meet.
      _ = try await second.write { connection in try connection.query("SELECT 1") }
      async let one: Void = crossing(first, [1, 2])
      async let other: Void = crossing(second, [2, 1])
      _ = try await (one, other)
      let values = try await first.read { connection in
        try connection.query("SELECT value FROM counters ORDER BY id").map { try $0.int(0) }
      }
      #expect(values == [2, 2], "each write's two increments are kept exactly once")
      #expect(locked.value == 2, "both held their first row before either wanted the other's")
      #expect(runs.value >= 3, "one of the two was run again after losing the deadlock")
    }
  }

  @Test("200 concurrent writes are all acknowledged and kept, in fewer transactions; the failing ones are rolled back alone")
  func concurrentWrites() async throws {
    try await withDatabase(writers: 1, readers: 1) { database, _ in
      try await database.write { connection in
        try connection.execute("CREATE TABLE items (id bigint PRIMARY KEY, tx bigint NOT NULL)")
        try connection.query("INSERT INTO items VALUES (-1, 0)")
      }
      let outcomes = await withTaskGroup(of: (Int, Result<Int64, any Error>).self) { group in
        for id in 0..<200 {
          group.addTask {
            do {
              let tx = try await database.write { connection -> Int64 in
                let tx = try connection.query("SELECT txid_current()")[0].int(0)
                try connection.query("INSERT INTO items VALUES ($1, $2)", .integer(Int64(id)), .integer(tx))
                if id == 137 { throw Refused() }
                if id == 150 { try connection.query("INSERT INTO items VALUES (-1, 0)") }
                return tx
              }
              return (id, .success(tx))
            } catch {
              return (id, .failure(error))
            }
          }
        }
        var outcomes: [Int: Result<Int64, any Error>] = [:]
        for await (id, outcome) in group { outcomes[id] = outcome }
        return outcomes
      }
      #expect(outcomes.count == 200)
      var transactions: Set<Int64> = []
      for (id, outcome) in outcomes {
        switch (id, outcome) {
        case (137, .failure(let error)): #expect(error is Refused)
        case (150, .failure(let error)): #expect((error as? StoreError)?.code == .constraint)
        case (_, .success(let tx)): transactions.insert(tx)
        case (_, .failure(let error)): Issue.record("write \(id) failed: \(error)")
        }
      }
      let stored = try await database.read { connection in
        try connection.query("SELECT id FROM items WHERE id >= 0 ORDER BY id").map { try $0.int(0) }
      }
      #expect(stored == (0..<200).filter { $0 != 137 && $0 != 150 }.map(Int64.init))
      // Writes waiting together shared a transaction.
      #expect(transactions.count < 198)
    }
  }

  @Test("a write that catches a database error and returns is reported as failed, and its changes are undone")
  func swallowedError() async throws {
    try await withDatabase(writers: 1, readers: 1) { database, _ in
      try await database.write { connection in
        try connection.execute("CREATE TABLE items (id bigint PRIMARY KEY)")
        try connection.query("INSERT INTO items VALUES (1)")
      }
      await #expect(throws: StoreError.self) {
        try await database.write { connection in
          try connection.query("INSERT INTO items VALUES (2)")
          _ = try? connection.query("INSERT INTO items VALUES (1)")
        }
      }
      try await database.write { connection in try connection.query("INSERT INTO items VALUES (3)") }
      let stored = try await database.read { connection in try connection.query("SELECT id FROM items ORDER BY id").map { try $0.int(0) } }
      #expect(stored == [1, 3])
    }
  }

  @Test("a read sees one snapshot and cannot write")
  func readIsReadOnly() async throws {
    try await withDatabase { database, _ in
      try await database.write { connection in try connection.execute("CREATE TABLE items (id bigint)") }
      await #expect(throws: StoreError.self) {
        try await database.read { connection in try connection.query("INSERT INTO items VALUES (1)") }
      }
      let isolation = try await database.read { connection in try connection.query("SHOW transaction_isolation")[0].text(0) }
      #expect(isolation == "repeatable read")
    }
  }
}

/// A count shared with the database's worker threads.
final class Counter: Sendable {
  private let count = Atomic<Int>(0)
  func add() { count.add(1, ordering: .relaxed) }
  var value: Int { count.load(ordering: .relaxed) }
}
