import HookwireDomain

/// Applies the webhook visibility rule (`AccessControl.canSee`) to many
/// deliveries or attempts of one call, reading each webhook once.
///
/// Used by one call's task only. A webhook's owner, business unit and
/// all-BU flag never change, so what was seen stays right for the call.
final class VisibleWebhooks {
  private let store: any WebhookStore
  private let scope: CallerScope
  private var known: [String: LoggedWebhook?] = [:]

  init(store: any WebhookStore, scope: CallerScope) {
    self.store = store
    self.scope = scope
  }

  /// Whether the caller may see `delivery` (its webhook, deleted or not,
  /// and its business unit).
  func allows(_ delivery: Delivery) async throws -> Bool { try await webhook(of: delivery) != nil }

  /// The webhook of `delivery`, deleted or not, when the caller may see the
  /// delivery; nil otherwise.
  func webhook(of delivery: Delivery) async throws -> LoggedWebhook? {
    guard let logged = try await webhook(delivery.webhookID), AccessControl.canSee(delivery, of: logged.webhook, in: scope) else {
      return nil
    }
    return logged
  }

  /// Whether the caller may see the webhook `id` (false once it is deleted).
  func allows(webhookID id: String) async throws -> Bool {
    guard let logged = try await webhook(id), !logged.isDeleted else { return false }
    return AccessControl.canSee(logged.webhook, in: scope)
  }

  private func webhook(_ id: String) async throws -> LoggedWebhook? {
    if let cached = known[id] { return cached }
    // A live webhook from the store's cache; only a deleted one is read for its kept row.
    let found: LoggedWebhook? =
      if let live = try await store.webhook(id: id) { LoggedWebhook(webhook: live, deletedAtMs: nil) } else { try await store.loggedWebhook(id: id) }
    // A long tail meets many webhooks; the cache is only an optimization.
    if known.count >= 4_096 { known.removeAll(keepingCapacity: true) }
    known[id] = found
    return found
  }
}
