import Foundation
import HookwireClient
import HookwireCrypto
import HookwireDomain
import HookwireServer
import HookwireStore

/// A running server with every dashboard service, the demo data and every
/// account's key, on loopback TCP with SQLite in a temporary directory.
final class TestDeployment: @unchecked Sendable {
  // Unchecked: set up once before the tests read it, then only read.
  let server: RPCServer
  let database: Database
  let directory: URL
  let databasePath: String
  var keys: [Int64: String] = [:]
  var revokedKey = ""
  var serviceKey = ""
  /// The delivery engine, when the deployment delivers.
  let engine: DeliveryEngine?

  /// How a deployment delivers: a fast schedule, loopback allowed unless told otherwise.
  struct Delivery {
    var schedule = HookwireDomain.RetrySchedule(delays: [.zero, .milliseconds(50), .milliseconds(100)], jitter: 0)
    var allowList = "127.0.0.0/8"
    var timeout: Duration = .seconds(5)
    var disableAfterFailing: Duration = .seconds(3_600)
  }

  init(allowHTTPTargets: Bool = false, delivery: Delivery? = nil, keyCacheTTL: Duration = .seconds(5)) async throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent("hookwire-deploy-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    databasePath = directory.appendingPathComponent("hookwire.sqlite").path
    database = try Database(path: databasePath, migrations: HookwireSchema.migrations)
    let store = SQLitePartnerStore(database: database)
    for account in try await DemoData.seedIfEmpty(store) { keys[account.partner.id] = account.key.plaintext }
    let revoked = try await store.createAPIKey(for: .partner(20001))
    try await store.revokeAPIKey(prefix: revoked.prefix)
    revokedKey = revoked.plaintext
    serviceKey = try await store.createAPIKey(for: .service("rewards-engine")).plaintext
    let webhooks = SQLiteWebhookStore(database: database)
    let events = SQLiteEventStore(database: database)
    let secrets = try SecretBox(key: Crypto.randomBytes(32))
    if let delivery {
      var engineConfiguration = DeliveryEngine.Configuration()
      engineConfiguration.schedule = delivery.schedule
      engineConfiguration.timeout = delivery.timeout
      engineConfiguration.pollInterval = .milliseconds(50)
      engineConfiguration.disableAfterFailing = delivery.disableAfterFailing
      engine = DeliveryEngine(
        events: events, webhooks: webhooks, secrets: secrets,
        targets: TargetGuard(allowed: TargetGuard.allowList(delivery.allowList) ?? []), configuration: engineConfiguration)
      engine?.start()
    } else {
      engine = nil
    }
    var configuration = RPCServer.Configuration()
    configuration.port = 0
    configuration.loops = 1
    server = try RPCServer(
      configuration: configuration,
      services: [
        PartnersService(store: store), HealthService(services: []), DiagnosticsService(),
        WebhooksService(
          webhooks: webhooks, partners: store, secrets: secrets, allowHTTPTargets: allowHTTPTargets || delivery != nil,
          events: events, engine: engine),
        IntegrationsService(webhooks: webhooks, partners: store, secrets: secrets, allowHTTPTargets: allowHTTPTargets || delivery != nil),
        EventsService(events: events, partners: store, engine: engine),
        EventLogsService(events: events, webhooks: webhooks, partners: store, secrets: secrets, engine: engine),
      ],
      interceptors: [AuthInterceptor(store: store, cacheTTL: keyCacheTTL)], log: ServerLog(enabled: false))
  }

  /// Metadata for the service key (publishing).
  var serviceMetadata: Metadata { ["authorization": .string("Bearer \(serviceKey)")] }

  /// Metadata for the account `partner`, optionally acting as another.
  func metadata(_ partner: Int64, actAs: Int64? = nil) -> Metadata {
    var metadata = Metadata()
    if let key = keys[partner] { metadata.add("authorization", "Bearer \(key)") }
    if let actAs { metadata.add(Metadata.actAsKey, String(actAs)) }
    return metadata
  }

  func client() throws -> RPCClient { try RPCClient(host: "127.0.0.1", port: server.port) }

  func stop() async {
    await engine?.stop()
    await server.shutdown()
    database.close()
    try? FileManager.default.removeItem(at: directory)
  }
}
