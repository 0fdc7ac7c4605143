import Foundation
import HookwireCrypto
import HookwireDomain
import HookwireStore
import Synchronization

/// Every Hookwire store over one PostgreSQL database, as one server uses
/// them: the pool, the migrated schema, the three stores, and one listener
/// that hears the other servers' writes (`PostgresChanges`) for this
/// server's caches and live tails.
package final class PostgresStores: Sendable {
  /// How this server takes part.
  package struct Options: Sendable {
    /// This server's name in delivery leases; unique among the servers on
    /// the database (`PostgresStores.defaultNode()` by default).
    package var node: String
    /// How long a claimed delivery stays this server's before another may take it.
    package var leaseDuration: Duration = .seconds(30)
    /// Attempts in flight at once to one webhook, across every server.
    package var perWebhookLimit = 4
    /// Writer connections (each a thread).
    package var writers = 2
    /// Reader connections (each a thread).
    package var readers = 4

    /// Options with `node`, or a fresh node name.
    package init(node: String = PostgresStores.defaultNode()) {
      self.node = node
    }
  }

  /// The pool every store works through.
  package let database: PostgresDatabase
  /// Business units, programmes, partners, keys and service identities.
  package let partners: PostgresPartnerStore
  /// Webhooks and their sealed secrets.
  package let webhooks: PostgresWebhookStore
  /// Events, deliveries and attempts.
  package let events: PostgresEventStore
  /// The audit trail, written by the other stores' changes.
  package let audit: PostgresAuditStore
  /// The options the stores were opened with.
  package let options: Options
  /// Other servers' writes, for this server's caches (`AuthInterceptor`'s).
  package let changes: PostgresChangeFeed
  /// Attempts other servers log, for this server's live tails.
  package let sharedAttempts: PostgresAttemptFeed
  private let listener = Mutex<PostgresListener?>(nil)

  private init(database: PostgresDatabase, options: Options) {
    self.database = database
    self.options = options
    partners = PostgresPartnerStore(database: database)
    webhooks = PostgresWebhookStore(database: database)
    audit = PostgresAuditStore(database: database)
    events = PostgresEventStore(
      database: database,
      leases: DeliveryLeases(node: options.node, duration: options.leaseDuration, perWebhookLimit: options.perWebhookLimit))
    changes = PostgresChangeFeed()
    sharedAttempts = PostgresAttemptFeed(node: options.node, events: events)
    webhooks.setCaching(false)
  }

  /// Starts the listener and waits (within the URL's connect timeout, 10 s
  /// at most) until it listens, so caches serve from the first call.
  /// Caches stay off until then either way.
  private func listen() async {
    let first = FirstEvent()
    let made = PostgresListener(url: database.url, channels: [PostgresChanges.channel]) { [weak self] event in
      self?.handle(event)
      first.happened()
    }
    listener.withLock { $0 = made }
    await first.wait(timeout: .seconds(min(10, database.url.connectTimeout ?? 10)))
  }

  /// What the listener heard, dispatched to the webhook cache, the change
  /// feed and the attempt feed.
  private func handle(_ event: PostgresListener.Event) {
    switch event {
    case .listening:
      webhooks.setCaching(true)
      changes.setLive(true)
    case .disconnected:
      changes.setLive(false)
      webhooks.setCaching(false)
      changes.publish(.unknown)
    case .reconnected:
      webhooks.apply(.unknown)
      changes.publish(.unknown)
      webhooks.setCaching(true)
      changes.setLive(true)
    case .notification(_, let payload):
      guard let change = PostgresChanges.parse(payload) else { return }
      switch change {
      case .store(let change):
        webhooks.apply(change)
        changes.publish(change)
      case .attempt(let node, let deliveryID, let number):
        sharedAttempts.logged(by: node, deliveryID: deliveryID, number: number)
      }
    }
  }

  /// Connects, migrates (once across servers starting together) and
  /// starts listening for other servers' changes; `metrics` counts the
  /// pool's transactions and reads.
  ///
  /// - Throws: `StoreError`: `.unavailable` when the database cannot be
  ///   reached, `.schemaTooNew` for a database a newer build migrated.
  package static func open(url: PostgresURL, options: Options = Options(), metrics: StoreMetrics? = nil) async throws -> PostgresStores {
    let database = PostgresDatabase(url: url, writers: options.writers, readers: options.readers, metrics: metrics)
    do {
      _ = try await database.migrate(PostgresSchema.migrations)
    } catch {
      await database.close()
      throw error
    }
    let stores = PostgresStores(database: database, options: options)
    await stores.listen()
    return stores
  }

  /// Checks that `secrets` is the box every other server on the database
  /// seals webhook secrets with: the first server to start records a
  /// sealed sample, and each one after must be able to open it. A server
  /// with another key would store secrets the others cannot open and
  /// sign nothing the others stored.
  ///
  /// - Throws: `StoreError(.constraint)` naming the problem for another key.
  package func verifySecretKey(_ secrets: SecretBox) async throws {
    let sample = Array("hookwire secret key check".utf8)
    let sealed = try secrets.seal(sample)
    let stored = try await database.write { connection in
      try connection.query(
        "INSERT INTO settings (name, value) VALUES ('secret_key_check', $1) ON CONFLICT (name) DO NOTHING", .bytes(sealed))
      return try connection.query("SELECT value FROM settings WHERE name = 'secret_key_check'")[0].bytes(0)
    }
    guard (try? secrets.open(stored)) == sample else {
      throw StoreError(
        .constraint,
        "the secret key file is not the one the other servers on this database use: every server on one database needs a copy of the same key file")
    }
  }

  /// A node name unique enough among servers: the host name, the process
  /// id and a random suffix.
  package static func defaultNode() -> String {
    let host = ProcessInfo.processInfo.hostName.prefix(40)
    return "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
  }

  /// Stops listening and closes the pool.
  package func close() async {
    if let listener = listener.withLock({ $0.take() }) { await listener.close() }
    await database.close()
  }
}
