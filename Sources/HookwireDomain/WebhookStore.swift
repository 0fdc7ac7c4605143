/// Webhooks and their encrypted secrets.
package protocol WebhookStore: Sendable {
  /// Stores a new webhook with its secret (already encrypted by the caller).
  func create(_ webhook: Webhook, encryptedSecret: [UInt8]) async throws
  /// A webhook that has not been deleted.
  func webhook(id: String) async throws -> Webhook?
  /// One section of a business unit's dashboard: global webhooks of `buID`
  /// plus the all-BU ones of `ownerIDs`, or programme webhooks of `buID`.
  func list(kind: Webhook.Kind, buID: Int64, allBUOwners: [Int64], pageSize: Int, pageToken: String) async throws -> Page<Webhook>
  /// Applies `change` to the webhook if it is at `expectedVersion` (when
  /// given), bumping the version; ABORTED on a mismatch.
  func update(id: String, expectedVersion: Int64?, by author: ChangeAuthor, _ change: @escaping @Sendable (inout Webhook) throws -> Void) async throws -> Webhook
  /// Deletes the webhook (it disappears from reads at once).
  func delete(id: String, expectedVersion: Int64?, by author: ChangeAuthor) async throws
  /// The encrypted secret of a webhook, for signing deliveries.
  func encryptedSecret(id: String) async throws -> [UInt8]?
}
