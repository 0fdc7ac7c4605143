/// Webhooks and their encrypted secrets.
///
/// Every implementation follows the same rules (the store contract suite
/// holds them to it):
/// - Ids are never reused. `create` with an id that exists, or existed and
///   was deleted, is CONFLICT (`DomainError.conflict`) and changes nothing:
///   the clash is the caller's to report (ALREADY_EXISTS), not a storage
///   failure, whichever store noticed it.
/// - `update` changes only what a change may change: the events, the state,
///   the disabled reason and the description. A change that alters any
///   other field (id, kind, owner, business unit, programme, payload URL,
///   secret hint, version, either author) is refused with PRECONDITION and
///   nothing is stored: those are fixed at creation or are the store's to
///   set, and a silent drop would tell the caller a change happened that
///   never did. The store then sets the next version and `author` as the
///   last change's (`Webhook.updated(by:_:)`, written once for every store).
package protocol WebhookStore: Sendable {
  /// Stores a new webhook with its secret (already encrypted by the caller);
  /// CONFLICT for an id taken now or before.
  func create(_ webhook: Webhook, encryptedSecret: [UInt8]) async throws
  /// A webhook that has not been deleted.
  func webhook(id: String) async throws -> Webhook?
  /// The webhook `id` whether or not it was deleted, with when it was:
  /// what reading its event log needs (a deleted webhook keeps its owner,
  /// unit and programme for the access rule). Never cached, never listed.
  func loggedWebhook(id: String) async throws -> LoggedWebhook?
  /// One section of a business unit's dashboard: global webhooks of `buID`
  /// plus the all-BU ones of `ownerIDs`, or programme webhooks of `buID`.
  func list(kind: Webhook.Kind, buID: Int64, allBUOwners: [Int64], pageSize: Int, pageToken: String) async throws -> Page<Webhook>
  /// Applies `change` to the webhook if it is at `expectedVersion` (when
  /// given), bumping the version; ABORTED on a mismatch, PRECONDITION for
  /// a change to a fixed field (see the type's rules).
  func update(id: String, expectedVersion: Int64?, by author: ChangeAuthor, _ change: @escaping @Sendable (inout Webhook) throws -> Void) async throws -> Webhook
  /// Deletes the webhook: it disappears from `webhook(id:)`, `list` and
  /// fan-out at once; `loggedWebhook(id:)` still finds it, and its sealed
  /// secret is erased (nothing is signed for it again).
  func delete(id: String, expectedVersion: Int64?, by author: ChangeAuthor) async throws
  /// The encrypted secret of a webhook, for signing deliveries.
  func encryptedSecret(id: String) async throws -> [UInt8]?
}

extension Webhook {
  /// This webhook after `change`, as every `WebhookStore.update` keeps it:
  /// the next version, `author` as the last change's. A change to anything
  /// but the events, state, disabled reason and description is refused
  /// (PRECONDITION), as is one that throws (its error).
  package func updated(by author: ChangeAuthor, _ change: (inout Webhook) throws -> Void) throws -> Webhook {
    var changed = self
    try change(&changed)
    var fixedPart = changed
    fixedPart.events = events
    fixedPart.state = state
    fixedPart.disabledReason = disabledReason
    fixedPart.description = description
    guard fixedPart == self else {
      throw DomainError(.precondition, "webhook \(id): only its events, state, disabled reason and description can change")
    }
    changed.version = version + 1
    changed.updatedBy = author
    return changed
  }
}
