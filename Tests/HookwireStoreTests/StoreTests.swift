import Foundation
import HookwireDomain
import HookwireStore
import Synchronization
import Testing

@Suite("Partner search")
struct SearchTests {
  /// Three business units and partners with overlapping names.
  static func seed(_ store: any PartnerStore) async throws -> [Int64] {
    let bu1 = try await store.createBusinessUnit(name: "Europe").id
    let bu2 = try await store.createBusinessUnit(name: "Americas").id
    let bu3 = try await store.createBusinessUnit(name: "Asia").id
    let names: [(Int64, String, Int64)] = [
      (12345, "Acme Rewards", bu1), (12346, "ACME Travel", bu2), (12347, "Acmeco Loyalty", bu1),
      (12348, "Blue Acme Partners", bu3), (12349, "Rewards Club", bu2), (12350, "Café Réseau", bu1),
    ]
    for (id, name, bu) in names {
      _ = try await store.createPartner(id: id, name: name, kind: .channel, buID: bu, reach: .units([bu]))
    }
    return [bu1, bu2, bu3]
  }

  @Test("by id finds exactly that partner, within reach", arguments: StoreKind.available)
  func byID(_ kind: StoreKind) async throws {
    let (store, cleanup) = try await makeStore(kind)
    defer { cleanup() }
    let bus = try await Self.seed(store)
    #expect(try await store.searchPartners(query: "12345", within: .all, pageSize: 10, pageToken: "").items.map(\.id) == [12345])
    #expect(try await store.searchPartners(query: "12346", within: .units([bus[0]]), pageSize: 10, pageToken: "").items.isEmpty)
    #expect(try await store.searchPartners(query: "99999", within: .all, pageSize: 10, pageToken: "").items.isEmpty)
  }

  @Test("by name: case-insensitive word prefixes, every query word must match, ranked", arguments: StoreKind.available)
  func byName(_ kind: StoreKind) async throws {
    let (store, cleanup) = try await makeStore(kind)
    defer { cleanup() }
    _ = try await Self.seed(store)
    func ids(_ query: String) async throws -> [Int64] {
      try await store.searchPartners(query: query, within: .all, pageSize: 50, pageToken: "").items.map(\.id)
    }
    // The exact word "acme" ranks before "acmeco"; within a word, by name.
    #expect(try await ids("acme") == [12345, 12346, 12348, 12347])
    #expect(try await ids("AcMe") == [12345, 12346, 12348, 12347])
    #expect(try await ids("rew") == [12345, 12349])
    #expect(try await ids("acme rew") == [12345])
    #expect(try await ids("partners blue") == [12348])
    #expect(try await ids("café") == [12350])
    #expect(try await ids("zzz").isEmpty)
    await #expect(throws: DomainError.self) { _ = try await store.searchPartners(query: "  ", within: .all, pageSize: 10, pageToken: "") }
  }

  @Test("results are limited to the reach given", arguments: StoreKind.available)
  func reach(_ kind: StoreKind) async throws {
    let (store, cleanup) = try await makeStore(kind)
    defer { cleanup() }
    let bus = try await Self.seed(store)
    let inEurope = try await store.searchPartners(query: "acme", within: .units([bus[0]]), pageSize: 50, pageToken: "")
    #expect(inEurope.items.map(\.id) == [12345, 12347])
    let none = try await store.searchPartners(query: "acme", within: .units([]), pageSize: 50, pageToken: "")
    #expect(none.items.isEmpty)
  }

  @Test("paging walks every result once, and inserts during paging shift nothing", arguments: StoreKind.available)
  func pagingStableUnderInserts(_ kind: StoreKind) async throws {
    let (store, cleanup) = try await makeStore(kind)
    defer { cleanup() }
    let bu = try await store.createBusinessUnit(name: "Europe").id
    for index in 0..<25 {
      _ = try await store.createPartner(id: nil, name: "Nova Partner \(String(format: "%02d", index))", kind: .channel, buID: bu, reach: .units([bu]))
    }
    var seen: [String] = []
    var token = ""
    var pages = 0
    repeat {
      let page = try await store.searchPartners(query: "nova", within: .all, pageSize: 10, pageToken: token)
      seen += page.items.map(\.name)
      token = page.nextToken
      pages += 1
      // Inserted before and after the cursor: the walk neither repeats nor skips the originals.
      _ = try await store.createPartner(id: nil, name: "Nova Partner 00a \(pages)", kind: .channel, buID: bu, reach: .units([bu]))
    } while !token.isEmpty && pages < 10
    let originals = seen.filter { !$0.contains("00a") }
    #expect(originals == (0..<25).map { "Nova Partner \(String(format: "%02d", $0))" })
    #expect(Set(seen).count == seen.count, "a partner appeared twice")
    await #expect(throws: DomainError.self) {
      _ = try await store.searchPartners(query: "nova", within: .all, pageSize: 10, pageToken: "not-a-token")
    }
  }
}

