import Foundation

/// Why a webhook holds its deliveries, said once for every call that
/// answers with a held delivery (a redelivery, a recovery): a paused
/// webhook and a disabled one hold every delivery until they are resumed
/// (`FanOut.initialStatus`), and the answer says which, who or what made it
/// so, and since when.
package enum DeliveryHold {
  /// Why `webhook` holds deliveries, or nil when it is active: who paused
  /// it (its last change, as stored), or why Hookwire disabled it.
  package static func reason(_ webhook: Webhook) -> String? {
    let since = time(webhook.updatedBy.atMs)
    switch webhook.state {
    case .active:
      return nil
    case .paused:
      return "webhook \(webhook.id) is paused (last changed by \(describe(webhook.updatedBy)) at \(since)); "
        + "its deliveries are held until it is resumed"
    case .disabled:
      let why = webhook.disabledReason.isEmpty ? "" : " (\(webhook.disabledReason))"
      return "webhook \(webhook.id) is disabled\(why) since \(since); its deliveries are held until it is resumed"
    }
  }

  /// Who made a change: the platform, a partner, or a partner acting as
  /// another, with the credential's label (a key prefix, never a key).
  package static func describe(_ author: ChangeAuthor) -> String {
    if author.callerPartnerID == 0 { return "Hookwire" }
    let partner =
      author.callerPartnerID == author.partnerID
      ? "partner \(author.partnerID)" : "partner \(author.callerPartnerID) acting as partner \(author.partnerID)"
    if author.keyPrefix.isEmpty { return partner }
    return author.keyPrefix.hasPrefix("cert:") ? "\(partner) with \(author.keyPrefix)" : "\(partner) with key \(author.keyPrefix)"
  }

  /// `ms` as an RFC 3339 time in UTC, to the second.
  static func time(_ ms: Int64) -> String {
    Date(timeIntervalSince1970: Double(ms) / 1_000).formatted(.iso8601)
  }
}
