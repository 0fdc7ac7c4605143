import HookwirePosix
import Foundation
import HookwireClient
import HookwireDomain
import HookwireServer
import HookwireStore
import HookwireTestSupport
import Testing

/// The authorization matrix of the Partners service, over a real server on
/// loopback TCP with a SQLite database in a temporary directory.
@Suite("Authorization", .serialized)
struct AuthorizationTests {
  typealias Deployment = TestDeployment

  enum Call: String, CaseIterable, Sendable {
    case whoAmI, search, getPartner, listBUs, listProgrammes
  }

  /// Europe = BU 1 (12345 channel; 20001 global, all; 20002 global, BUs 1–2),
  /// Americas = BU 2 (12346 channel), Asia Pacific = BU 3 (12347 channel).
  /// The calls ask about the other side: partner 12347 / BU 3 unless noted.
  static func run(_ call: Call, _ client: Partners.Client<RPCClient>, metadata: Metadata, target: UInt64, bu: UInt64) async -> StatusCode? {
    await code {
      switch call {
      case .whoAmI: _ = try await client.whoAmI(WhoAmIRequest(), metadata: metadata)
      case .search: _ = try await client.searchPartners(SearchPartnersRequest(query: "acme"), metadata: metadata)
      case .getPartner: _ = try await client.getPartner(GetPartnerRequest(partnerID: target), metadata: metadata)
      case .listBUs: _ = try await client.listBusinessUnits(ListBusinessUnitsRequest(), metadata: metadata)
      case .listProgrammes: _ = try await client.listProgrammes(ListProgrammesRequest(buID: bu), metadata: metadata)
      }
    }
  }

  static func metadata(_ key: String?, actAs: Int64?) -> Metadata {
    var metadata = Metadata()
    if let key { metadata.add("authorization", "Bearer \(key)") }
    if let actAs { metadata.add(Metadata.actAsKey, String(actAs)) }
    return metadata
  }

