import HookwireClient

/// How a webhook is printed: every field in JSON, a table row, or a
/// labelled block for one webhook on a terminal.
enum WebhookView {
  /// The table's columns; the id first, so `cut -f1` gives ids.
  static let columns = ["ID", "KIND", "STATE", "SCOPE", "URL", "EVENTS", "VERSION", "UPDATED", "DISABLED REASON"]

  /// Every field of the message; times as RFC 3339.
  static func json(_ w: Webhook) -> Output.JSON {
    .object([
      ("id", .string(w.id)), ("kind", .string(w.kind.schemaName)), ("state", .string(w.state.schemaName)),
      ("disabled_reason", .optional(w.disabledReason)), ("partner_id", .number(Int64(w.partnerID))), ("bu_id", .number(Int64(w.buID))),
      ("all_bus", .bool(w.allBUs)), ("programme_id", .optional(w.programmeID)), ("payload_url", .string(w.payloadURL)),
      ("events", .array(w.events.map { .string($0) })), ("secret_hint", .string(w.secretHint)), ("description", .string(w.description)),
      ("version", .number(Int64(clamping: w.version))), ("created_at", .time(w.createdAtMs)), ("updated_at", .time(w.updatedAtMs)),
      ("created_by", author(w.createdBy)), ("updated_by", author(w.updatedBy)),
    ])
  }

  /// Who made a change, or null.
  static func author(_ author: ChangeAuthor?) -> Output.JSON {
    guard let author else { return .null }
    return .object([
      ("partner_id", .number(Int64(author.partnerID))), ("caller_partner_id", .number(Int64(author.callerPartnerID))),
      ("key_prefix", .string(author.keyPrefix)), ("at", .time(author.atMs)),
    ])
  }

  /// Where the webhook delivers from: a programme, every BU, or one.
  static func scope(_ w: Webhook) -> String {
    w.kind == .programme ? "programme \(w.programmeID)" : (w.allBUs ? "all BUs" : "bu \(w.buID)")
  }

  /// The webhook's cells, in `columns` order.
  static func row(_ w: Webhook) -> [String] {
    [
      w.id, w.kind.schemaName.lowercased(), w.state.schemaName.lowercased(), scope(w), w.payloadURL, w.events.joined(separator: ","),
      "v\(w.version)", TimeText.format(w.updatedAtMs) ?? "", w.disabledReason,
    ]
  }

  /// `partner 12345 (key hk_ab…)` with `as 20001` when acting.
  static func by(_ author: ChangeAuthor?) -> String {
    guard let author else { return "" }
    var text = (TimeText.format(author.atMs) ?? "-") + " by partner \(author.partnerID)"
    if author.callerPartnerID != 0 && author.callerPartnerID != author.partnerID { text += " (acting: partner \(author.callerPartnerID))" }
    if !author.keyPrefix.isEmpty { text += ", key \(author.keyPrefix)" }
    return text
  }

  /// One webhook: a labelled block on a terminal, a tab-separated row piped.
  static func show(_ w: Webhook, _ invocation: Invocation) {
    let output = invocation.output
    if invocation.json { return output.json(json(w)) }
    guard output.isTerminal else { return output.line(row(w).joined(separator: "\t")) }
    var state = w.state.schemaName.lowercased()
    if w.state == .disabled { state += w.disabledReason.isEmpty ? " (no reason recorded)" : " (\(w.disabledReason)); resume it to re-enable" }
    if w.state == .paused { state += " (deliveries are held until it is resumed)" }
    let rows: [(String, String)] = [
      ("id", w.id), ("kind", w.kind.schemaName.lowercased()), ("state", state), ("scope", scope(w)), ("url", w.payloadURL),
      ("events", w.events.joined(separator: ",")), ("secret", w.secretHint), ("version", String(w.version)), ("created", by(w.createdBy)),
      ("updated", by(w.updatedBy)), ("description", w.description),
    ]
    for (label, value) in rows where !value.isEmpty {
      output.line(label + ":" + String(repeating: " ", count: 12 - label.count) + value)
    }
  }
}
