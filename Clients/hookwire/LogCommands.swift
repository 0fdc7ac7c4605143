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
      group: "logs", verb: "search", summary: "find an event by id across every webhook within reach", positionals: [.eventID],
      flags: FlagSpec.paging, run: search),
    CommandSpec(
      group: "logs", verb: "tail", summary: "print delivery attempts as they happen (^C to stop)",
      positionals: [PositionalSpec(name: "webhook-id", missing: "a webhook id", optional: true)],
      details: "Without a webhook id, every webhook of the current business unit. Each line says when, which\nwebhook, the attempt, its result and where the delivery stands (the next attempt, if any).",
      run: tail),
    CommandSpec(
      group: "logs", verb: "redeliver", summary: "attempt one event's delivery again now", positionals: [.webhookID, .eventID],
      details: "A paused or disabled webhook holds the redelivery until it is resumed; the command says so.", run: redeliver),
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

  /// Prints entries as a list, with the `more:` line.
  static func printEntries(_ entries: [EventLogEntry], next: String, _ invocation: Invocation) {
    var table = Table(columns: LogView.entryColumns)
    for entry in entries { table.append(LogView.entryRow(entry)) }
    invocation.list(entries, next: next, json: LogView.entryJSON, table: table, empty: "no events")
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
    output.line("payload: \(response.event?.payloadJSON ?? "")")
    var attempts = Table(columns: LogView.attemptColumns)
    for attempt in response.attempts { attempts.append(LogView.attemptRow(attempt)) }
    output.table(attempts, empty: "no attempts yet")
    return ExitStatus.success
  }

  /// Finds an event by id across the webhooks within reach.
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

  /// Why deliveries to `webhookID` are held, or nil when it is active (or
  /// cannot be read): the redelivery response does not say it for a
  /// disabled webhook, so the webhook is read after.
  static func heldReason(_ webhookID: String, _ rpc: RPCClient, _ invocation: Invocation) async -> String? {
    guard
      let webhook = try? await Webhooks.Client(wrapping: rpc).getWebhook(
        GetWebhookRequest(webhookID: webhookID), metadata: invocation.metadata, options: invocation.callOptions
      ).webhook
    else { return nil }
    switch webhook.state {
    case .paused: return "webhook \(webhook.id) is paused; it is delivered when the webhook is resumed ('hookwire webhooks resume \(webhook.id)')"
    case .disabled:
      let reason = webhook.disabledReason.isEmpty ? "" : " (\(webhook.disabledReason))"
      return "webhook \(webhook.id) is disabled\(reason); it is delivered when the webhook is resumed ('hookwire webhooks resume \(webhook.id)')"
    default: return nil
    }
  }

  /// Redelivers one event; says when the webhook holds it.
  static func redeliver(_ invocation: Invocation) async throws -> Int32 {
    let (webhookID, eventID) = (invocation.command.positional[0], invocation.command.positional[1])
    let (response, held) = try await invocation.options.withClient { rpc in
      let response = try await client(rpc).redeliver(RedeliverRequest(webhookID: webhookID, eventID: eventID), metadata: invocation.metadata, options: invocation.callOptions)
      return (response, await heldReason(webhookID, rpc, invocation))
    }
    guard let entry = response.entry else { return ExitStatus.success }
    let output = invocation.output
    let reason = held ?? (entry.status == .held ? "webhook \(webhookID) holds its deliveries until it is resumed" : nil)
    if invocation.json {
      output.json(.object(LogView.entryPairs(entry) + [("held", .bool(reason != nil)), ("held_reason", reason.map { .string($0) } ?? .null)]))
    } else {
      let row = LogView.entryRow(entry)
      output.line((reason == nil ? "scheduled" : "held") + (output.isTerminal ? "  " : "\t") + row.joined(separator: output.isTerminal ? "  " : "\t"))
    }
    if let reason { output.notice("held: \(reason)") }
    return ExitStatus.success
  }

  /// Schedules a webhook's failed deliveries again; says when the webhook holds them.
  static func recover(_ invocation: Invocation) async throws -> Int32 {
    let webhookID = invocation.command.positional[0]
    let since = invocation.command.instant("since") ?? 0
    let (response, held) = try await invocation.options.withClient { rpc in
      let response = try await client(rpc).recoverFailed(RecoverFailedRequest(webhookID: webhookID, sinceMs: since), metadata: invocation.metadata, options: invocation.callOptions)
      return (response, await heldReason(webhookID, rpc, invocation))
    }
    if invocation.json {
      invocation.output.json(.object([
        ("webhook_id", .string(webhookID)), ("since", .time(since)), ("scheduled", .number(Int64(response.scheduled))),
        ("held", .bool(held != nil)), ("held_reason", held.map { .string($0) } ?? .null),
      ]))
    } else {
      let window = TimeText.format(since).map { " since \($0)" } ?? ""
      invocation.output.line("scheduled \(response.scheduled) failed deliveries\(window)")
    }
    if let held, response.scheduled > 0 { invocation.output.notice("held: \(held)") }
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
          // Where the delivery stands now (and when it is tried next) is
          // the entry's, which the attempt does not carry.
          let entry = try? await client(rpc).getEventLog(
            GetEventLogRequest(webhookID: attempt.webhookID, eventID: attempt.eventID), metadata: invocation.metadata,
            options: invocation.callOptions
          ).entry
          if invocation.json {
            output.json(.object(LogView.attemptPairs(attempt) + [
              ("delivery_status", entry.map { .string($0.status.schemaName) } ?? .null),
              ("next_attempt_at", entry.map { $0.status == .retrying || $0.status == .pending ? .time($0.nextAttemptAtMs) : .null } ?? .null),
            ]))
          } else {
            let status = entry.map { $0.status.schemaName.lowercased() } ?? ""
            let next = entry.map { LogView.next($0) } ?? ""
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