  @Test("every RPC against every kind of caller gets the status the rules give, plaintext and over TLS", arguments: [false, true])
  func matrix(overTLS: Bool) async throws {
    try await withTeardown { teardown in
      let fixture = overTLS ? try TLSFixture() : nil
      teardown.add { fixture?.directory.remove() }
      let deployment = try await Deployment(tls: fixture?.serverConfiguration(clients: .optional))
      teardown.add { await deployment.stop() }
      let client = try deployment.client(security: fixture?.clientSecurity() ?? .plaintext)
      teardown.add { await client.close() }
      if overTLS { #expect(deployment.server.servesTLS) }
      let partners = Partners.Client(wrapping: client)
      let everyCall = Call.allCases
      // (subject, key, act-as, target partner, target BU, expected per call)
      let rows: [(String, String?, Int64?, UInt64, UInt64, [Call: StatusCode])] = [
        ("no key", nil, nil, 12345, 1, Dictionary(uniqueKeysWithValues: everyCall.map { ($0, .unauthenticated) })),
        ("revoked key", deployment.revokedKey, nil, 12345, 1, Dictionary(uniqueKeysWithValues: everyCall.map { ($0, .unauthenticated) })),
        ("malformed key", "hwk_not_a_key", nil, 12345, 1, Dictionary(uniqueKeysWithValues: everyCall.map { ($0, .unauthenticated) })),
        ("channel partner on another BU", deployment.keys[12345], nil, 12346, 2,
         [.whoAmI: .ok, .search: .permissionDenied, .getPartner: .permissionDenied, .listBUs: .ok, .listProgrammes: .permissionDenied]),
        ("channel partner on its own BU", deployment.keys[12345], nil, 12345, 1,
         [.whoAmI: .ok, .search: .permissionDenied, .getPartner: .ok, .listBUs: .ok, .listProgrammes: .ok]),
        ("channel partner acting as another", deployment.keys[12345], 12346, 12346, 2,
         Dictionary(uniqueKeysWithValues: everyCall.map { ($0, .permissionDenied) })),
        ("global partner outside its reach", deployment.keys[20002], nil, 12347, 3,
         [.whoAmI: .ok, .search: .ok, .getPartner: .permissionDenied, .listBUs: .ok, .listProgrammes: .permissionDenied]),
        ("global partner within its reach", deployment.keys[20002], nil, 12346, 2,
         [.whoAmI: .ok, .search: .ok, .getPartner: .ok, .listBUs: .ok, .listProgrammes: .ok]),
        ("acting as beyond reach", deployment.keys[20002], 12347, 12347, 3,
         Dictionary(uniqueKeysWithValues: everyCall.map { ($0, .permissionDenied) })),
        ("acting as within reach, asking about the acted BU", deployment.keys[20002], 12346, 12346, 2,
         [.whoAmI: .ok, .search: .ok, .getPartner: .ok, .listBUs: .ok, .listProgrammes: .ok]),
        ("acting as within reach, asking about the caller's own BU", deployment.keys[20002], 12346, 12345, 1,
         [.whoAmI: .ok, .search: .ok, .getPartner: .permissionDenied, .listBUs: .ok, .listProgrammes: .permissionDenied]),
        ("acting as a partner that does not exist", deployment.keys[20001], 99999, 12345, 1,
         Dictionary(uniqueKeysWithValues: everyCall.map { ($0, .notFound) })),
        ("service key", deployment.serviceKey, nil, 12345, 1,
         [.whoAmI: .ok, .search: .permissionDenied, .getPartner: .permissionDenied, .listBUs: .permissionDenied, .listProgrammes: .permissionDenied]),
      ]
      for (subject, key, actAs, target, bu, expected) in rows {
        for call in everyCall {
          let status = await Self.run(call, partners, metadata: Self.metadata(key, actAs: actAs), target: target, bu: bu)
          #expect(status == expected[call], "\(subject) → \(call.rawValue): got \(status?.name ?? "no status")")
        }
      }
    }
  }

  @Test("reach shapes what is returned: business units, search results, the acting partner")
  func scopedResults() async throws {
    try await withTeardown { teardown in
      let deployment = try await Deployment()
      teardown.add { await deployment.stop() }
      let client = try RPCClient(host: "127.0.0.1", port: deployment.application.port)
      teardown.add { await client.close() }
      let partners = Partners.Client(wrapping: client)
      let initech = Self.metadata(deployment.keys[20002], actAs: nil)
      let units = try await partners.listBusinessUnits(ListBusinessUnitsRequest(), metadata: initech)
      #expect(units.businessUnits.map(\.id) == [1, 2])
      let channel = try await partners.listBusinessUnits(ListBusinessUnitsRequest(), metadata: Self.metadata(deployment.keys[12346], actAs: nil))
      #expect(channel.businessUnits.map(\.id) == [2])
      let sakura = try await partners.searchPartners(SearchPartnersRequest(query: "sakura"), metadata: initech)
      #expect(sakura.partners.isEmpty, "a partner outside the caller's reach was found")
      let everyone = try await partners.searchPartners(SearchPartnersRequest(query: "sakura"), metadata: Self.metadata(deployment.keys[20001], actAs: nil))
      #expect(everyone.partners.map(\.id) == [12347])
      let byID = try await partners.searchPartners(SearchPartnersRequest(query: "12346"), metadata: initech)
      #expect(byID.partners.map(\.name) == ["Northwind Loyalty"])
      let acting = try await partners.whoAmI(WhoAmIRequest(), metadata: Self.metadata(deployment.keys[20002], actAs: 12346))
      #expect(acting.caller?.id == 20002)
      #expect(acting.actingAs?.id == 12346)
      #expect(acting.currentBUID == 2)
      let programmes = try await partners.listProgrammes(ListProgrammesRequest(), metadata: Self.metadata(deployment.keys[20002], actAs: 12346))
      #expect(programmes.programmes.map(\.id) == ["prog_us_rewards"])
      let badActAs = await code { _ = try await partners.whoAmI(WhoAmIRequest(), metadata: ["authorization": .string("Bearer \(deployment.keys[20002]!)"), "hookwire-act-as": "abc"]) }
      #expect(badActAs == .invalidArgument)
    }
  }

  @Test("an authenticated key is remembered briefly; a revoked key stops working once that time has passed")
  func keyCache() async throws {
    try await withTeardown { teardown in
      let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hookwire-cache-\(UUID().uuidString)")
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      teardown.add { try? FileManager.default.removeItem(at: directory) }
      let database = try Database(path: directory.appendingPathComponent("hookwire.sqlite").path, migrations: DatabaseMigrations.migrations)
      teardown.add { database.close() }
      let store = SQLitePartnerStore(database: database)
      let bu = try await store.createBusinessUnit(name: "Europe").id
      _ = try await store.createPartner(id: 1, name: "Acme", kind: .channel, buID: bu, reach: .units([bu]))
      let key = try await store.createAPIKey(for: .partner(1))
      var configuration = RPCServer.Configuration()
      configuration.port = 0
      configuration.loops = 1
      let server = RPCServer(
        configuration: configuration, services: [PartnersService(store: store)],
        interceptors: [AuthInterceptor(store: store, cacheTTL: .milliseconds(300))], log: ServerLog(enabled: false))
      let port = try server.start()
      teardown.add { await server.shutdown() }
      let client = try RPCClient(host: "127.0.0.1", port: port)
      teardown.add { await client.close() }
      let partners = Partners.Client(wrapping: client)
      let metadata: Metadata = ["authorization": .string("Bearer \(key.plaintext)")]
      #expect(try await partners.whoAmI(WhoAmIRequest(), metadata: metadata).caller?.id == 1)
      try await store.revokeAPIKey(prefix: key.prefix)
      let started = ContinuousClock.now
      var status: StatusCode? = .ok
      while status == .ok && ContinuousClock.now - started < .seconds(5) {
        status = await code { _ = try await partners.whoAmI(WhoAmIRequest(), metadata: metadata) }
        if status == .ok { try await Task.sleep(for: .milliseconds(20)) }
      }
      #expect(status == .unauthenticated)
      #expect(ContinuousClock.now - started < .seconds(2), "the revoked key kept working past its cache time")
    }
  }
  @Test("with servers sharing a database, another server's revocation clears the key cache at once, and nothing is served from it while the feed is not live")
  func keyCacheHearsOtherServers() async throws {
    try await withTeardown { teardown in
      let store = InMemoryPartnerStore()
      let bu = try await store.createBusinessUnit(name: "Europe").id
      _ = try await store.createPartner(id: 1, name: "Acme", kind: .channel, buID: bu, reach: .units([bu]))
      let first = try await store.createAPIKey(for: .partner(1))
      let second = try await store.createAPIKey(for: .partner(1))
      let feed = ScriptedChangeFeed()
      var configuration = RPCServer.Configuration()
      configuration.port = 0
      configuration.loops = 1
      let server = RPCServer(
        configuration: configuration, services: [PartnersService(store: store)],
        interceptors: [AuthInterceptor(store: store, cacheTTL: .seconds(3_600), changes: feed)], log: ServerLog(enabled: false))
      let port = try server.start()
      teardown.add { await server.shutdown() }
      let client = try RPCClient(host: "127.0.0.1", port: port)
      teardown.add { await client.close() }
      let partners = Partners.Client(wrapping: client)
      func status(_ key: NewAPIKey) async -> StatusCode? {
        await code { _ = try await partners.whoAmI(WhoAmIRequest(), metadata: ["authorization": .string("Bearer \(key.plaintext)")]) }
      }
      #expect(await status(first) == .ok)
      #expect(await status(second) == .ok)
      // Revoked elsewhere: this server's cache (an hour) still serves both until it hears of it.
      try await store.revokeAPIKey(prefix: first.prefix)
      try await store.revokeAPIKey(prefix: second.prefix)
      #expect(await status(first) == .ok)
      feed.publish(.apiKeyRevoked(prefix: first.prefix))
      #expect(await status(first) == .unauthenticated)
      #expect(await status(second) == .ok, "only the revoked key's entry is forgotten")
      // A feed that is not live may miss changes: the cache is not used.
      feed.live = false
      #expect(await status(second) == .unauthenticated)
    }
  }
}

/// A change feed a test drives by hand.
final class ScriptedChangeFeed: StoreChangeFeed, @unchecked Sendable {
  // Unchecked: every field is behind `lock`.
  private let lock = NSLock()
  private var observers: [Int: @Sendable (StoreChange) -> Void] = [:]
  private var isLiveNow = true

