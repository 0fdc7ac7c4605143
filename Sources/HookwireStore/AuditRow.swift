import HookwireCrypto
import HookwireDomain
import Synchronization

/// Audit event ids that sort in time order (fixed-width base-36 time and
/// sequence, then randomness), so newest first is by id alone.
package enum AuditIDs {
  private static let sequence = Atomic<UInt64>(UInt64.random(in: 0..<1_000_000))

  /// A new id for an event made at `atMs`.
  package static func next(atMs: Int64) -> String {
    let count = sequence.add(1, ordering: .relaxed).newValue % 78_364_164_096  // 36^7
    return "aud_" + DeliveryIDs.padded(UInt64(max(0, atMs)), 9) + DeliveryIDs.padded(count, 7) + Crypto.randomToken(10)
  }
}

/// How an audit event is laid out in an `audit_events` row, and the one
/// listing query, written once for every SQL store (SQLite and PostgreSQL
/// name the columns alike and differ only in their placeholders).
package enum AuditRow {
  /// Every column, in the order `values` and `event(_:)` use.
  package static let columns = """
    id, at_ms, partner_id, actor_kind, actor_partner_id, actor_credential, actor_name, action, webhook_id, target_id,
    event_id, before_json, after_json, owner_partner_id, bu_id, all_bus, delivery_bu_id
    """

  /// `event` with its id assigned, ready to insert.
  package static func identified(_ event: AuditEvent) -> AuditEvent {
    var event = event
    if event.id.isEmpty { event.id = AuditIDs.next(atMs: event.atMs) }
    return event
  }

  /// The values of `event`'s `columns`, in order.
  package static func values<V: WebhookRow.Value>(_ e: AuditEvent) -> [V] {
    [
      .text(e.id), .integer(e.atMs), .integer(e.partnerID), .integer(e.actor.kind.rawValue), .integer(e.actor.partnerID),
      .text(e.actor.credential), .text(e.actor.name), .integer(e.action.rawValue), .text(e.webhookID), .text(e.targetID),
      .text(e.eventID), .text(e.before), .text(e.after), .integer(e.ownerPartnerID), .integer(e.buID), .flag(e.allBUs),
      e.deliveryBUID.map(V.integer) ?? .null,
    ]
  }

  /// The event in a row of `columns`; nil for an action this build does not know (a newer server's).
  package static func event(_ row: some WebhookRow.Cells) throws(StoreError) -> AuditEvent? {
    guard let action = AuditAction(rawValue: try row.int(7)) else { return nil }
    return try AuditEvent(
      id: row.text(0), atMs: row.int(1), partnerID: row.int(2),
      actor: AuditActor(storedKind: row.int(3), partnerID: row.int(4), credential: row.text(5), name: row.text(6)), action: action,
      webhookID: row.text(8), targetID: row.text(9), eventID: row.text(10), before: row.text(11), after: row.text(12),
      ownerPartnerID: row.int(13), buID: row.int(14), allBUs: row.flag(15), deliveryBUID: row.isNull(16) ? nil : row.int(16))
  }

  /// The most business units a listing walks one index branch each for;
  /// a wider reach walks the primary key.
  package static let maxMergedUnits = 8

  /// The smallest id of an event made at `atMs` or later: ids begin with
  /// their fixed-width time, so a time bound is an id bound, and a range of
  /// time is a range of the primary key (`at_ms` itself needs no index).
  package static func idBound(atMs: Int64) -> String { "aud_" + DeliveryIDs.padded(UInt64(max(0, atMs)), 9) }

  /// The query of one listing page: `filter`, after the id `after` (newest
  /// first), at most `limit` rows; `placeholder(n)` spells the nth parameter.
  ///
  /// Each branch walks an index newest first and stops after `limit` rows:
  /// a webhook's or a partner's events by their own index (then checked
  /// against the reach), otherwise one branch per business unit of the
  /// reach (up to `maxMergedUnits`) and one for the owner's events
  /// elsewhere, merged. So a caller whose units hold few events among many
  /// never scans the others'.
  package static func listQuery<V: WebhookRow.Value>(
    _ filter: AuditFilter, after: String?, limit: Int, placeholder: (Int) -> String
  ) -> (sql: String, values: [V]) {
    var values: [V] = []
    func bind(_ value: V) -> String {
      values.append(value)
      return placeholder(values.count)
    }
    var common: [String] = []
    if let after { common.append("id < \(bind(.text(after)))") }
    if let sinceMs = filter.sinceMs { common.append("id >= \(bind(.text(idBound(atMs: sinceMs))))") }
    if let untilMs = filter.untilMs { common.append("id < \(bind(.text(idBound(atMs: untilMs))))") }
    if let webhookID = filter.webhookID { common.append("webhook_id = \(bind(.text(webhookID)))") }
    if let partnerID = filter.partnerID { common.append("partner_id = \(bind(.integer(partnerID)))") }
    let size = bind(.integer(Int64(limit)))
    func select(_ conditions: [String]) -> String {
      let whereClause = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
      return "SELECT \(columns) FROM audit_events\(whereClause) ORDER BY id DESC LIMIT \(size)"
    }
    guard let within = filter.within, case .units(let units) = within.units else { return (select(common), values) }
    let owner = bind(.integer(within.ownerID))
    let list = units.sorted().map { bind(.integer($0)) }
    // A wide reach holds most events: the primary key, newest first, finds a page soonest.
    if filter.webhookID != nil || filter.partnerID != nil || units.isEmpty || units.count > maxMergedUnits {
      // `+column` keeps the planner off the unit and owner indexes here (merging
      // them would read and sort every event of the reach): the walk goes by
      // the webhook's or partner's index, or by the primary key.
      let reach =
        list.isEmpty ? "owner_partner_id = \(owner)" : "(+bu_id IN (\(list.joined(separator: ", "))) OR +owner_partner_id = \(owner))"
      return (select(common + [reach]), values)
    }
    let branches = list.map { select(common + ["bu_id = \($0)"]) }
      + [select(common + ["owner_partner_id = \(owner)", "bu_id NOT IN (\(list.joined(separator: ", ")))"])]
    let union = branches.enumerated().map { "SELECT \(columns) FROM (\($0.element)) AS branch\($0.offset)" }.joined(separator: " UNION ALL ")
    return ("SELECT \(columns) FROM (\(union)) AS merged ORDER BY id DESC LIMIT \(size)", values)
  }

  /// The page of `rows` (ids and events, read with one more than `size`):
  /// the first `size`, and a token after the last when more follow. An
  /// event of an unknown action is left out, but the token moves past it.
  package static func page(_ rows: [(id: String, event: AuditEvent?)], size: Int) -> Page<AuditEvent> {
    let kept = rows.prefix(size)
    let token = rows.count > size ? kept.last.map { Paging.token(after: $0.id) } ?? "" : ""
    return Page(items: kept.compactMap(\.event), nextToken: token)
  }
}
