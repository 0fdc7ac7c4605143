import HookwireDomain

/// Stored codes as they appear in SQL text. The numbers are named once, by
/// the domain's enums (`DeliveryStatus`, `Webhook.State`, `Webhook.Kind`,
/// `Partner.Kind`); every statement and every partial index spells them
/// through here, so no SQL literal carries a bare status number.
///
/// A partial index is used only by a query whose condition repeats the
/// index's own, so both are written with the same call (for instance
/// `SQLCode.list(DeliveryStatus.due)`, which reads `(1, 3)`).
package enum SQLCode {
  /// One delivery status, as an SQL integer literal.
  package static func of(_ status: DeliveryStatus) -> String { String(status.rawValue) }

  /// A parenthesised list for `IN`, in the order given.
  package static func list(_ statuses: [DeliveryStatus]) -> String {
    "(" + statuses.map { String($0.rawValue) }.joined(separator: ", ") + ")"
  }

  /// One webhook state, as an SQL integer literal.
  package static func of(_ state: Webhook.State) -> String { String(state.rawValue) }

  /// One webhook kind, as an SQL integer literal.
  package static func of(_ kind: Webhook.Kind) -> String { String(kind.rawValue) }
}

extension DeliveryStatus {
  /// The status stored as `code`; pending for a code no version wrote.
  package init(storedCode code: Int64) { self = DeliveryStatus(rawValue: code) ?? .pending }
}

extension Webhook.State {
  /// The state stored as `code`; active for a code no version wrote.
  package init(storedCode code: Int64) { self = Webhook.State(rawValue: code) ?? .active }
}

extension Webhook.Kind {
  /// The kind stored as `code`; programme for any code but global's (as before).
  package init(storedCode code: Int64) { self = Webhook.Kind(rawValue: code) ?? .programme }
}

extension Partner.Kind {
  /// The kind stored as `code`; global for any code but channel's (as before).
  package init(storedCode code: Int64) { self = Partner.Kind(rawValue: code) ?? .global }
}
