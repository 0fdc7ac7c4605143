import HookwireClient

/// `audit list`: the audit trail of webhooks and keys the caller may see.
enum AuditCommands {
  /// The `audit` group's commands.
  static let specs: [CommandSpec] = [
    CommandSpec(
      group: "audit", verb: "list", summary: "list changes to webhooks and keys, redeliveries and recoveries, newest first",
      flags: [
        FlagSpec(name: "webhook", kind: .text, placeholder: "ID", help: "only events about this webhook (deleted ones too)"),
        FlagSpec(name: "partner", kind: .integer(1...Int64.max), placeholder: "ID", help: "only changes made on this partner's dashboard"),
        FlagSpec(name: "since", kind: .instant, placeholder: "TIME", help: "changes made since: a duration back (1h, 30m, 2d) or an RFC 3339 time"),
        FlagSpec(name: "until", kind: .instant, placeholder: "TIME", help: "changes made before: a duration back or an RFC 3339 time"),
      ] + FlagSpec.paging,
      details: "Each line says when, on whose dashboard, who really made the change (a partner's key prefix, a\nservice, an operator or the system), what was done to what, and what changed (before → after).",
      run: list),
  ]

  /// A list's columns.
  static let columns = ["TIME", "PARTNER", "ACTOR", "ACTION", "TARGET", "CHANGE"]

  /// Lists audit events, page by page.
  static func list(_ invocation: Invocation) async throws -> Int32 {
    let parsed = invocation.command
    let (events, next) = try await invocation.options.withClient { rpc in
      try await Pager.collect(from: parsed.text("page-token") ?? "", all: parsed.has("all")) { token in
        let request = ListAuditEventsRequest(
          webhookID: parsed.text("webhook") ?? "", partnerID: UInt64(parsed.integer("partner") ?? 0), sinceMs: parsed.instant("since") ?? 0,
          untilMs: parsed.instant("until") ?? 0, pageSize: parsed.pageSize, pageToken: token)
        let page = try await Audit.Client(wrapping: rpc).listAuditEvents(request, metadata: invocation.metadata, options: invocation.callOptions)
        return (page.events, page.nextPageToken)
      }
    }
    var table = Table(columns: columns)
    for event in events { table.append(row(event)) }
    invocation.list(events, next: next, json: json, table: table, empty: "no audit events")
    return ExitStatus.success
  }

  /// Who made the change, in a few words: `key hwk_ab12 (partner 12345)`, `service billing (cert:1)`, `admin root`, `system`.
  static func actor(_ e: AuditEvent) -> String {
    switch e.actorKind {
    case .actorPartner: "\(e.actorCredential) (partner \(e.actorPartnerID))"
    case .actorService: "service \(e.actorName) (\(e.actorCredential))"
    case .actorAdmin: "admin \(e.actorName)"
    case .actorSystem: "system"
    default: e.actorKind.schemaName.lowercased()
    }
  }

  /// The action's name as the domain spells it: `webhook.paused`,
  /// `service_identity.created` (the verb is the last word).
  static func action(_ e: AuditEvent) -> String {
    let name = e.action.schemaName.lowercased()
    guard let underscore = name.lastIndex(of: "_") else { return name }
    return name[..<underscore] + "." + name[name.index(after: underscore)...]
  }

  /// An event's cells, in `columns` order.
  static func row(_ e: AuditEvent) -> [String] {
    let target = e.eventID.isEmpty ? e.targetID : "\(e.webhookID) \(e.eventID)"
    let change = e.beforeJSON.isEmpty ? e.afterJSON : "\(e.beforeJSON) → \(e.afterJSON)"
    return [TimeText.format(e.atMs) ?? "", e.partnerID == 0 ? "" : String(e.partnerID), actor(e), action(e), target, change]
  }

  /// Every field of an event; the time as RFC 3339.
  static func json(_ e: AuditEvent) -> Output.JSON {
    .object([
      ("id", .string(e.id)), ("at", .time(e.atMs)), ("partner_id", .number(Int64(clamping: e.partnerID))),
      ("actor_kind", .string(e.actorKind.schemaName)), ("actor_partner_id", .number(Int64(clamping: e.actorPartnerID))),
      ("actor_credential", .string(e.actorCredential)), ("actor_name", .string(e.actorName)), ("action", .string(e.action.schemaName)),
      ("webhook_id", .string(e.webhookID)), ("target_id", .string(e.targetID)), ("event_id", .string(e.eventID)),
      ("before_json", .string(e.beforeJSON)), ("after_json", .string(e.afterJSON)),
    ])
  }
}
