import HookwireDomain

/// How a webhook is laid out in a `webhooks` row, written once for every
/// SQL store (SQLite and PostgreSQL name the columns alike): the columns a
/// store selects, the values it inserts, and the webhook a row holds.
///
/// Events are stored as one text, comma-separated, in the webhook's order
/// (sorted, without duplicates: event types hold no comma).
package enum WebhookRow {
  /// Reads a cell of the current row by position (0-based), as each
  /// database's row type does.
  package protocol Cells {
    /// The cell as an integer.
    func int(_ column: Int) throws(StoreError) -> Int64
    /// The cell as text.
    func text(_ column: Int) throws(StoreError) -> String
    /// Whether the cell is NULL.
    func isNull(_ column: Int) -> Bool
    /// The cell as a flag (`all_bus`), however the database stores one.
    func flag(_ column: Int) throws(StoreError) -> Bool
  }

  /// A value bound to a statement parameter, as each database's value type is.
  package protocol Value {
    /// SQL NULL.
    static var null: Self { get }
    /// An integer.
    static func integer(_ value: Int64) -> Self
    /// Text.
    static func text(_ value: String) -> Self
    /// A flag, however the database stores one.
    static func flag(_ value: Bool) -> Self
  }

  /// Every column of a webhook but its secret, in the order `values` and `webhook(_:)` use.
  package static let columns = """
    id, kind, partner_id, bu_id, all_bus, programme_id, payload_url, events, secret_hint, state, disabled_reason,
    version, description, created_by_partner, created_by_caller, created_by_key, created_at_ms,
    updated_by_partner, updated_by_caller, updated_by_key, updated_at_ms
    """

  /// `columns`, then when the webhook was deleted (NULL while it exists),
  /// in the order `loggedWebhook(_:)` reads.
  package static let loggedColumns = columns + ", deleted_at_ms"

  /// `events` as the `events` column stores them.
  package static func eventsText(_ events: [String]) -> String { events.joined(separator: ",") }

  /// The values of `webhook`'s `columns`, in order.
  package static func values<V: Value>(_ w: Webhook) -> [V] {
    [
      .text(w.id), .integer(w.kind.rawValue), .integer(w.partnerID), .integer(w.buID), .flag(w.allBUs),
      w.programmeID.map(V.text) ?? .null, .text(w.payloadURL), .text(eventsText(w.events)), .text(w.secretHint),
      .integer(w.state.rawValue), .text(w.disabledReason), .integer(w.version), .text(w.description),
      .integer(w.createdBy.partnerID), .integer(w.createdBy.callerPartnerID), .text(w.createdBy.keyPrefix), .integer(w.createdBy.atMs),
      .integer(w.updatedBy.partnerID), .integer(w.updatedBy.callerPartnerID), .text(w.updatedBy.keyPrefix), .integer(w.updatedBy.atMs),
    ]
  }

  /// The webhook in a row of `columns`.
  package static func webhook(_ row: some Cells) throws(StoreError) -> Webhook {
    try Webhook(
      id: row.text(0), kind: Webhook.Kind(storedCode: row.int(1)), partnerID: row.int(2), buID: row.int(3),
      allBUs: row.flag(4), programmeID: row.isNull(5) ? nil : row.text(5), payloadURL: row.text(6),
      events: row.text(7).split(separator: ",").map(String.init), secretHint: row.text(8), state: Webhook.State(storedCode: row.int(9)),
      disabledReason: row.text(10), version: row.int(11), description: row.text(12),
      createdBy: ChangeAuthor(partnerID: row.int(13), callerPartnerID: row.int(14), keyPrefix: row.text(15), atMs: row.int(16)),
      updatedBy: ChangeAuthor(partnerID: row.int(17), callerPartnerID: row.int(18), keyPrefix: row.text(19), atMs: row.int(20)))
  }

  /// The webhook, deleted or not, in a row of `loggedColumns`.
  package static func loggedWebhook(_ row: some Cells) throws(StoreError) -> LoggedWebhook {
    let deletedAt = 21
    return LoggedWebhook(webhook: try webhook(row), deletedAtMs: row.isNull(deletedAt) ? nil : try row.int(deletedAt))
  }
}

extension Statement: WebhookRow.Cells {
  /// The current row's `column` as an integer; 0 for NULL.
  package func int(_ column: Int) -> Int64 { int(Int32(column)) }
  /// The current row's `column` as text; empty for NULL.
  package func text(_ column: Int) -> String { text(Int32(column)) }
  /// Whether the current row's `column` is NULL.
  package func isNull(_ column: Int) -> Bool { isNull(Int32(column)) }
  /// The current row's `column` as a flag: SQLite stores one as 1 or 0.
  package func flag(_ column: Int) -> Bool { int(Int32(column)) == 1 }
}

extension SQLValue: WebhookRow.Value {
  /// A flag as SQLite stores one: 1 or 0.
  package static func flag(_ value: Bool) -> SQLValue { .integer(value ? 1 : 0) }
}
