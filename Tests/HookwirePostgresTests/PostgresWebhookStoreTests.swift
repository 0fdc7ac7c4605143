import HookwireDomain
import HookwirePostgres
import HookwireStore
import HookwireTestSupport
import Testing

@Suite("PostgreSQL webhook store across servers", .enabled(if: PostgresTestServer.isAvailable))
struct PostgresWebhookStoreTests {
  static let partner: Int64 = 12345
  static let unit: Int64 = 1

  /// Two servers on one database: a webhook store each, over pools of their own.
  struct Servers {
    let url: PostgresURL
    /// The first server's pool.
    let database: PostgresDatabase
    let a: PostgresWebhookStore
    let b: PostgresWebhookStore
  }

  /// Runs `body` with two servers' stores on a fresh database, migrated and
  /// holding one business unit and one partner to own webhooks.
  func withServers<T>(_ body: (Servers) async throws -> T) async throws -> T {
    try await withTwoPools { first, second, url in
      try await first.write { connection in
        try connection.query("INSERT INTO business_units (id, name, created_at_ms) VALUES ($1, 'Europe', 1)", .integer(Self.unit))
        try connection.query(
          "INSERT INTO partners (id, name, name_key, kind, bu_id, all_bus, created_at_ms) VALUES ($1, 'Acme', 'acme', $2, $3, false, 1)",
          .integer(Self.partner), .integer(Partner.Kind.channel.rawValue), .integer(Self.unit))
      }
      return try await body(Servers(url: url, database: first, a: PostgresWebhookStore(database: first), b: PostgresWebhookStore(database: second)))
    }
  }

  static func author(at ms: Int64 = 1) -> ChangeAuthor {
    ChangeAuthor(partnerID: partner, callerPartnerID: partner, keyPrefix: "test", atMs: ms)
  }

  static func webhook(_ id: String) -> Webhook {
    Webhook(
      id: id, kind: .global, partnerID: partner, buID: unit, allBUs: false, programmeID: nil,
      payloadURL: "https://example.com/\(id)", events: ["reward.issued"], secretHint: "abcd", description: "hook \(id)",
      createdBy: author(), updatedBy: author())
  }

  @Test("a cached webhook another server changed is read again once the change is applied; .unknown drops every entry")
  func applyDropsTheCachedWebhook() async throws {
    try await withServers { servers in
      try await servers.a.create(Self.webhook("wh_1"), encryptedSecret: [1])
      #expect(try await servers.b.webhook(id: "wh_1")?.version == 1)

      _ = try await servers.a.update(id: "wh_1", expectedVersion: 1, by: Self.author(at: 2)) { $0.description = "second" }
      #expect(try await servers.b.webhook(id: "wh_1")?.version == 1, "B serves what it cached until it hears of the change")
      servers.b.apply(.apiKeyRevoked(prefix: "abcd2345"))
      #expect(try await servers.b.webhook(id: "wh_1")?.version == 1, "another store's change leaves the cache alone")
      servers.b.apply(.webhookChanged(id: "wh_1"))
      let reread = try await servers.b.webhook(id: "wh_1")
      #expect(reread?.version == 2)
      #expect(reread?.description == "second")

      _ = try await servers.a.update(id: "wh_1", expectedVersion: 2, by: Self.author(at: 3)) { $0.description = "third" }
      #expect(try await servers.b.webhook(id: "wh_1")?.version == 2)
      servers.b.apply(.unknown)
      #expect(try await servers.b.webhook(id: "wh_1")?.description == "third")

      try await servers.a.delete(id: "wh_1", expectedVersion: 3, by: Self.author(at: 4))
      #expect(try await servers.b.webhook(id: "wh_1") != nil)
      servers.b.apply(.webhookChanged(id: "wh_1"))
      #expect(try await servers.b.webhook(id: "wh_1") == nil)
    }
  }

