import Foundation
import HookwireDomain
import HookwireStore

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
  /// The options the stores were opened with.
  package let options: Options

  private init(database: PostgresDatabase, options: Options) {
    self.database = database
    self.options = options
    partners = PostgresPartnerStore(database: database)
    webhooks = PostgresWebhookStore(database: database)
    events = PostgresEventStore(
      database: database,
      leases: DeliveryLeases(node: options.node, duration: options.leaseDuration, perWebhookLimit: options.perWebhookLimit))
  }

  /// Connects, migrates (once across servers starting together) and
  /// starts listening for other servers' changes.
  ///
  /// - Throws: `StoreError`: `.unavailable` when the database cannot be
  ///   reached, `.schemaTooNew` for a database a newer build migrated.
  package static func open(url: PostgresURL, options: Options = Options()) async throws -> PostgresStores {
    let database = PostgresDatabase(url: url, writers: options.writers, readers: options.readers)
    do {
      _ = try await database.migrate(PostgresSchema.migrations)
    } catch {
      await database.close()
      throw error
    }
    return PostgresStores(database: database, options: options)
  }

  /// A node name unique enough among servers: the host name, the process
  /// id and a random suffix.
  package static func defaultNode() -> String {
    let host = ProcessInfo.processInfo.hostName.prefix(40)
    return "\(host)-\(ProcessInfo.processInfo.processIdentifier)-\(String(UInt32.random(in: 0...UInt32.max), radix: 36))"
  }

  /// Stops listening and closes the pool.
  package func close() async {
    await database.close()
  }
}
