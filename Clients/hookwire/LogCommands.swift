import HookwireCommandLine
import Foundation
import HookwireClient

/// `events publish`, `logs …`, `verify`.
enum LogCommands {
  static let help = """
    usage: hookwire events publish --bu ID [--programme ID] --type T --data JSON [--event-id ID] [--idempotency-key K]
           hookwire logs list <webhook-id> [--status S] [--type T] [--since MS] [--until MS] [--page-size N] [--page-token T]
           hookwire logs get <webhook-id> <event-id>
           hookwire logs search <event-id> [--page-size N] [--page-token T]
           hookwire logs tail [<webhook-id>]
           hookwire logs redeliver <webhook-id> <event-id>
           hookwire logs recover <webhook-id> [--since MS]
           hookwire verify --secret whsec_… --id ID --timestamp T --signature SIG (--body-file PATH | --body TEXT) [--tolerance S]

    Publishing needs a service key (hookwire-server admin create-service-key).
    `verify` checks a saved delivery as a receiver would: signature and a
    timestamp within 5 minutes (--tolerance S to change).
    """

  /// Each `logs` command's value-taking flags and the ids it takes, in order
  /// (`tail`'s one is optional).
  static let logFlags: [String: (values: Set<String>, ids: [String])] = [
    "list": (["status", "type", "since", "until", "page-size", "page-token"], ["a webhook id"]),
    "get": ([], ["a webhook id", "an event id"]),
    "search": (["page-size", "page-token"], ["an event id"]),
    "tail": ([], ["a webhook id"]),
    "redeliver": ([], ["a webhook id", "an event id"]),
    "recover": (["since"], ["a webhook id"]),
  ]

  static func entryJSON(_ e: EventLogEntry) -> Output.JSON {
    .object([
      ("delivery_id", .string(e.deliveryID)), ("webhook_id", .string(e.webhookID)), ("event_id", .string(e.eventID)),
      ("event_type", .string(e.eventType)), ("status", .string(e.status.schemaName)), ("attempts", .number(Int64(e.attempts))),
      ("created_at_ms", .number(e.createdAtMs)), ("last_http_status", .number(Int64(e.lastHTTPStatus))), ("last_error", .string(e.lastError)),
    ])
  }

  static func entryLine(_ e: EventLogEntry) -> String {
    "\(e.eventID)\t\(e.eventType)\t\(e.status.schemaName.lowercased())\tattempts \(e.attempts)\tlast \(e.lastHTTPStatus == 0 ? "-" : String(e.lastHTTPStatus))\t\(e.lastError)"
  }

  static func attemptJSON(_ a: DeliveryAttempt) -> Output.JSON {
    .object([
      ("event_id", .string(a.eventID)), ("webhook_id", .string(a.webhookID)), ("attempt", .number(Int64(a.attemptNumber))),
      ("trigger", .string(a.trigger.schemaName)), ("attempted_at_ms", .number(a.attemptedAtMs)), ("http_status", .number(Int64(a.httpStatus))),
      ("latency_ms", .number(Int64(a.latencyMs))), ("succeeded", .bool(a.succeeded)), ("error", .string(a.error)),
      ("response_excerpt", .string(a.responseExcerpt)),
    ])
  }

  static func attemptLine(_ a: DeliveryAttempt) -> String {
    "#\(a.attemptNumber) \(a.trigger.schemaName.lowercased())\t\(a.httpStatus == 0 ? "-" : String(a.httpStatus))\t\(a.latencyMs) ms\t\(a.succeeded ? "ok" : a.error)\t\(a.eventID)"
  }