  @Test("with caching off every read goes to the database and sees the other server's change; on again, it caches")
  func cachingOffReadsTheDatabase() async throws {
    try await withServers { servers in
      try await servers.a.create(Self.webhook("wh_1"), encryptedSecret: [1])
      #expect(try await servers.b.webhook(id: "wh_1")?.version == 1)
      servers.b.setCaching(false)
      _ = try await servers.a.update(id: "wh_1", expectedVersion: 1, by: Self.author(at: 2)) { $0.state = .paused }
      #expect(try await servers.b.webhook(id: "wh_1")?.state == .paused)
      _ = try await servers.a.update(id: "wh_1", expectedVersion: 2, by: Self.author(at: 3)) { $0.state = .active }
      #expect(try await servers.b.webhook(id: "wh_1")?.version == 3)

      servers.b.setCaching(true)
      #expect(try await servers.b.webhook(id: "wh_1")?.version == 3)
      _ = try await servers.a.update(id: "wh_1", expectedVersion: 3, by: Self.author(at: 4)) { $0.description = "unheard" }
      #expect(try await servers.b.webhook(id: "wh_1")?.version == 3, "caching is on again")
    }
  }

  @Test("2×20 concurrent updates of one webhook from two servers all land: none is lost, the version counts them all")
  func concurrentUpdatesAllLand() async throws {
    try await withServers { servers in
      try await servers.a.create(Self.webhook("wh_1"), encryptedSecret: [1])
      try await withThrowingTaskGroup(of: Void.self) { group in
        for index in 0..<20 {
          for (name, store) in [("a", servers.a), ("b", servers.b)] {
            group.addTask {
              _ = try await store.update(id: "wh_1", expectedVersion: nil, by: Self.author(at: 2)) { webhook in
                webhook.events = (webhook.events + ["\(name).event\(index)"]).sorted()
              }
            }
          }
        }
        try await group.waitForAll()
      }
      servers.a.apply(.webhookChanged(id: "wh_1"))
      let final = try #require(try await servers.a.webhook(id: "wh_1"))
      #expect(final.version == 41)
      #expect(final.events.count == 41)
      #expect(Set(final.events) == Set(["reward.issued"] + (0..<20).flatMap { ["a.event\($0)", "b.event\($0)"] }))

      // An expected version already passed is refused, as on every store.
      let stale = await #expect(throws: DomainError.self) {
        _ = try await servers.b.update(id: "wh_1", expectedVersion: 40, by: Self.author()) { _ in }
      }
      #expect(stale?.code == .staleVersion)
    }
  }

  @Test("create, update and delete each NOTIFY webhook:<id> on the changes channel; refused writes send nothing")
  func notifiesEveryChange() async throws {
    try await withServers { servers in
      try await withTeardown { teardown in
        let events = EventLog<PostgresListener.Event>()
        let listener = PostgresListener(url: servers.url, channels: [PostgresChanges.channel], onEvent: events.append)
        teardown.add { await listener.close() }
        #expect(await events.first(within: .seconds(5)) { $0 == .listening } != nil)
        let changed = PostgresListener.Event.notification(channel: PostgresChanges.channel, payload: "webhook:wh_1")
        /// Whether `write` is followed by a notification of wh_1's change.
        func announces(_ write: () async throws -> Void) async throws -> Bool {
          let mark = events.events.count
          try await write()
          return await events.first(from: mark, within: .seconds(5)) { $0 == changed } != nil
        }

        #expect(try await announces { try await servers.a.create(Self.webhook("wh_1"), encryptedSecret: [1]) })
        #expect(try await announces { _ = try await servers.b.update(id: "wh_1", expectedVersion: 1, by: Self.author(at: 2)) { $0.description = "second" } })

        let refusals: [(DomainError.Code, @Sendable () async throws -> Void)] = [
          (.staleVersion, { _ = try await servers.a.update(id: "wh_1", expectedVersion: 1, by: Self.author()) { $0.description = "stale" } }),
          (.precondition, { _ = try await servers.a.update(id: "wh_1", expectedVersion: 2, by: Self.author()) { $0.payloadURL = "https://example.com/x" } }),
          (.conflict, { try await servers.a.create(Self.webhook("wh_1"), encryptedSecret: [2]) }),
          (.notFound, { _ = try await servers.a.update(id: "wh_missing", expectedVersion: nil, by: Self.author()) { $0.description = "none" } }),
          (.staleVersion, { try await servers.a.delete(id: "wh_1", expectedVersion: 1, by: Self.author()) }),
        ]
        for (code, refused) in refusals {
          let error = await #expect(throws: DomainError.self) { try await refused() }
          #expect(error?.code == code)
        }

        #expect(try await announces { try await servers.a.delete(id: "wh_1", expectedVersion: 2, by: Self.author(at: 3)) })
        // Notifications arrive in commit order: once the marker is heard, anything the refused writes sent would be too.
        let marker = PostgresListener.Event.notification(channel: PostgresChanges.channel, payload: "marker")
        try await servers.database.write { connection in try connection.notify(channel: PostgresChanges.channel, payload: "marker") }
        #expect(await events.first(within: .seconds(5)) { $0 == marker } != nil)
        let heard = events.events.filter { if case .notification = $0 { $0 != marker } else { false } }
        #expect(heard == [changed, changed, changed])
      }
    }
  }
}

