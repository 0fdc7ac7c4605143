import HookwireDomain

/// Applies the webhook visibility rule (`AccessControl.canSee`) to many
/// deliveries or attempts of one call, reading each webhook once.
///
/// Used by one call's task only. A webhook's owner, business unit and
/// all-BU flag never change, so what was seen stays right for the call.
final class VisibleWebhooks {
  private let store: any WebhookStore
  private let scope: CallerScope
  private var known: [String: Webhook?] = [:]

  init(store: any WebhookStore, scope: CallerScope) {
    self.store = store
    self.scope = scope
  }

  /// Whether the caller may see `delivery` (its webhook and its business unit).
  func allows(_ delivery: Delivery) async throws -> Bool {
    guard let webhook = try await webhook(delivery.webhookID) else { return false }
    return AccessControl.canSee(delivery, of: webhook, in: scope)
  }

  /// Whether the caller may see the webhook `id` (false once it is deleted).
  func allows(webhookID id: String) async throws -> Bool {
    guard let webhook = try await webhook(id) else { return false }
    return AccessControl.canSee(webhook, in: scope)
  }

  private func webhook(_ id: String) async throws -> Webhook? {
    if let cached = known[id] { return cached }
    let found = try await store.webhook(id: id)
    // A long tail meets many webhooks; the cache is only an optimization.
    if known.count >= 4_096 { known.removeAll(keepingCapacity: true) }
    known[id] = found
    return found
  }
}
