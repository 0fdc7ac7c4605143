import HookwireDomain
import HookwirePostgres
import HookwireStore
import HookwireTestSupport
import Testing

/// What the PostgreSQL partner store does beyond the shared contract: it
/// shares one database with other servers.
@Suite("PostgreSQL partner store", .enabled(if: PostgresTestServer.isAvailable))
struct PostgresPartnerStoreTests {
  /// Two stores, as two servers have them: each over a pool of its own on one migrated database.
  static func withTwoServers<T>(_ body: (PostgresPartnerStore, PostgresPartnerStore, PostgresDatabase, PostgresURL) async throws -> T) async throws -> T {
    try await withDatabase { database, url in
      _ = try await database.migrate(PostgresSchema.migrations)
      return try await withTeardown { teardown in
        let other = PostgresDatabase(url: url)
        teardown.add { await other.close() }
        return try await body(PostgresPartnerStore(database: database), PostgresPartnerStore(database: other), database, url)
      }
    }
  }

  /// Runs `count` creates at once, alternating between `stores`, and returns each one's outcome.
  static func concurrently<T: Sendable>(
    _ count: Int, over stores: [PostgresPartnerStore], _ create: @escaping @Sendable (PostgresPartnerStore, Int) async throws -> T
  ) async -> [Result<T, any Error>] {
    await withTaskGroup(of: Result<T, any Error>.self) { group in
      for index in 0..<count {
        let store = stores[index % stores.count]
        group.addTask {
          do { return .success(try await create(store, index)) } catch { return .failure(error) }
        }
      }
      return await group.reduce(into: []) { $0.append($1) }
    }
  }

  /// The failures among `outcomes` other than CONFLICT, for a failed expectation's message.
  static func otherFailures(_ outcomes: [Result<some Sendable, any Error>]) -> [String] {
    outcomes.compactMap { outcome in
      guard case .failure(let error) = outcome, (error as? DomainError)?.code != .conflict else { return nil }
      return "\(error)"
    }
  }

  /// How many of `outcomes` failed with CONFLICT.
  static func conflicts(_ outcomes: [Result<some Sendable, any Error>]) -> Int {
    outcomes.filter { if case .failure(let error as DomainError) = $0 { error.code == .conflict } else { false } }.count
  }

  @Test("two servers creating units, partners and programmes at once get the next free ids, each once; a given id taken by both is one success and CONFLICTs")
  func concurrentIDs() async throws {
    try await Self.withTwoServers { first, second, _, _ in
      let stores = [first, second]
      let units = try await Self.concurrently(40, over: stores) { store, index in
        try await store.createBusinessUnit(name: "Unit \(index)").id
      }.map { try $0.get() }
      #expect(units.sorted() == Array(1...40))
      let partners = try await Self.concurrently(40, over: stores) { store, index in
        try await store.createPartner(id: nil, name: "Partner \(index)", kind: .channel, buID: Int64(index % 40 + 1), reach: .all).id
      }.map { try $0.get() }
      #expect(partners.sorted() == Array(10_001...10_040))
      let programmes = try await Self.concurrently(20, over: stores) { store, index in
        try await store.createProgramme(buID: 1, name: "Programme \(index)", id: nil).id
      }.map { try $0.get() }
      #expect(Set(programmes) == Set((1...20).map { "prog_\($0)" }))
      let twins = await Self.concurrently(10, over: stores) { store, index in
        try await store.createPartner(id: 500, name: "Twin \(index)", kind: .channel, buID: 1, reach: .all).id
      }
      #expect(twins.filter { (try? $0.get()) == 500 }.count == 1)
      #expect(Self.conflicts(twins) == 9, "every other create of a taken id is CONFLICT: \(Self.otherFailures(twins))")
      #expect(try await first.allPartners().count == 41)
    }
  }

  @Test("a match registered by two servers at once is one identity; every other registration of it is CONFLICT")
  func concurrentIdentities() async throws {
    try await Self.withTwoServers { first, second, _, _ in
      // Ten matches, sixteen registrations of each, all at once: the writers of both servers race on every match.
      let matches = try (0..<10).map { try CertificateMatch.uri(validating: "spiffe://rewards/service-\($0)") }
      let outcomes = await Self.concurrently(160, over: [first, second]) { store, index in
        try await store.createServiceIdentity(service: "service \(index)", match: matches[index / 2 % matches.count]).id
      }
      #expect(outcomes.filter { (try? $0.get()) != nil }.count == 10)
      #expect(Self.conflicts(outcomes) == 150, "every other registration of an active match is CONFLICT: \(Self.otherFailures(outcomes))")
      let active = try await second.serviceIdentities().filter(\.isActive)
      #expect(Set(active.map(\.match)) == Set(matches) && active.count == 10)
    }
  }

