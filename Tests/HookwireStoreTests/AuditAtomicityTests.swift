import Foundation
import HookwireDomain
import HookwirePostgres
import HookwireStore
import HookwireTestSupport
import Testing

/// A change and its audit event are one transaction in the SQL stores:
/// when the event cannot be written, the change is not made either.
@Suite("Audit events commit with their change")
struct AuditAtomicityTests {
  /// Makes every change of `webhooks` and `partners` fail at its audit
  /// event (the table is gone) and checks that none of them happened.
  static func expectNothingChanges(webhooks: any WebhookStore, partners: any PartnerStore) async throws {
    await expectDomainErrorOrStorage { try await webhooks.create(World.webhook("wh_new"), encryptedSecret: [1]) }
    #expect(try await webhooks.webhook(id: "wh_new") == nil)
    await expectDomainErrorOrStorage {
      _ = try await webhooks.update(id: "wh_a", expectedVersion: nil, by: World.author(World.channel)) { $0.state = .paused }
    }
    await expectDomainErrorOrStorage { try await webhooks.delete(id: "wh_a", expectedVersion: nil, by: World.author(World.channel)) }
    let kept = try #require(try await webhooks.webhook(id: "wh_a"))
    #expect(kept.state == .active && kept.version == 1)
    await expectDomainErrorOrStorage { _ = try await partners.createAPIKey(for: .partner(World.channel), by: .admin(name: "root")) }
    await expectDomainErrorOrStorage {
      _ = try await partners.createServiceIdentity(service: "ledger", match: .uri("spiffe://rewards/ledger"), by: .admin(name: "root"))
    }
    await expectDomainErrorOrStorage { _ = try await partners.revokeServiceIdentity(.match(keptIdentity), by: .admin(name: "root")) }
    let identities = try await partners.serviceIdentities()
    #expect(identities.map(\.match) == [keptIdentity] && identities.allSatisfy(\.isActive))
  }

  /// The identity both tests register before the audit table goes.
  static let keptIdentity = CertificateMatch.uri("spiffe://rewards/billing")

  /// Expects `body` to throw (a storage error: the audit table is missing).
  static func expectDomainErrorOrStorage(sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void) async {
    do {
      try await body()
      Issue.record("the change was made although its audit event could not be written", sourceLocation: sourceLocation)
    } catch {}
  }

  @Test("SQLite: without the audit table, no webhook, key or service identity change is made")
  func sqlite() async throws {
    let directory = try TemporaryDirectory()
    defer { directory.remove() }
    let database = try Database(path: directory.file("hookwire.sqlite"), migrations: DatabaseMigrations.migrations)
    defer { database.close() }
    let partners = SQLitePartnerStore(database: database)
    let webhooks = SQLiteWebhookStore(database: database)
    try await World.seed(partners)
    try await webhooks.create(World.webhook("wh_a"), encryptedSecret: [1])
    _ = try await partners.createServiceIdentity(service: "billing", match: Self.keptIdentity)
    try await database.write { db in try db.execute("DROP TABLE audit_events") }
    // A fresh store, so the read-through cache cannot answer for the database.
    try await Self.expectNothingChanges(webhooks: SQLiteWebhookStore(database: database), partners: partners)
  }

  @Test("PostgreSQL: without the audit table, no webhook, key or service identity change is made", .enabled(if: PostgresTestServer.isAvailable))
  func postgres() async throws {
    let url = try await PostgresTestServer.shared().makeDatabase()
    let database = PostgresDatabase(url: try PostgresURL(parsing: url), writers: 1, readers: 1)
    try await withTeardown { teardown in
      teardown.add { await database.close() }
      _ = try await database.migrate(PostgresSchema.migrations)
      let partners = PostgresPartnerStore(database: database)
      let webhooks = PostgresWebhookStore(database: database)
      webhooks.setCaching(false)
      try await World.seed(partners)
      try await webhooks.create(World.webhook("wh_a"), encryptedSecret: [1])
      _ = try await partners.createServiceIdentity(service: "billing", match: Self.keptIdentity)
      try await database.write { connection in try connection.query("DROP TABLE audit_events") }
      try await Self.expectNothingChanges(webhooks: webhooks, partners: partners)
    }
  }
}
