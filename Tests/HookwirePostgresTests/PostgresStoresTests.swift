import HookwireCrypto
import HookwireDomain
import HookwirePostgres
import HookwireStore
import HookwireTestSupport
import Testing

@Suite("PostgreSQL change notifications")
struct PostgresChangesTests {
  @Test("every change a cache hears of has a payload that parses back to it; unknown and malformed payloads are ignored")
  func payloads() {
    for change in [StoreChange.apiKeyRevoked(prefix: "hwk_ab12"), .serviceIdentityRevoked(id: 7), .webhookChanged(id: "wh_x")] {
      let payload = PostgresChanges.payload(change)
      #expect(payload.map(PostgresChanges.parse) == .some(.store(change)), "\(change)")
    }
    #expect(PostgresChanges.payload(.unknown) == nil)
    let attempt = PostgresChanges.attemptPayload(node: "node-1", deliveryID: "dlv_9", number: 3)
    #expect(PostgresChanges.parse(attempt) == .attempt(node: "node-1", deliveryID: "dlv_9", number: 3))
    for ignored in ["", "key:", "webhook:", "identity:x", "attempt:n d", "attempt:n d x", "audit:1", "no colon"] {
      #expect(PostgresChanges.parse(ignored) == nil, "\(ignored)")
    }
  }
}

@Suite("PostgreSQL stores of one server", .enabled(if: PostgresTestServer.isAvailable))
struct PostgresStoresTests {
  @Test("opening migrates and listens: another server's NOTIFY reaches the change feed as the change it names")
  func feedHearsOtherServers() async throws {
    try await withDatabase { database, url in
      let stores = try await PostgresStores.open(url: url, options: PostgresStores.Options(node: "a"))
      defer { Task { await stores.close() } }
      #expect(stores.changes.isLive)
      let heard = EventLog<StoreChange>()
      _ = stores.changes.addObserver(heard.append)
      try await database.write { connection in
        try connection.notify(channel: PostgresChanges.channel, payload: "key:hwk_revoked")
        try connection.notify(channel: PostgresChanges.channel, payload: "from a newer build:1")
        try connection.notify(channel: PostgresChanges.channel, payload: "webhook:wh_1")
      }
      #expect(await heard.first(within: .seconds(5)) { $0 == .webhookChanged(id: "wh_1") } != nil)
      #expect(heard.events == [.apiKeyRevoked(prefix: "hwk_revoked"), .webhookChanged(id: "wh_1")])
    }
  }

  @Test("while the database is away the feed is not live and says changes may be missed; it is live again by itself")
  func feedOutage() async throws {
    try await withTeardown { teardown in
      let server = try await PostgresTestServer.start()
      teardown.add { await server.remove() }
      let url = try PostgresURL(parsing: try await server.makeDatabase())
      let stores = try await PostgresStores.open(url: url, options: PostgresStores.Options(node: "a"))
      teardown.add { await stores.close() }
      #expect(stores.changes.isLive)
      let heard = EventLog<StoreChange>()
      _ = stores.changes.addObserver(heard.append)
      try await server.stop()
      #expect(await heard.first(within: .seconds(10)) { $0 == .unknown } != nil)
      #expect(!stores.changes.isLive)
      try await server.restart()
      let live = await OutageTests.eventually(within: .seconds(15)) { () throws -> Bool in
        guard stores.changes.isLive else { throw StoreError(.unavailable, "not listening yet") }
        return true
      }
      #expect(live == true)
      #expect(heard.events.filter { $0 == .unknown }.count >= 2, "a reconnect must flush what was cached: \(heard.events)")
    }
  }

  @Test("servers on one database must share the secret key: the first records a sample, another key is refused")
  func secretKey() async throws {
    try await withDatabase { _, url in
      let first = try await PostgresStores.open(url: url, options: PostgresStores.Options(node: "a"))
      defer { Task { await first.close() } }
      let key = Crypto.randomBytes(32)
      try await first.verifySecretKey(try SecretBox(key: key))
      try await first.verifySecretKey(try SecretBox(key: key))
      let other = try SecretBox(key: Crypto.randomBytes(32))
      await #expect {
        try await first.verifySecretKey(other)
      } throws: { error in
        (error as? StoreError)?.message.contains("same key file") == true
      }
    }
  }
}
