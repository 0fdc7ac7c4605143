import Foundation
import HookwireDomain
import HookwirePostgres
import HookwireStore
import HookwireTestSupport
import Testing

/// Which store a test runs against; every contract test runs once per case.
enum StoreKind: String, CaseIterable, Sendable {
  case sqlite, memory, postgres

  /// The kinds this machine can run: PostgreSQL when its server programs
  /// are installed (`PostgresTestServer.isAvailable` says loudly when they
  /// are not, and `HOOKWIRE_REQUIRE_POSTGRES=1` makes them required).
  static var available: [StoreKind] {
    PostgresTestServer.isAvailable ? allCases : allCases.filter { $0 != .postgres }
  }
}

/// A fresh partner store; SQLite ones live in their own temporary directory.
func makeStore(_ kind: StoreKind) async throws -> (store: any PartnerStore, cleanup: @Sendable () -> Void) {
  let stores = try await StoreTrio.make(kind)
  return (stores.partners, stores.cleanup)
}

/// A matching partner, webhook and event store of one kind, sharing one
/// database (SQLite, in a temporary directory) or one memory.
struct StoreTrio: Sendable {
  let partners: any PartnerStore
  let webhooks: any WebhookStore
  let events: any EventStore
  /// The audit trail the other three record their changes in.
  let audit: any AuditStore
  /// Closes the database and removes its directory; call in `defer`.
  let cleanup: @Sendable () -> Void

  init(
    partners: any PartnerStore, webhooks: any WebhookStore, events: any EventStore, audit: any AuditStore,
    cleanup: @escaping @Sendable () -> Void
  ) {
    self.partners = partners
    self.webhooks = webhooks
    self.events = events
    self.audit = audit
    self.cleanup = cleanup
  }

  /// Stores of `kind`; PostgreSQL ones over a fresh database of the
  /// process's shared test server, migrated.
  static func make(_ kind: StoreKind) async throws -> StoreTrio {
    guard kind == .postgres else { return try StoreTrio(kind) }
    let url = try await PostgresTestServer.shared().makeDatabase()
    let database = PostgresDatabase(url: try PostgresURL(parsing: url), writers: 1, readers: 2)
    do {
      _ = try await database.migrate(PostgresSchema.migrations)
    } catch {
      await database.close()
      throw error
    }
    let partners = PostgresPartnerStore(database: database)
    let webhooks = PostgresWebhookStore(database: database)
    let events = PostgresEventStore(database: database, leases: DeliveryLeases(node: "contract", duration: .seconds(30), perWebhookLimit: .max))
    return StoreTrio(partners: partners, webhooks: webhooks, events: events, audit: PostgresAuditStore(database: database)) {
      let closed = Task { await database.close() }
      _ = closed
    }
  }

  init(_ kind: StoreKind) throws {
    switch kind {
    case .postgres:
      throw StoreError(.internal, "PostgreSQL stores are made with StoreTrio.make")
    case .memory:
      let audit = InMemoryAuditStore()
      let partners = InMemoryPartnerStore(audit: audit)
      let webhooks = InMemoryWebhookStore(audit: audit)
      self.partners = partners
      self.webhooks = webhooks
      self.audit = audit
      events = InMemoryEventStore(webhooks: webhooks, partners: partners)
      cleanup = {}
    case .sqlite:
      let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hookwire-contract-\(UUID().uuidString)")
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      let database: Database
      do {
        database = try Database(path: directory.appendingPathComponent("hookwire.sqlite").path, migrations: DatabaseMigrations.migrations)
      } catch {
        try? FileManager.default.removeItem(at: directory)
        throw error
      }
      partners = SQLitePartnerStore(database: database)
      webhooks = SQLiteWebhookStore(database: database)
      events = SQLiteEventStore(database: database)
      audit = SQLiteAuditStore(database: database)
      cleanup = {
        database.close()
        try? FileManager.default.removeItem(at: directory)
      }
    }
  }
}

/// A small world most contract tests share: three business units, a
/// programme of Europe, a channel partner of Europe, a global partner
/// reaching Europe and Americas, and one reaching every unit.
struct World {
  static let europe: Int64 = 1
  static let americas: Int64 = 2
  static let asia: Int64 = 3
  static let programme = "prog_gold"
  static let channel: Int64 = 12345
  static let twoUnits: Int64 = 20001
  static let everywhere: Int64 = 20002

  /// Seeds the world into `partners`; the ids above are what it creates.
  static func seed(_ partners: any PartnerStore) async throws {
    for name in ["Europe", "Americas", "Asia"] { _ = try await partners.createBusinessUnit(name: name) }
    _ = try await partners.createProgramme(buID: europe, name: "Gold", id: programme)
    _ = try await partners.createPartner(id: channel, name: "Acme", kind: .channel, buID: europe, reach: .units([europe]))
    _ = try await partners.createPartner(id: twoUnits, name: "Atlantic", kind: .global, buID: europe, reach: .units([europe, americas]))
    _ = try await partners.createPartner(id: everywhere, name: "Planet", kind: .global, buID: asia, reach: .all)
  }

  static func author(_ partner: Int64, at ms: Int64 = 1) -> ChangeAuthor {
    ChangeAuthor(partnerID: partner, callerPartnerID: partner, keyPrefix: "test", atMs: ms)
  }

  /// Who asks, as `partner` at `ms`, to redeliver or recover the deliveries of webhook `id` (as `webhook(_:)` makes it).
  static func audit(_ id: String, by partner: Int64 = channel, at ms: Int64) -> AuditContext {
    AuditContext(author: author(partner, at: ms), webhook: webhook(id, partner: partner))
  }

  /// A webhook owned by `partner`; a programme webhook when `programme` is given.
  static func webhook(
    _ id: String, partner: Int64 = channel, bu: Int64 = europe, allBUs: Bool = false, programme: String? = nil,
    events: [String] = ["reward.issued"], state: Webhook.State = .active
  ) -> Webhook {
    Webhook(
      id: id, kind: programme == nil ? .global : .programme, partnerID: partner, buID: bu, allBUs: allBUs, programmeID: programme,
      payloadURL: "https://example.com/\(id)", events: events, secretHint: "abcd", state: state, description: "hook \(id)",
      createdBy: author(partner), updatedBy: author(partner))
  }

  /// An event of `type` in `bu` (and `programme`), with the given id and key.
  static func event(_ id: String, bu: Int64 = europe, programme: String? = nil, type: String = "reward.issued", key: String = "") -> NewEvent {
    NewEvent(buID: bu, programmeID: programme, type: type, payloadJSON: #"{"id":"\#(id)"}"#, eventID: id, idempotencyKey: key)
  }
}

/// Expects `body` to throw a `DomainError` with `code`.
func expectDomainError(
  _ code: DomainError.Code, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation,
  _ body: () async throws -> Void
) async {
  do {
    try await body()
    Issue.record("expected \(code), nothing was thrown \(comment.map { "(\($0))" } ?? "")", sourceLocation: sourceLocation)
  } catch let error as DomainError {
    #expect(error.code == code, comment, sourceLocation: sourceLocation)
  } catch {
    Issue.record("expected \(code), got \(error)", sourceLocation: sourceLocation)
  }
}

/// Every item of a paged listing, following tokens until the last page.
func walkPages<Item: Sendable>(limit: Int = 50, _ page: (String) async throws -> Page<Item>) async throws -> [Item] {
  var items: [Item] = []
  var token = ""
  for _ in 0..<limit {
    let next = try await page(token)
    items += next.items
    token = next.nextToken
    if token.isEmpty { return items }
  }
  Issue.record("paging did not end after \(limit) pages")
  return items
}
