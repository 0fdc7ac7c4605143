import HookwireCommandLine
import Foundation
import HookwireClient

/// `logs list|get|search|tail|redeliver|recover`.
enum LogCommands {
  /// The delivery statuses `--status` takes, lower case.
  static let statuses = DeliveryStatus.knownCases.filter { $0 != .unspecified }.map { $0.schemaName.lowercased() }

  /// The `logs` group's commands.
  static let specs: [CommandSpec] = [
    CommandSpec(
      group: "logs", verb: "list", summary: "list a webhook's event log, newest first", positionals: [.webhookID],
      flags: [
        FlagSpec(name: "status", kind: .choice(statuses), placeholder: "STATUS", help: "only deliveries in this status"),
        FlagSpec(name: "type", kind: .text, placeholder: "TYPE", help: "only events of this type"),
        FlagSpec(name: "since", kind: .instant, placeholder: "TIME", help: "events created since: a duration back (1h, 30m, 2d) or an RFC 3339 time"),
        FlagSpec(name: "until", kind: .instant, placeholder: "TIME", help: "events created before: a duration back or an RFC 3339 time"),
      ] + FlagSpec.paging,
      run: list),
    CommandSpec(
      group: "logs", verb: "get", summary: "show one event sent to a webhook: its payload and every attempt", positionals: [.webhookID, .eventID],
      run: get),
    CommandSpec(
      group: "logs", verb: "search", summary: "find an event, or one delivery, by id across every webhook within reach",
      positionals: [PositionalSpec(name: "id", missing: "an event id or a delivery id")],
      flags: FlagSpec.paging,
      details: "The id is an event's (the hookwire-event-id header) or a delivery's (dlv_…, the webhook-id header a\nreceiver got); deleted webhooks' deliveries are found until retention removes them.",
      run: search),
    CommandSpec(
      group: "logs", verb: "tail", summary: "print delivery attempts as they happen (^C to stop)",
      positionals: [PositionalSpec(name: "webhook-id", missing: "a webhook id", optional: true)],
      details: "Without a webhook id, every webhook of the current business unit. Each line says when, which\nwebhook, the attempt, its result and where the delivery stands (the next attempt, if any).",
      run: tail),
    CommandSpec(
      group: "logs", verb: "redeliver", summary: "attempt one event's delivery again now", positionals: [.webhookID, .eventID],
      details: "A paused or disabled webhook holds the redelivery until it is resumed; the command says so, and why,\nas the server answers.", run: redeliver),
    CommandSpec(
      group: "logs", verb: "recover", summary: "schedule again every failed delivery of a webhook", positionals: [.webhookID],
      flags: [FlagSpec(name: "since", kind: .instant, placeholder: "TIME", help: "only events created since: a duration back (1h, 2d) or an RFC 3339 time")],
      run: recover),
  ]

  /// The event logs client over `rpc`.
  static func client(_ rpc: RPCClient) -> EventLogs.Client<RPCClient> { EventLogs.Client(wrapping: rpc) }

  /// Lists a webhook's event log, page by page.
  static func list(_ invocation: Invocation) async throws -> Int32 {
    let parsed = invocation.command
    let status = DeliveryStatus.knownCases.first { $0.schemaName.lowercased() == parsed.text("status") } ?? .unspecified
    let (entries, next) = try await invocation.options.withClient { rpc in
      try await Pager.collect(from: parsed.text("page-token") ?? "", all: parsed.has("all")) { token in
        let request = ListEventLogsRequest(
          webhookID: parsed.positional[0], pageSize: parsed.pageSize, pageToken: token, status: status, eventType: parsed.text("type") ?? "",
          sinceMs: parsed.instant("since") ?? 0, untilMs: parsed.instant("until") ?? 0)
        let page = try await client(rpc).listEventLogs(request, metadata: invocation.metadata, options: invocation.callOptions)
        return (page.entries, page.nextPageToken)
      }
    }
    printEntries(entries, next: next, invocation)
    return ExitStatus.success
  }

  /// Prints entries as a list, with the `more:` line, and says which of
  /// their webhooks were deleted.
  static func printEntries(_ entries: [EventLogEntry], next: String, _ invocation: Invocation) {
    var table = Table(columns: LogView.entryColumns)
    for entry in entries { table.append(LogView.entryRow(entry)) }
    invocation.list(entries, next: next, json: LogView.entryJSON, table: table, empty: "no events")
    if !invocation.json { noteDeleted(entries, invocation) }
  }

  /// One notice per deleted webhook among `entries` (JSON carries
  /// `webhook_deleted_at` instead), on standard error.
  static func noteDeleted(_ entries: [EventLogEntry], _ invocation: Invocation) {
    var said: Set<String> = []
    for entry in entries where entry.webhookDeletedAtMs != 0 && said.insert(entry.webhookID).inserted {
      invocation.output.notice(LogView.deletedNotice(entry))
    }
  }

  /// Shows one event log entry, its payload and its attempts.
  static func get(_ invocation: Invocation) async throws -> Int32 {
    let (webhookID, eventID) = (invocation.command.positional[0], invocation.command.positional[1])
    let response = try await invocation.options.withClient {
      try await client($0).getEventLog(GetEventLogRequest(webhookID: webhookID, eventID: eventID), metadata: invocation.metadata, options: invocation.callOptions)
    }
    let output = invocation.output
    if invocation.json {
      output.json(.object([
        ("entry", response.entry.map(LogView.entryJSON) ?? .null), ("payload_json", .string(response.event?.payloadJSON ?? "")),
        ("published_at", .time(response.event?.publishedAtMs ?? 0)), ("attempts", .array(response.attempts.map { .object(LogView.attemptPairs($0)) })),
      ]))
      return ExitStatus.success
    }
    var entry = Table(columns: LogView.entryColumns)
    if let value = response.entry { entry.append(LogView.entryRow(value)) }
    output.table(entry, empty: "no entry")
    noteDeleted(response.entry.map { [$0] } ?? [], invocation)
    output.line("payload: \(response.event?.payloadJSON ?? "")")
    var attempts = Table(columns: LogView.attemptColumns)
    for attempt in response.attempts { attempts.append(LogView.attemptRow(attempt)) }
    output.table(attempts, empty: "no attempts yet")
    return ExitStatus.success
  }

