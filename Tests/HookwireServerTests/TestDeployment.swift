import HookwireDelivery
import Foundation
import HookwireClient
import HookwireCrypto
import HookwireDomain
import HookwirePosix
import HookwireServer
import HookwireStore

/// A running Hookwire — the application `hookwire-server` runs — with the
/// demo data and every account's key, on loopback TCP with SQLite in a
/// temporary directory.
final class TestDeployment: @unchecked Sendable {
  // Unchecked: set up once before the tests read it, then only read.
  let application: HookwireApplication
  let database: Database
  let directory: URL
  let databasePath: String
  var keys: [Int64: String] = [:]
  var revokedKey = ""
  var serviceKey = ""
  private var running: Task<Void, Never>?

  /// The RPC server.
  var server: RPCServer { application.server }
  /// The delivery engine, when the deployment delivers.
  var engine: DeliveryEngine? { application.engine }

  /// How a deployment delivers: a fast schedule, loopback allowed unless told otherwise.
  struct Delivery {
    var schedule = HookwireDomain.RetrySchedule(delays: [.zero, .milliseconds(50), .milliseconds(100)], jitter: 0)
    var allowList = "127.0.0.0/8"
    var timeout: Duration = .seconds(5)
    var disableAfterFailing: Duration = .seconds(3_600)
    /// Answers host-name lookups instead of the system's resolver.
    var resolver: (any NameResolving)?
    /// Sends instead of the application's own HTTP client.
    var sender: (any HTTPSender)?
  }

  /// A deployment; with `tls` its port serves TLS only (then reach it
  /// with `client(security:)`); the server and the engine write to `log`
  /// (nowhere by default); `shutdownGrace` replaces the server's grace
  /// period for calls still running when it drains.
  init(
    allowHTTPTargets: Bool = false, delivery: Delivery? = nil, keyCacheTTL: Duration = .seconds(5), tls: TLSServerConfiguration? = nil,
    log: ServerLog = ServerLog(enabled: false), shutdownGrace: Duration? = nil
  ) async throws {
    directory = FileManager.default.temporaryDirectory.appendingPathComponent("hookwire-deploy-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    databasePath = directory.appendingPathComponent("hookwire.sqlite").path
    let database: Database
    do {
      database = try Database(path: databasePath, migrations: DatabaseMigrations.migrations)
    } catch {
      try? FileManager.default.removeItem(at: directory)
      throw error
    }
    self.database = database
    // Until the application runs a failure must undo the rest here: deinit
    // does not run for a deployment that was never made.
    do {
      let stores = HookwireApplication.Stores.sqlite(database, secrets: try SecretBox(key: Crypto.randomBytes(32)))
      let store = stores.partners
      for account in try await DemoData.seedIfEmpty(store) { keys[account.partner.id] = account.key.plaintext }
      let revoked = try await store.createAPIKey(for: .partner(20001))
      try await store.revokeAPIKey(prefix: revoked.prefix)
      revokedKey = revoked.plaintext
      serviceKey = try await store.createAPIKey(for: .service("rewards-engine")).plaintext
      var configuration = Self.configuration(allowHTTPTargets: allowHTTPTargets, delivery: delivery, keyCacheTTL: keyCacheTTL)
      configuration.server.tls = tls
      if let shutdownGrace { configuration.server.shutdownGrace = shutdownGrace }
      configuration.log = log
      application = try HookwireApplication(configuration: configuration, stores: stores, sender: delivery?.sender)
    } catch {
      database.close()
      try? FileManager.default.removeItem(at: directory)
      throw error
    }
    let application = application
    running = Task { await application.run() }
  }

  /// The application's configuration: one loop on a free port, no log (until the caller gives one).
  private static func configuration(allowHTTPTargets: Bool, delivery: Delivery?, keyCacheTTL: Duration) -> HookwireApplication.Configuration {
    var configuration = HookwireApplication.Configuration()
    configuration.server.port = 0
    configuration.server.loops = 1
    configuration.allowHTTPTargets = allowHTTPTargets || delivery != nil
    configuration.keyCacheTTL = keyCacheTTL
    configuration.log = ServerLog(enabled: false)
    if let delivery {
      var engine = DeliveryEngine.Configuration()
      engine.schedule = delivery.schedule
      engine.timeout = delivery.timeout
      engine.pollInterval = .milliseconds(50)
      engine.disableAfterFailing = delivery.disableAfterFailing
      configuration.delivery = engine
      configuration.allowedPrivateTargets = TargetGuard.allowList(delivery.allowList) ?? []
      if let resolver = delivery.resolver { configuration.resolver = resolver }
    } else {
      configuration.delivery = nil
    }
    return configuration
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

  func client() throws -> RPCClient { try RPCClient(host: "127.0.0.1", port: application.port) }

  /// A client reaching the deployment plaintext or over TLS.
  func client(security: TransportSecurity) throws -> RPCClient {
    var configuration = RPCClient.Configuration()
    configuration.security = security
    return try RPCClient(host: "127.0.0.1", port: application.port, configuration: configuration)
  }

  /// Drains the application (calls, then attempts in flight) and removes its data.
  func stop() async {
    stopped = true
    application.stop()
    await running?.value
    database.close()
    try? FileManager.default.removeItem(at: directory)
  }

  private var stopped = false

  deinit {
    // A test that threw before `stop()` must not leave its server serving
    // into the next test: drain it, then close and remove its data.
    guard !stopped else { return }
    application.stop()
    let (running, database, directory) = (running, database, directory)
    Task {
      await running?.value
      database.close()
      try? FileManager.default.removeItem(at: directory)
    }
  }
}
