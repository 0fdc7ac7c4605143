import HookwirePostgres
import HookwireStore
import HookwireTestSupport
import Testing

@Suite("PostgreSQL group commit", .enabled(if: PostgresTestServer.isAvailable))
struct GroupCommitTests {
  struct Refused: Error {}

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
