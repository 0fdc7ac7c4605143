import HookwireStore

extension PostgresDatabase {
  /// The table that records which migrations the database has had.
  package static let migrationsTable = "hookwire_schema_migrations"

  /// The `pg_advisory_lock` key that serializes migrators (any number of
  /// servers starting against one database at once).
  package static let migrationLockKey: Int64 = 0x686F_6F6B_7769_7265  // "hookwire"

  /// Applies the migrations the database lacks, each in a transaction of its
  /// own that also records it in `hookwire_schema_migrations`, and returns
  /// the schema version. Holds an advisory lock meanwhile, so servers
  /// starting together migrate exactly once; refuses a database whose
  /// version is newer than the newest of `migrations` (`.schemaTooNew`).
  package func migrate(_ migrations: [Migration]) async throws -> Int {
    let sorted = migrations.sorted { $0.version < $1.version }
    for (earlier, later) in zip(sorted, sorted.dropFirst()) where earlier.version == later.version {
      throw StoreError(.internal, "two migrations have version \(later.version)")
    }
    return try await withConnection { connection in
      try connection.query("SELECT pg_advisory_lock($1)", .integer(Self.migrationLockKey))
      defer { _ = try? connection.query("SELECT pg_advisory_unlock($1)", .integer(Self.migrationLockKey)) }
      try connection.execute(
        """
        CREATE TABLE IF NOT EXISTS \(Self.migrationsTable) (
          version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())
        """)
      let current = Int(try connection.query("SELECT coalesce(max(version), 0)::bigint FROM \(Self.migrationsTable)")[0].int(0))
      let latest = sorted.last?.version ?? 0
      guard current <= latest else {
        throw StoreError(
          .schemaTooNew, "the database is at schema version \(current), newer than this build's \(latest); use a newer hookwire-server")
      }
      for migration in sorted where migration.version > current {
        do {
          try connection.transaction {
            try connection.execute(migration.sql)
            try connection.query("INSERT INTO \(Self.migrationsTable) (version) VALUES ($1)", .integer(Int64(migration.version)))
          }
        } catch let error as StoreError where error.code == .unavailable {
          throw error
        } catch let error as StoreError {
          throw StoreError(error.code, "migration \(migration.version) failed: \(error.message)")
        }
      }
      return max(current, latest)
    }
  }
}