  static func publish(_ arguments: [String], _ options: GlobalOptions, _ output: Output) async throws -> Int32 {
    guard arguments.first == "publish" else { throw UsageError("events takes types or publish") }
    let parsed = try CommandArguments(
      Array(arguments.dropFirst()), command: "hookwire events publish", values: ["bu", "programme", "type", "data", "event-id", "idempotency-key"])
    guard let bu = try parsed.integer("bu", in: 1...UInt64.max) else { throw UsageError("'hookwire events publish' needs --bu") }
    let request = PublishEventRequest(
      buID: bu, programmeID: parsed.string("programme") ?? "", eventType: parsed.string("type") ?? "",
      payloadJSON: parsed.string("data") ?? "", eventID: parsed.string("event-id") ?? "", idempotencyKey: parsed.string("idempotency-key") ?? "")
    let metadata = options.metadata
    let callOptions = options.callOptions
    let response = try await options.withClient { try await Events.Client(wrapping: $0).publishEvent(request, metadata: metadata, options: callOptions) }
    if options.json {
      output.line(Output.JSON.object([
        ("event_id", .string(response.event?.id ?? "")), ("duplicate", .bool(response.duplicate)), ("deliveries", .number(Int64(response.deliveries))),
      ]).text)
    } else {
      output.line("\(response.event?.id ?? "")\t\(response.duplicate ? "duplicate" : "published")\t\(response.deliveries) deliveries")
    }
    return ExitStatus.success
  }

  static func logs(_ arguments: [String], _ options: GlobalOptions, _ output: Output) async throws -> Int32 {
    let metadata = options.metadata
    let callOptions = options.callOptions
    guard let subcommand = arguments.first, let accepted = logFlags[subcommand] else {
      throw UsageError("logs takes list, get, search, tail, redeliver or recover")
    }
    let parsed = try CommandArguments(
      Array(arguments.dropFirst()), command: "hookwire logs \(subcommand)", values: accepted.values, positional: 0...accepted.ids.count)
    guard parsed.positional.count == accepted.ids.count || subcommand == "tail" else {
      throw UsageError("'hookwire logs \(subcommand)' needs \(accepted.ids.joined(separator: " and "))")
    }
    let args = parsed.positional
    switch subcommand {
    case "list":
      var status = DeliveryStatus.unspecified
      let names = DeliveryStatus.knownCases.filter { $0 != .unspecified }.map { $0.schemaName.lowercased() }
      if let name = try parsed.choice("status", names) {
        status = DeliveryStatus.knownCases.first { $0.schemaName.lowercased() == name } ?? .unspecified
      }
      let request = ListEventLogsRequest(
        webhookID: args[0], pageSize: try parsed.integer("page-size", in: 0...UInt32.max) ?? 0, pageToken: parsed.string("page-token") ?? "",
        status: status, eventType: parsed.string("type") ?? "", sinceMs: try parsed.integer("since", in: 0...Int64.max) ?? 0,
        untilMs: try parsed.integer("until", in: 0...Int64.max) ?? 0)
      let response = try await options.withClient { try await EventLogs.Client(wrapping: $0).listEventLogs(request, metadata: metadata, options: callOptions) }
      printEntries(response.entries, next: response.nextPageToken, options, output)
    case "get":
      let response = try await options.withClient {
        try await EventLogs.Client(wrapping: $0).getEventLog(GetEventLogRequest(webhookID: args[0], eventID: args[1]), metadata: metadata, options: callOptions)
      }
      if options.json {
        output.line(Output.JSON.object([
          ("entry", response.entry.map(entryJSON) ?? .object([])), ("payload_json", .string(response.event?.payloadJSON ?? "")),
          ("attempts", .array(response.attempts.map(attemptJSON))),
        ]).text)
      } else {
        if let entry = response.entry { output.line(entryLine(entry)) }
        output.line("payload: \(response.event?.payloadJSON ?? "")")
        for attempt in response.attempts { output.line("  " + attemptLine(attempt)) }
      }
    case "search":
      let request = SearchEventLogsRequest(
        eventID: args[0], pageSize: try parsed.integer("page-size", in: 0...UInt32.max) ?? 0, pageToken: parsed.string("page-token") ?? "")
      let response = try await options.withClient {
        try await EventLogs.Client(wrapping: $0).searchEventLogs(request, metadata: metadata, options: callOptions)
      }
      printEntries(response.entries, next: response.nextPageToken, options, output)
    case "redeliver":
      let response = try await options.withClient {
        try await EventLogs.Client(wrapping: $0).redeliver(RedeliverRequest(webhookID: args[0], eventID: args[1]), metadata: metadata, options: callOptions)
      }
      if let entry = response.entry { output.line(options.json ? entryJSON(entry).text : "scheduled " + entryLine(entry)) }
    case "recover":
      let since = try parsed.integer("since", in: 0...Int64.max) ?? 0
      let response = try await options.withClient {
        try await EventLogs.Client(wrapping: $0).recoverFailed(RecoverFailedRequest(webhookID: args[0], sinceMs: since), metadata: metadata, options: callOptions)
      }
      output.line(options.json ? Output.JSON.object([("scheduled", .number(Int64(response.scheduled)))]).text : "scheduled \(response.scheduled) failed deliveries")
    case "tail":
      let webhookID = args.first ?? ""
      try await options.withClient { client in
        try await EventLogs.Client(wrapping: client).tailDeliveries(TailDeliveriesRequest(webhookID: webhookID), metadata: metadata) { stream in
          for try await attempt in stream {
            output.line(options.json ? attemptJSON(attempt).text : attemptLine(attempt))
            fflush(nil)
          }
        }
      }
    default:
      throw UsageError("logs takes list, get, search, tail, redeliver or recover")
    }
    return ExitStatus.success
  }

