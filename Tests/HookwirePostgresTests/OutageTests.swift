import HookwirePostgres
import HookwireStore
import HookwireTestSupport
import Testing

@Suite("PostgreSQL outages", .enabled(if: PostgresTestServer.isAvailable))
struct OutageTests {
  /// Tries `body` until it succeeds, at most `limit`; nil when it never did.
  static func eventually<T: Sendable>(within limit: Duration, _ body: () async throws -> T) async -> T? {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
      if let value = try? await body() { return value }
      try? await Task.sleep(for: .milliseconds(50))
    }
    return nil
  }

  @Test("with the database stopped, work fails as unavailable within seconds (10 at most); after a restart the same pool serves again")
  func stopAndRestart() async throws {
    try await withTeardown { teardown in
      let server = try await PostgresTestServer.start()
      teardown.add { await server.remove() }
      let database = PostgresDatabase(url: try PostgresURL(parsing: try await server.makeDatabase()), writers: 2, readers: 1)
      teardown.add { await database.close() }
      try await database.write { connection in
        try connection.execute("CREATE TABLE items (id bigint PRIMARY KEY)")
        try connection.query("INSERT INTO items VALUES (1)")
      }

      try await server.stop()
      for attempt in 0..<3 {
        let started = ContinuousClock.now
        do {
          try await database.write { connection in try connection.query("INSERT INTO items VALUES ($1)", .integer(Int64(10 + attempt))) }
          Issue.record("a write succeeded with the database stopped")
        } catch let error as StoreError {
          #expect(error.code == .unavailable)
        }
        await #expect(throws: StoreError.self) { try await database.read { connection in try connection.query("SELECT 1") } }
        #expect(started.duration(to: .now) < .seconds(10))
      }

      try await server.restart()
      let written = await Self.eventually(within: .seconds(10)) {
        try await database.write { connection in try connection.query("INSERT INTO items VALUES (2)") }
      }
      #expect(written != nil)
      let stored = await Self.eventually(within: .seconds(10)) {
        try await database.read { connection in try connection.query("SELECT id FROM items ORDER BY id").map { try $0.int(0) } }
      }
      #expect(stored == [1, 2])
    }
  }

  @Test("after a crash of the database, work fails as unavailable, then succeeds once it has recovered")
  func crashAndRecover() async throws {
    try await withTeardown { teardown in
      let server = try await PostgresTestServer.start()
      teardown.add { await server.remove() }
      let database = PostgresDatabase(url: try PostgresURL(parsing: try await server.makeDatabase()), writers: 1, readers: 1)
      teardown.add { await database.close() }
      try await database.write { connection in try connection.execute("CREATE TABLE items (id bigint PRIMARY KEY); INSERT INTO items VALUES (1)") }
      try await server.kill()
      do {
        try await database.write { connection in try connection.query("INSERT INTO items VALUES (3)") }
        Issue.record("a write succeeded with the database down")
      } catch let error as StoreError {
        #expect(error.code == .unavailable)
      }
      try await server.restart()
      let count = await Self.eventually(within: .seconds(10)) {
        try await database.write { connection in try connection.query("SELECT count(*) FROM items")[0].int(0) }
      }
      #expect(count == 1)
    }
  }
}
