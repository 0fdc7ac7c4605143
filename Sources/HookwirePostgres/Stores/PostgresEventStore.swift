import HookwireDomain
import HookwireStore

/// How servers sharing one database share its due deliveries.
package struct DeliveryLeases: Sendable, Equatable {
  /// This server's name in `leased_by`; unique among the servers on the database.
  package var node: String
  /// How long a claim holds a delivery before another server may take it.
  package var duration: Duration
  /// Attempts in flight at once to one webhook, across every server.
  package var perWebhookLimit: Int

  /// Leases with every field given.
  package init(node: String, duration: Duration, perWebhookLimit: Int) {
    self.node = node
    self.duration = duration
    self.perWebhookLimit = perWebhookLimit
  }
}

/// Events, deliveries and attempts in PostgreSQL (`PostgresSchema`),
/// following the `EventStore` rules; due deliveries are leased to one
/// server at a time (`DeliveryLeases`).
package final class PostgresEventStore: EventStore {
  let database: PostgresDatabase
  let leases: DeliveryLeases

  /// A store over `database`, which must be migrated to `PostgresSchema.migrations`.
  package init(database: PostgresDatabase, leases: DeliveryLeases) {
    self.database = database
    self.leases = leases
  }

  package func publish(_ events: [NewEvent], publisher: String, nowMs: Int64) async throws -> [PublishResult] { throw Self.unbuilt }
  package func dueDeliveries(nowMs: Int64, limit: Int, excluding: Set<String>) async throws -> [DueDelivery] { throw Self.unbuilt }
  package func nextDueMs() async throws -> Int64? { throw Self.unbuilt }
  package func record(_ attempt: DeliveryAttempt, status: DeliveryStatus, nextAttemptAtMs: Int64) async throws -> Int64? { throw Self.unbuilt }
  package func prune(before cutoffMs: Int64) async throws -> Int { throw Self.unbuilt }
  package func setOpenDeliveries(ofWebhook webhookID: String, to status: DeliveryStatus, nowMs: Int64) async throws -> Int { throw Self.unbuilt }
  package func deliveries(ofWebhook webhookID: String, filter: LogFilter, pageSize: Int, pageToken: String) async throws -> Page<Delivery> { throw Self.unbuilt }
  package func eventLog(webhookID: String, eventID: String) async throws -> (Delivery, Event, [DeliveryAttempt])? { throw Self.unbuilt }
  package func search(eventID: String, buIDs: Reach, pageSize: Int, pageToken: String) async throws -> Page<Delivery> { throw Self.unbuilt }
  package func redeliver(webhookID: String, eventID: String, nowMs: Int64) async throws -> Delivery { throw Self.unbuilt }
  package func recoverFailed(webhookID: String, sinceMs: Int64, nowMs: Int64) async throws -> Int { throw Self.unbuilt }

  static let unbuilt = StoreError(.internal, "PostgresEventStore is not built yet")
}
