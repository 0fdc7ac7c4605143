import HookwireCommandLine
import HookwireClient

/// `events types` and `events publish`.
enum EventCommands {
  /// The `events` group's commands.
  static let specs: [CommandSpec] = [
    CommandSpec(
      group: "events", verb: "types", summary: "list the event catalogue",
      flags: [FlagSpec(name: "scope", kind: .choice(["programme", "partner-only"]), placeholder: "SCOPE", help: "only types of this scope")],
      run: types),
    CommandSpec(
      group: "events", verb: "publish", summary: "publish an event to every webhook subscribed to its type",
      flags: [
        FlagSpec(name: "bu", kind: .integer(1...Int64.max), placeholder: "ID", help: "the business unit the event belongs to", required: true),
        FlagSpec(name: "programme", kind: .text, placeholder: "ID", help: "the programme, for programme events"),
        FlagSpec(name: "type", kind: .text, placeholder: "TYPE", help: "the event type, such as reward.issued", required: true),
        FlagSpec(
          name: "data", kind: .payload, placeholder: "JSON|@FILE|-", help: "the JSON payload, @FILE to read a file, - for standard input",
          required: true),
        FlagSpec(name: "event-id", kind: .text, placeholder: "ID", help: "the event's id (default: one the server makes)"),
        FlagSpec(name: "idempotency-key", kind: .text, placeholder: "KEY", help: "publishing again with this key returns the first event"),
      ],
      details: "Needs a service key (hookwire-server admin create-service-key). The payload may be up to 256 KiB;\n--data @FILE and --data - read it whole (an argument is limited to 128 KiB).",
      run: publish),
  ]

  /// Lists the event catalogue.
  static func types(_ invocation: Invocation) async throws -> Int32 {
    let scope: EventScope = switch invocation.command.text("scope") {
    case "programme": .programme
    case "partner-only": .partnerOnly
    default: .unspecified
    }
    let response = try await invocation.options.withClient {
      try await Webhooks.Client(wrapping: $0).listEventTypes(ListEventTypesRequest(scope: scope), metadata: invocation.metadata, options: invocation.callOptions)
    }
    var table = Table(columns: ["NAME", "SCOPE", "DESCRIPTION"])
    for type in response.eventTypes { table.append([type.name, type.scope == .partnerOnly ? "partner-only" : "programme", type.description]) }
    invocation.list(
      response.eventTypes, next: "",
      json: { .object([("name", .string($0.name)), ("scope", .string($0.scope.schemaName)), ("description", .string($0.description))]) },
      table: table, empty: "no event types")
    return ExitStatus.success
  }

  /// Publishes one event, the payload read as `--data` says.
  static func publish(_ invocation: Invocation) async throws -> Int32 {
    let parsed = invocation.command
    let payload = try Payload.read(parsed.text("data") ?? "", flag: "--data")
    let request = PublishEventRequest(
      buID: UInt64(parsed.integer("bu") ?? 0), programmeID: parsed.text("programme") ?? "", eventType: parsed.text("type") ?? "",
      payloadJSON: payload, eventID: parsed.text("event-id") ?? "", idempotencyKey: parsed.text("idempotency-key") ?? "")
    let response = try await invocation.options.withClient {
      try await Events.Client(wrapping: $0).publishEvent(request, metadata: invocation.metadata, options: invocation.callOptions)
    }
    let event = response.event
    if invocation.json {
      invocation.output.json(.object([
        ("event_id", .string(event?.id ?? "")), ("event_type", .string(event?.eventType ?? "")), ("bu_id", .number(Int64(event?.buID ?? 0))),
        ("programme_id", .optional(event?.programmeID ?? "")), ("published_at", .time(event?.publishedAtMs ?? 0)),
        ("idempotency_key", .optional(event?.idempotencyKey ?? "")), ("duplicate", .bool(response.duplicate)),
        ("deliveries", .number(Int64(response.deliveries))), ("payload_bytes", .number(Int64(payload.utf8.count))),
      ]))
    } else {
      invocation.output.line("\(event?.id ?? "")\t\(response.duplicate ? "duplicate" : "published")\t\(response.deliveries) deliveries")
    }
    return ExitStatus.success
  }
}