  /// Finds an event's deliveries, or one delivery, by id across the webhooks within reach.
  static func search(_ invocation: Invocation) async throws -> Int32 {
    let parsed = invocation.command
    let (entries, next) = try await invocation.options.withClient { rpc in
      try await Pager.collect(from: parsed.text("page-token") ?? "", all: parsed.has("all")) { token in
        let page = try await client(rpc).searchEventLogs(
          SearchEventLogsRequest(eventID: parsed.positional[0], pageSize: parsed.pageSize, pageToken: token), metadata: invocation.metadata,
          options: invocation.callOptions)
        return (page.entries, page.nextPageToken)
      }
    }
    printEntries(entries, next: next, invocation)
    return ExitStatus.success
  }

  /// What the command line adds to the server's reason for a hold: how to end it.
  static func resumeHint(_ webhookID: String) -> String { "; resume it with 'hookwire webhooks resume \(webhookID)'" }

  /// Redelivers one event; says when the webhook holds it, and why, as the server answers.
  static func redeliver(_ invocation: Invocation) async throws -> Int32 {
    let (webhookID, eventID) = (invocation.command.positional[0], invocation.command.positional[1])
    let response = try await invocation.options.withClient { rpc in
      try await client(rpc).redeliver(RedeliverRequest(webhookID: webhookID, eventID: eventID), metadata: invocation.metadata, options: invocation.callOptions)
    }
    guard let entry = response.entry else { return ExitStatus.success }
    let output = invocation.output
    let held = response.held || entry.status == .held
    let reason = response.heldReason.isEmpty ? "webhook \(webhookID) holds its deliveries until it is resumed" : response.heldReason
    if invocation.json {
      output.json(.object(LogView.entryPairs(entry) + [("held", .bool(held)), ("held_reason", held ? .string(reason) : .null)]))
    } else {
      let row = LogView.entryRow(entry)
      output.line((held ? "held" : "scheduled") + (output.isTerminal ? "  " : "\t") + row.joined(separator: output.isTerminal ? "  " : "\t"))
    }
    if held { output.notice("held: \(reason)\(resumeHint(webhookID))") }
    return ExitStatus.success
  }

  /// Schedules a webhook's failed deliveries again; says when the webhook holds them, and why, as the server answers.
  static func recover(_ invocation: Invocation) async throws -> Int32 {
    let webhookID = invocation.command.positional[0]
    let since = invocation.command.instant("since") ?? 0
    let response = try await invocation.options.withClient { rpc in
      try await client(rpc).recoverFailed(RecoverFailedRequest(webhookID: webhookID, sinceMs: since), metadata: invocation.metadata, options: invocation.callOptions)
    }
    if invocation.json {
      invocation.output.json(.object([
        ("webhook_id", .string(webhookID)), ("since", .time(since)), ("scheduled", .number(Int64(response.scheduled))),
        ("held", .bool(response.held)), ("held_reason", response.held ? .string(response.heldReason) : .null),
      ]))
    } else {
      let window = TimeText.format(since).map { " since \($0)" } ?? ""
      invocation.output.line("scheduled \(response.scheduled) failed deliveries\(window)")
    }
    if response.held, response.scheduled > 0 { invocation.output.notice("held: \(response.heldReason)\(resumeHint(webhookID))") }
    return ExitStatus.success
  }

  /// Prints attempts as they happen, with where each delivery stands.
  static func tail(_ invocation: Invocation) async throws -> Int32 {
    let webhookID = invocation.command.positional.first ?? ""
    let output = invocation.output
    let separator = output.isTerminal && !invocation.json ? "  " : "\t"
    // On standard error, so what is piped stays attempts only.
    output.notice("tailing deliveries of \(webhookID.isEmpty ? "every webhook of the business unit" : webhookID) (^C to stop)")
    try await invocation.options.withClient { rpc in
      try await client(rpc).tailDeliveries(TailDeliveriesRequest(webhookID: webhookID), metadata: invocation.metadata) { stream in
        for try await attempt in stream {
          // Each attempt says where its delivery stands (and when it is tried next): no other call per line.
          let known = attempt.deliveryStatus != .unspecified
          if invocation.json {
            output.json(.object(LogView.attemptPairs(attempt) + [
              ("delivery_status", known ? .string(attempt.deliveryStatus.schemaName) : .null),
              ("next_attempt_at", attempt.nextAttemptAtMs != 0 ? .time(attempt.nextAttemptAtMs) : .null),
            ]))
          } else {
            let status = known ? attempt.deliveryStatus.schemaName.lowercased() : ""
            let next = LogView.next(attempt)
            let row = LogView.attemptRow(attempt)
            let cells = row.dropLast() + [status, next.isEmpty ? "" : "next \(next)", row.last ?? ""]
            output.line(cells.map { $0.isEmpty && separator != "\t" ? "-" : $0 }.joined(separator: separator))
          }
          output.flush()
        }
      }
    }
    return ExitStatus.success
  }
}