@Suite("Webhook cache")
struct WebhookCacheTests {
  static let webhook = PostgresWebhookStoreTests.webhook("wh_1")

  @Test("a read that began before an invalidation does not cache what it read; one that began after does")
  func raceWithInvalidation() async {
    let cache = WebhookCache()
    // Another server's change is heard while the read is at the database.
    let raced = await cache.webhook(id: "wh_1") {
      cache.forget("wh_1")
      return Self.webhook
    }
    #expect(raced == Self.webhook)
    #expect(cache.lookup("wh_1").entry == nil)

    #expect(await cache.webhook(id: "wh_1") { Self.webhook } == Self.webhook)
    #expect(cache.lookup("wh_1").entry == .some(Self.webhook))
    #expect(await cache.webhook(id: "wh_1") { nil } == Self.webhook, "served from the cache")

    let (_, beforeUnknown) = cache.lookup("wh_2")
    cache.forgetAll()
    #expect(cache.lookup("wh_1").entry == nil)
    cache.remember("wh_2", Self.webhook, since: beforeUnknown)
    #expect(cache.lookup("wh_2").entry == nil)
  }

  @Test("off, nothing is cached or served, and reads begun before turning it on again cache nothing")
  func disabled() {
    let cache = WebhookCache()
    cache.remember("wh_1", Self.webhook, since: cache.generation)
    let beforeOff = cache.generation
    cache.setEnabled(false)
    #expect(cache.lookup("wh_1").entry == nil)
    cache.remember("wh_1", Self.webhook, since: cache.generation)
    #expect(cache.lookup("wh_1").entry == nil)
    let whileOff = cache.generation
    cache.setEnabled(true)
    cache.remember("wh_1", Self.webhook, since: whileOff)
    cache.remember("wh_1", Self.webhook, since: beforeOff)
    #expect(cache.lookup("wh_1").entry == nil)
    cache.remember("wh_1", Self.webhook, since: cache.generation)
    #expect(cache.lookup("wh_1").entry == .some(Self.webhook))
  }

  @Test("versions never go backwards and a deletion stays")
  func versionsOnlyAdvance() {
    let cache = WebhookCache()
    var newer = Self.webhook
    newer.version = 2
    cache.remember("wh_1", newer, since: cache.generation)
    cache.remember("wh_1", Self.webhook, since: cache.generation)
    #expect(cache.lookup("wh_1").entry == .some(newer))
    cache.remember("wh_1", nil, since: cache.generation)
    newer.version = 3
    cache.remember("wh_1", newer, since: cache.generation)
    #expect(cache.lookup("wh_1").entry == .some(nil))
  }
}
