import HookwireMetrics
import HookwirePostgres
import HookwireStore
import HookwireTestSupport
import Testing

@testable import hookwire_server

/// The server's databases, opened as `hookwire-server` opens them, count
/// into the store metrics they are given, on SQLite and on PostgreSQL.
@Suite("Database location metrics")
struct DatabaseLocationMetricsTests {
  /// Opens `location`, creates a business unit and reads it back; returns the counters.
  static func counts(_ location: DatabaseLocation, secretKeyFile: String?) async throws -> (transactions: UInt64, reads: UInt64) {
    let metrics = StoreMetrics(registry: MetricsRegistry())
    let opened = try await OpenedDatabase.open(location, secretKeyFile: secretKeyFile, metrics: metrics)
    return try await withTeardown { teardown in
      teardown.add { await opened.close() }
      let before = (metrics.transactions.value(), metrics.reads.value())
      let unit = try await opened.stores.partners.createBusinessUnit(name: "Europe")
      #expect(try await opened.stores.partners.businessUnit(id: unit.id)?.name == "Europe")
      return (metrics.transactions.value() - before.0, metrics.reads.value() - before.1)
    }
  }

  @Test("a postgres:// database counts its write transactions and reads", .enabled(if: PostgresTestServer.isAvailable))
  func postgres() async throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let url = try PostgresURL(parsing: try await PostgresDeployment.makeDatabase())
    let counted = try await Self.counts(.postgres(url), secretKeyFile: directory.file("secret.key"))
    #expect(counted.transactions == 1)
    #expect(counted.reads == 1)
  }

  @Test("a sqlite: database counts its write transactions and reads")
  func sqlite() async throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let counted = try await Self.counts(.sqlite(directory: directory.file("data")), secretKeyFile: nil)
    #expect(counted.transactions == 1)
    #expect(counted.reads == 1)
  }
}
