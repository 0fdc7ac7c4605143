import HookwireClient
import HookwireCrypto
import HookwirePosix
import HookwireServer
import HookwireStore
import HookwireTestSupport

/// A real Hookwire server for the client's tests: the application
/// `hookwire-server` runs, on loopback TCP (port 0), in-memory stores
/// seeded with the demo data, no deliveries.
final class ClientTestServer: Sendable {
  /// The application serving.
  let application: HookwireApplication
  /// Each demo partner's API key, by partner id.
  let keys: [Int64: String]
  private let running: Task<Void, Never>

  /// The port the server listens on.
  var port: Int { application.port }

  /// Starts a server whose connections have `limits`.
  init(limits: ConnectionLimits = ConnectionLimits()) async throws {
    let partners = InMemoryPartnerStore()
    let webhooks = InMemoryWebhookStore()
    let stores = HookwireApplication.Stores(
      partners: partners, webhooks: webhooks, events: InMemoryEventStore(webhooks: webhooks, partners: partners),
      secrets: try SecretBox(key: Crypto.randomBytes(32)))
    var keys: [Int64: String] = [:]
    for account in try await DemoData.seedIfEmpty(partners) { keys[account.partner.id] = account.key.plaintext }
    self.keys = keys
    var configuration = HookwireApplication.Configuration()
    configuration.server.port = 0
    configuration.server.loops = 1
    configuration.server.limits = limits
    configuration.delivery = nil
    configuration.log = ServerLog(enabled: false)
    let application = try HookwireApplication(configuration: configuration, stores: stores)
    self.application = application
    running = Task { await application.run() }
  }

  /// The key of demo partner `partner` (12345 is Acme, a channel partner of business unit 1).
  func key(_ partner: Int64) -> String { keys[partner] ?? "" }

  /// Drains the server and waits until it has stopped.
  func stop() async {
    application.stop()
    await running.value
  }
}
