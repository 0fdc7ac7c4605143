/// A webhook as its event log knows it: one that exists, or one that was
/// deleted. Deleting a webhook keeps its row as it was (owner, business
/// unit, all-BU flag, programme), so its log is read by the same access
/// rule as a live webhook's until retention removes the deliveries;
/// nothing new is delivered to it and it is listed nowhere.
package struct LoggedWebhook: Sendable, Equatable {
  /// The webhook as it was last stored.
  package var webhook: Webhook
  /// When it was deleted, in milliseconds since 1970 (UTC); nil while it exists.
  package var deletedAtMs: Int64?

  /// A logged webhook; `deletedAtMs` nil for one that exists.
  package init(webhook: Webhook, deletedAtMs: Int64?) {
    self.webhook = webhook
    self.deletedAtMs = deletedAtMs
  }

  /// Whether the webhook was deleted.
  package var isDeleted: Bool { deletedAtMs != nil }
}
