import HookwireDomain
import HookwireStore

/// Webhooks and their sealed secrets in PostgreSQL (`PostgresSchema`),
/// following the `WebhookStore` rules.
package final class PostgresWebhookStore: WebhookStore {
  let database: PostgresDatabase

  /// A store over `database`, which must be migrated to `PostgresSchema.migrations`.
  package init(database: PostgresDatabase) {
    self.database = database
  }

  package func create(_ webhook: Webhook, encryptedSecret: [UInt8]) async throws { throw Self.unbuilt }
  package func webhook(id: String) async throws -> Webhook? { throw Self.unbuilt }
  package func list(kind: Webhook.Kind, buID: Int64, allBUOwners: [Int64], pageSize: Int, pageToken: String) async throws -> Page<Webhook> { throw Self.unbuilt }
  package func update(id: String, expectedVersion: Int64?, by author: ChangeAuthor, _ change: @escaping @Sendable (inout Webhook) throws -> Void) async throws -> Webhook { throw Self.unbuilt }
  package func delete(id: String, expectedVersion: Int64?, by author: ChangeAuthor) async throws { throw Self.unbuilt }
  package func encryptedSecret(id: String) async throws -> [UInt8]? { throw Self.unbuilt }

  static let unbuilt = StoreError(.internal, "PostgresWebhookStore is not built yet")
}