  var live: Bool {
    get { lock.withLock { isLiveNow } }
    set { lock.withLock { isLiveNow = newValue } }
  }

  var isLive: Bool { live }

  func addObserver(_ observer: @escaping @Sendable (StoreChange) -> Void) -> Int {
    lock.withLock {
      observers[observers.count] = observer
      return observers.count - 1
    }
  }

  func removeObserver(_ id: Int) { _ = lock.withLock { observers.removeValue(forKey: id) } }

  func publish(_ change: StoreChange) {
    for observer in lock.withLock({ Array(observers.values) }) { observer(change) }
  }
}

/// The audit RPC's rows of the matrix: each caller sees the audit events of
/// what it may see, and nothing else.
extension AuthorizationTests {
  /// What an audit event is about, as the matrix names it: `wh:<webhook id>` or `key:<partner id>`.
  static func subject(_ event: HookwireAPI.AuditEvent, keys: [String: Int64]) -> String {
    event.webhookID.isEmpty ? "key:\(keys[event.targetID] ?? 0)" : "wh:\(event.webhookID)"
  }

  @Test("Audit.ListAuditEvents against every kind of caller: the status the rules give and only the events of what the caller may see")
  func auditMatrix() async throws {
    try await withTeardown { teardown in
      let deployment = try await Deployment()
      teardown.add { await deployment.stop() }
      let client = try deployment.client()
      teardown.add { await client.close() }
      let webhooks = Webhooks.Client(wrapping: client)
      let audit = Audit.Client(wrapping: client)
      func create(_ partner: Int64, allBUs: Bool = false, actAs: Int64? = nil) async throws -> String {
        let request = CreateWebhookRequest(payloadURL: "https://example.com/hooks", generateSecret: true, events: ["reward.issued"], allBUs: allBUs)
        return try await webhooks.createWebhook(request, metadata: deployment.metadata(partner, actAs: actAs)).webhook?.id ?? ""
      }
      let europe = try await create(12345)
      let americas = try await create(12346)
      let asia = try await create(12347)
      let initechAll = try await create(20002, allBUs: true)
      let deletedEurope = try await create(20002, actAs: 12345)
      _ = try await webhooks.pauseWebhook(SetWebhookStateRequest(webhookID: americas), metadata: deployment.metadata(20002, actAs: 12346))
      _ = try await webhooks.deleteWebhook(DeleteWebhookRequest(webhookID: deletedEurope), metadata: deployment.metadata(12345))
      // Key events name the key by prefix: which partner's is it?
      var keyOwners: [String: Int64] = [:]
      for (partner, key) in deployment.keys { keyOwners[String(key.split(separator: "_")[1])] = partner }
      keyOwners[String(deployment.revokedKey.split(separator: "_")[1])] = 20001
      func seen(_ metadata: Metadata, _ request: ListAuditEventsRequest = ListAuditEventsRequest()) async -> (StatusCode?, Set<String>) {
        var subjects: Set<String> = []
        let status = await code {
          var request = request
          request.pageSize = 7
          for _ in 0..<50 {
            let page = try await audit.listAuditEvents(request, metadata: metadata)
            subjects.formUnion(page.events.map { Self.subject($0, keys: keyOwners) })
            request.pageToken = page.nextPageToken
            if request.pageToken.isEmpty { break }
          }
        }
        return (status, status == .ok ? subjects : [])
      }
      let euSeen: Set<String> = ["wh:\(europe)", "wh:\(deletedEurope)"]
      // (subject, key, act-as, request, expected status, expected subjects)
      let rows: [(String, String?, Int64?, ListAuditEventsRequest, StatusCode, Set<String>)] = [
        ("no key", nil, nil, ListAuditEventsRequest(), .unauthenticated, []),
        ("revoked key", deployment.revokedKey, nil, ListAuditEventsRequest(), .unauthenticated, []),
        ("service key", deployment.serviceKey, nil, ListAuditEventsRequest(), .permissionDenied, []),
        ("channel partner", deployment.keys[12345], nil, ListAuditEventsRequest(), .ok, euSeen.union(["key:12345"])),
        ("channel partner, its deleted webhook", deployment.keys[12345], nil, ListAuditEventsRequest(webhookID: deletedEurope), .ok, ["wh:\(deletedEurope)"]),
        ("channel partner, another BU's webhook", deployment.keys[12345], nil, ListAuditEventsRequest(webhookID: americas), .permissionDenied, []),
        ("channel partner, another BU's deleted webhook", deployment.keys[12346], nil, ListAuditEventsRequest(webhookID: deletedEurope), .ok, []),
        ("channel partner acting as another", deployment.keys[12345], 12346, ListAuditEventsRequest(), .permissionDenied, []),
        ("global partner, BUs 1–2", deployment.keys[20002], nil, ListAuditEventsRequest(), .ok,
         euSeen.union(["wh:\(americas)", "wh:\(initechAll)", "key:20002"])),
        ("global partner acting within reach", deployment.keys[20002], 12346, ListAuditEventsRequest(), .ok, ["wh:\(americas)", "key:12346"]),
        ("global partner acting beyond reach", deployment.keys[20002], 12347, ListAuditEventsRequest(), .permissionDenied, []),
        ("global partner, every BU", deployment.keys[20001], nil, ListAuditEventsRequest(), .ok,
         euSeen.union(["wh:\(americas)", "wh:\(asia)", "key:20001"])),
        ("global partner, every BU, one partner's dashboard", deployment.keys[20001], nil, ListAuditEventsRequest(partnerID: 12346), .ok, ["wh:\(americas)"]),
        ("acting as a partner that does not exist", deployment.keys[20001], 99999, ListAuditEventsRequest(), .notFound, []),
        ("a bad page token", deployment.keys[12345], nil, ListAuditEventsRequest(pageToken: "garbage"), .invalidArgument, []),
        ("since not before until", deployment.keys[12345], nil, ListAuditEventsRequest(sinceMs: 5, untilMs: 5), .invalidArgument, []),
      ]
      for (subject, key, actAs, request, status, subjects) in rows {
        let (got, shown) = await seen(Self.metadata(key, actAs: actAs), request)
        #expect(got == status, "\(subject): got \(got?.name ?? "no status")")
        #expect(shown == subjects, "\(subject): saw \(shown.sorted())")
      }
      let oversized = await code { _ = try await audit.listAuditEvents(ListAuditEventsRequest(pageSize: 101), metadata: deployment.metadata(12345)) }
      #expect(oversized == .invalidArgument)
    }
  }
}