@Suite("API keys and stores")
struct KeyTests {
  @Test("keys authenticate until revoked; malformed and wrong keys do not", arguments: StoreKind.available)
  func lifecycle(_ kind: StoreKind) async throws {
    let (store, cleanup) = try await makeStore(kind)
    defer { cleanup() }
    let bu = try await store.createBusinessUnit(name: "Europe").id
    let partner = try await store.createPartner(id: 12345, name: "Acme", kind: .channel, buID: bu, reach: .units([bu]))
    let key = try await store.createAPIKey(for: .partner(partner.id))
    #expect(key.plaintext.hasPrefix("hwk_\(key.prefix)_"))
    #expect(try await store.authenticate(key: key.plaintext) == .partner(partner, keyPrefix: key.prefix))
    let wrongSecret = "hwk_\(key.prefix)_" + String(repeating: "a", count: 32)
    #expect(try await store.authenticate(key: wrongSecret) == nil)
    #expect(try await store.authenticate(key: "Bearer nonsense") == nil)
    try await store.revokeAPIKey(prefix: key.prefix)
    #expect(try await store.authenticate(key: key.plaintext) == nil)
    await #expect(throws: DomainError.self) { try await store.revokeAPIKey(prefix: "zzzzzzzz") }
    let service = try await store.createAPIKey(for: .service("rewards-engine"))
    #expect(try await store.authenticate(key: service.plaintext) == .service(name: "rewards-engine", keyPrefix: service.prefix))
  }

  @Test("the database holds only the key's hash")
  func hashedAtRest() async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hookwire-keys-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("hookwire.sqlite").path
    let database = try Database(path: path, migrations: DatabaseMigrations.migrations)
    defer { database.close() }
    let store = SQLitePartnerStore(database: database)
    let bu = try await store.createBusinessUnit(name: "Europe").id
    _ = try await store.createPartner(id: 1, name: "Acme", kind: .channel, buID: bu, reach: .units([bu]))
    let key = try await store.createAPIKey(for: .partner(1))
    database.close()  // flushes: the files below are read whole
    var bytes = Data()
    for suffix in ["", "-wal"] {
      if let data = FileManager.default.contents(atPath: path + suffix) { bytes.append(data) }
    }
    let secret = String(key.plaintext.split(separator: "_")[2])
    #expect(bytes.range(of: Data(secret.utf8)) == nil, "the key's secret is stored in plain text")
    #expect(bytes.range(of: Data(key.prefix.utf8)) != nil)
  }

  @Test("closing a database twice returns: the second close does nothing, so a test's cleanup may close what the test closed")
  func closeTwice() async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hookwire-close-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let database = try Database(path: directory.appendingPathComponent("hookwire.sqlite").path, migrations: DatabaseMigrations.migrations)
    database.close()
    // The second close runs on a thread of its own: were it to wait for
    // the ended thread again, it would block that thread, not the test.
    final class Flag: Sendable { let raised = Atomic<Bool>(false) }
    let returned = Flag()
    Thread {
      database.close()
      returned.raised.store(true, ordering: .releasing)
    }.start()
    let deadline = ContinuousClock.now + .seconds(30)
    while !returned.raised.load(ordering: .acquiring) && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
    let closed = returned.raised.load(ordering: .acquiring)
    #expect(closed, "a second close never returned")
    await #expect(throws: StoreError.self) { try await database.write { _ in } }
  }

  @Test("a database newer than the binary is refused, not downgraded")
  func newerSchemaRefused() throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hookwire-schema-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let path = directory.appendingPathComponent("hookwire.sqlite").path
    let future = DatabaseMigrations.migrations + [Migration(version: 99, sql: "CREATE TABLE later (x INTEGER)")]
    try Database(path: path, migrations: future).close()
    #expect { try Database(path: path, migrations: DatabaseMigrations.migrations) } throws: { error in
      (error as? StoreError)?.code == .schemaTooNew
    }
  }

  @Test("concurrent writes commit in groups; a failing write rolls back alone")
  func groupCommit() async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hookwire-group-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let database = try Database(path: directory.appendingPathComponent("hookwire.sqlite").path, migrations: DatabaseMigrations.migrations)
    defer { database.close() }
    let store = SQLitePartnerStore(database: database)
    let bu = try await store.createBusinessUnit(name: "Europe").id
    let results = await withTaskGroup(of: Bool.self) { group in
      for index in 0..<200 {
        group.addTask {
          // Every 10th write reuses id 1 and must fail alone.
          let id: Int64 = index % 10 == 0 ? 1 : Int64(100 + index)
          return (try? await store.createPartner(id: id, name: "Partner \(index)", kind: .channel, buID: bu, reach: .units([bu]))) != nil
        }
      }
      return await group.reduce(into: [Bool]()) { $0.append($1) }
    }
    #expect(results.filter { $0 }.count == 181)
    #expect(try await store.allPartners().count == 181)
  }
}