  @Test("a revoked key and a revoked identity are announced on the change channel after the revocation; a refused revocation announces nothing")
  func revocationsAnnounced() async throws {
    try await Self.withTwoServers { store, _, _, url in
      try await withTeardown { teardown in
        let events = EventLog<PostgresListener.Event>()
        let listener = PostgresListener(url: url, channels: [PostgresChanges.channel], onEvent: events.append)
        teardown.add { await listener.close() }
        #expect(await events.first(within: .seconds(5)) { $0 == .listening } != nil)
        let key = try await store.createAPIKey(for: .service("billing"))
        try await store.revokeAPIKey(prefix: key.prefix)
        let announced = PostgresListener.Event.notification(channel: PostgresChanges.channel, payload: "key:\(key.prefix)")
        #expect(await events.first(within: .seconds(5)) { $0 == announced } != nil)
        #expect(try await store.authenticate(key: key.plaintext) == nil)

        await #expect(throws: DomainError.self) { try await store.revokeAPIKey(prefix: "zzzzzzzz") }
        await #expect(throws: DomainError.self) { _ = try await store.revokeServiceIdentity(.id(999)) }
        let identity = try await store.createServiceIdentity(service: "billing", match: try .subject(parsing: "CN=billing"))
        _ = try await store.revokeServiceIdentity(.match(identity.match))
        let revoked = PostgresListener.Event.notification(channel: PostgresChanges.channel, payload: "identity:\(identity.id)")
        // Notifications arrive in commit order: once the last is here, any from the refused revocations would be too.
        #expect(await events.first(within: .seconds(5)) { $0 == revoked } != nil)
        let notifications = events.events.filter { if case .notification = $0 { true } else { false } }
        #expect(notifications == [announced, revoked])
      }
    }
  }

  @Test("authentication records a key's last use at most once a minute, and authenticates even when that write fails")
  func lastUse() async throws {
    try await Self.withTwoServers { store, _, database, _ in
      let key = try await store.createAPIKey(for: .service("billing"))
      @Sendable func lastUsed() async throws -> Int64? {
        try await database.read { connection in
          try connection.query("SELECT last_used_at_ms FROM api_keys WHERE prefix = $1", .text(key.prefix))[0].optionalInt(0)
        }
      }
      @Sendable func setLastUsed(_ ms: Int64) async throws {
        try await database.write { connection in
          try connection.query("UPDATE api_keys SET last_used_at_ms = $1 WHERE prefix = $2", .integer(ms), .text(key.prefix))
        }
      }
      let principal = Principal.service(name: "billing", keyPrefix: key.prefix)
      #expect(try await lastUsed() == nil)
      #expect(try await store.authenticate(key: key.plaintext) == principal)
      let first = try #require(try await lastUsed())
      #expect(first > 0)

      let recent = first - 30_000
      try await setLastUsed(recent)
      #expect(try await store.authenticate(key: key.plaintext) == principal)
      #expect(try await lastUsed() == recent, "a use within the minute writes nothing")

      let old = first - 120_000
      try await setLastUsed(old)
      #expect(try await store.authenticate(key: key.plaintext) == principal)
      #expect(try await lastUsed().map { $0 >= first } == true, "an older last use is brought up to date")

      try await setLastUsed(old)
      try await database.write { connection in
        try connection.execute(
          """
          CREATE FUNCTION refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'refused'; END $$;
          CREATE TRIGGER refuse_update BEFORE UPDATE ON api_keys FOR EACH ROW EXECUTE FUNCTION refuse_update();
          """)
      }
      #expect(try await store.authenticate(key: key.plaintext) == principal, "a failed last-use write must not fail authentication")
      #expect(try await lastUsed() == old)
    }
  }

  @Test("text PostgreSQL cannot hold (a NUL) is INVALID in names, and finds nothing where it is looked up")
  func nulCharacters() async throws {
    try await Self.withTwoServers { store, _, _, _ in
      await #expect { _ = try await store.createBusinessUnit(name: "Eu\u{0}rope") } throws: { ($0 as? DomainError)?.code == .invalid }
      let unit = try await store.createBusinessUnit(name: "Europe")
      await #expect { _ = try await store.createProgramme(buID: unit.id, name: "Go\u{0}ld", id: nil) } throws: {
        ($0 as? DomainError)?.code == .invalid
      }
      await #expect { _ = try await store.createPartner(id: nil, name: "Ac\u{0}me", kind: .channel, buID: unit.id, reach: .all) } throws: {
        ($0 as? DomainError)?.code == .invalid
      }
      await #expect { _ = try await store.createAPIKey(for: .service("bill\u{0}ing")) } throws: { ($0 as? DomainError)?.code == .invalid }
      await #expect { try await store.revokeAPIKey(prefix: "abc\u{0}defg") } throws: { ($0 as? DomainError)?.code == .notFound }
      #expect(try await store.programme(id: "prog\u{0}") == nil)
      await #expect { _ = try await store.programmes(buID: unit.id, pageSize: 5, pageToken: Paging.token(after: "a\u{0}")) } throws: {
        ($0 as? DomainError)?.code == .invalid
      }
      _ = try await store.createServiceIdentity(service: "billing", match: try .uri(validating: "spiffe://rewards/billing"))
      let certificate = PresentedCertificate(subject: "", uris: ["spiffe://rewards/bill\u{0}ing", "spiffe://rewards/billing"])
      #expect(try await store.authenticate(certificate: certificate)?.authentication.label.hasPrefix("cert:") == true)
    }
  }
}
