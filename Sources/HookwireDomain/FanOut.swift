/// Which webhooks an event is delivered to, and in what status each
/// delivery starts. The SQLite store applies the same rule in one query
/// (`SQLiteEventStore.publishOne`); the in-memory store applies it here;
/// the store contract suite holds both to it.
package enum FanOut {
  /// Whether `webhook` receives `event`: it is subscribed to the type and
  /// it is a global webhook of the event's unit, an all-BU webhook whose
  /// owner reaches the unit (`ownerReach`, nil when the owner is unknown),
  /// or a programme webhook of the event's programme.
  package static func receives(_ webhook: Webhook, _ event: NewEvent, ownerReach: Reach?) -> Bool {
    guard webhook.events.contains(event.type) else { return false }
    switch webhook.kind {
    case .programme: return webhook.programmeID != nil && webhook.programmeID == event.programmeID
    case .global where !webhook.allBUs: return webhook.buID == event.buID
    case .global: return ownerReach?.contains(event.buID) ?? false
    }
  }

  /// A new delivery's status: pending for an active webhook, held while it
  /// is paused or disabled (released when it is resumed).
  package static func initialStatus(whenWebhookIs state: Webhook.State) -> DeliveryStatus {
    state == .active ? .pending : .held
  }
}