  static func printEntries(_ entries: [EventLogEntry], next: String, _ options: GlobalOptions, _ output: Output) {
    if options.json {
      output.line(Output.JSON.object([("entries", .array(entries.map(entryJSON))), ("next_page_token", .string(next))]).text)
      return
    }
    if entries.isEmpty { output.line("no events") }
    for entry in entries { output.line(entryLine(entry)) }
    if !next.isEmpty { output.line("more: --page-token \(next)") }
  }

  static func verify(_ arguments: [String], _ options: GlobalOptions, _ output: Output) throws -> Int32 {
    let parsed = try CommandArguments(
      arguments, command: "hookwire verify", values: ["secret", "id", "timestamp", "signature", "body-file", "body", "tolerance"])
    let tolerance = TimeInterval(try parsed.integer("tolerance", in: 0...31_536_000) ?? 300)
    guard (parsed.string("body-file") == nil) != (parsed.string("body") == nil) else {
      throw UsageError("'hookwire verify' needs one of --body-file or --body")
    }
    let body: [UInt8]
    if let path = parsed.string("body-file") {
      guard let data = FileManager.default.contents(atPath: path) else { throw UsageError("option '--body-file': cannot read '\(path)'") }
      body = [UInt8](data)
    } else {
      body = Array((parsed.string("body") ?? "").utf8)
    }
    do {
      try WebhookVerifier(secret: parsed.string("secret") ?? "", tolerance: tolerance).verify(
        id: parsed.string("id") ?? "", timestamp: parsed.string("timestamp") ?? "", signature: parsed.string("signature") ?? "", body: body)
      output.line(options.json ? Output.JSON.object([("valid", .bool(true))]).text : "valid")
      return ExitStatus.success
    } catch {
      let reason = switch error {
      case .malformedSecret: "the secret is not whsec_ + base64"
      case .missingHeader(let name): "\(name) is missing or malformed"
      case .timestampOutOfTolerance: "the timestamp is outside the tolerance (a replay, or clocks apart)"
      case .signatureMismatch: "no signature matches the body"
      }
      output.line(options.json ? Output.JSON.object([("valid", .bool(false)), ("reason", .string(reason))]).text : "invalid: \(reason)")
      return ExitStatus.failure
    }
  }
}
