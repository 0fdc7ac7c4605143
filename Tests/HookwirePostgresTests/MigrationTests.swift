import HookwirePostgres
import HookwireStore
import HookwireTestSupport
import Testing

@Suite("PostgreSQL migrations", .enabled(if: PostgresTestServer.isAvailable))
struct MigrationTests {
  static let migrations = [
    Migration(version: 1, sql: "CREATE TABLE applied (version integer NOT NULL); INSERT INTO applied VALUES (1)"),
    Migration(version: 2, sql: "CREATE TABLE partners (id bigint PRIMARY KEY); INSERT INTO applied VALUES (2)"),
    // pg_sleep keeps the lock held long enough for the other migrators to queue behind it.
    Migration(version: 3, sql: "SELECT pg_sleep(0.2); CREATE INDEX partners_by_id ON partners (id); INSERT INTO applied VALUES (3)"),
  ]

  @Test("five servers migrating an empty database at once apply each migration exactly once")
  func concurrentMigrators() async throws {
    let url = try PostgresURL(parsing: try await PostgresTestServer.shared().makeDatabase())
    try await withTeardown { teardown in
      let databases = (0..<5).map { _ in PostgresDatabase(url: url, writers: 1, readers: 1) }
      teardown.add { for database in databases { await database.close() } }
      let versions = try await withThrowingTaskGroup(of: Int.self) { group in
        for database in databases { group.addTask { try await database.migrate(Self.migrations) } }
        return try await group.reduce(into: []) { $0.append($1) }
      }
      #expect(versions == [3, 3, 3, 3, 3])
      let (recorded, applied) = try await databases[0].read { connection in
        (
          try connection.query("SELECT version FROM hookwire_schema_migrations ORDER BY version").map { try $0.int(0) },
          try connection.query("SELECT version FROM applied ORDER BY version").map { try $0.int(0) }
        )
      }
      #expect(recorded == [1, 2, 3])
      #expect(applied == [1, 2, 3])
    }
  }

  @Test("a database newer than the build is refused, and a later build applies only what is new")
  func newerDatabase() async throws {
    try await withDatabase { database, _ in
      #expect(try await database.migrate(Array(Self.migrations.prefix(2))) == 2)
      #expect(try await database.migrate(Self.migrations) == 3)
      #expect(try await database.migrate(Self.migrations) == 3)
      do {
        _ = try await database.migrate(Array(Self.migrations.prefix(2)))
        Issue.record("an older build migrated a newer database")
      } catch let error as StoreError {
        #expect(error.code == .schemaTooNew)
        #expect(error.message == "the database is at schema version 3, newer than this build's 2; use a newer hookwire-server")
      }
    }
  }

  @Test("a migration that fails is named, leaves nothing behind, and the version stays where it was")
  func failingMigration() async throws {
    try await withDatabase { database, _ in
      let broken = Self.migrations.prefix(1) + [Migration(version: 2, sql: "CREATE TABLE half (id bigint); SELECT * FROM missing_table")]
      do {
        _ = try await database.migrate(Array(broken))
        Issue.record("the broken migration was applied")
      } catch let error as StoreError {
        #expect(error.message.hasPrefix("migration 2 failed: relation \"missing_table\" does not exist (SQLSTATE 42P01)"))
      }
      let (versions, half) = try await database.read { connection in
        (
          try connection.query("SELECT version FROM hookwire_schema_migrations").map { try $0.int(0) },
          try connection.query("SELECT to_regclass('half') IS NULL")[0].bool(0)
        )
      }
      #expect(versions == [1])
      #expect(half)
    }
  }
}
