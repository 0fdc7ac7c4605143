import HookwireClient

/// `webhooks …`, `events types`, `integrations create-webhook`.
enum WebhookCommands {
  static let help = """
    usage: hookwire webhooks list [--kind global|programme] [--page-size N]
           hookwire webhooks get <id>
           hookwire webhooks create --url URL (--secret S | --generate-secret) --events a,b [--all-bus] [--description D]
           hookwire webhooks update <id> (--events a,b | --add-events a,b | --remove-events a,b) [--expected-version V]
           hookwire webhooks pause|resume|delete <id> [--expected-version V]
           hookwire events types [--scope programme|partner-only]
           hookwire integrations create-webhook --programme ID --url URL (--secret S | --generate-secret) --events a,b

    The payload URL and secret are a webhook's access credentials: they are set
    at creation and cannot be changed. `create` prints the secret once.
    """

  /// Flags: `--name value`, or bare switches listed in `switches`.
  struct Arguments {
    var positional: [String] = []
    var flags: [String: String] = [:]

    init(_ arguments: [String], values: Set<String>, switches: Set<String> = []) throws {
      var index = 0
      while index < arguments.count {
        let argument = arguments[index]
        index += 1
        guard argument.hasPrefix("--") else {
          positional.append(argument)
          continue
        }
        let name = String(argument.dropFirst(2))
        if switches.contains(name) {
          flags[name] = "yes"
        } else if values.contains(name) {
          guard index < arguments.count else { throw UsageError("\(argument) needs a value") }
          flags[name] = arguments[index]
          index += 1
        } else if name == "url" || name == "secret" {
          throw UsageError("--\(name) cannot be changed: the payload URL and secret are the webhook's access credentials, set once at creation. Create a new webhook to use another.")
        } else {
          throw UsageError("unknown flag \(argument)")
        }
      }
    }

    func list(_ name: String) -> [String] {
      (flags[name] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func version() throws -> UInt64? {
      guard let text = flags["expected-version"] else { return nil }
      guard let value = UInt64(text) else { throw UsageError("--expected-version takes a number") }
      return value
    }

    func single(_ what: String) throws -> String {
      guard positional.count == 1 else { throw UsageError("\(what) needs one webhook id") }
      return positional[0]
    }
  }

  static func webhookJSON(_ w: Webhook) -> Output.JSON {
    .object([
      ("id", .string(w.id)), ("kind", .string(w.kind.schemaName)), ("state", .string(w.state.schemaName)),
      ("partner_id", .number(Int64(w.partnerID))), ("bu_id", .number(Int64(w.buID))), ("all_bus", .bool(w.allBUs)),
      ("programme_id", .string(w.programmeID)), ("payload_url", .string(w.payloadURL)),
      ("events", .array(w.events.map { .string($0) })), ("secret_hint", .string(w.secretHint)),
      ("version", .number(Int64(w.version))), ("description", .string(w.description)),
    ])
  }

  static func webhookLine(_ w: Webhook) -> String {
    let scope = w.kind == .programme ? "programme \(w.programmeID)" : (w.allBUs ? "all BUs" : "bu \(w.buID)")
    return "\(w.id)\t\(w.state.schemaName.lowercased())\t\(scope)\t\(w.payloadURL)\t\(w.events.joined(separator: ","))\tv\(w.version)"
  }

  static func show(_ webhook: Webhook?, _ options: GlobalOptions, _ output: Output) {
    guard let webhook else { return }
    output.line(options.json ? webhookJSON(webhook).text : webhookLine(webhook))
  }

  static func webhooks(_ arguments: [String], _ options: GlobalOptions, _ output: Output) async throws -> Int32 {
    let rest = Array(arguments.dropFirst())
    let metadata = options.metadata
    let callOptions = options.callOptions
    switch arguments.first {
    case "list":
      let parsed = try Arguments(rest, values: ["kind", "page-size", "global-page-token", "programme-page-token"])
      let kind: WebhookKind = switch parsed.flags["kind"] {
      case "global": .global
      case "programme": .programme
      case nil: .unspecified
      default: throw UsageError("--kind takes global or programme")
      }
      let request = ListWebhooksRequest(
        pageSize: UInt32(parsed.flags["page-size"] ?? "0") ?? 0, globalPageToken: parsed.flags["global-page-token"] ?? "",
        programmePageToken: parsed.flags["programme-page-token"] ?? "", kind: kind)
      let response = try await options.withClient { try await Webhooks.Client(wrapping: $0).listWebhooks(request, metadata: metadata, options: callOptions) }
      if options.json {
        output.line(Output.JSON.object([
          ("global_webhooks", .array(response.globalWebhooks.map(webhookJSON))),
          ("programme_webhooks", .array(response.programmeWebhooks.map(webhookJSON))),
          ("next_global_page_token", .string(response.nextGlobalPageToken)),
          ("next_programme_page_token", .string(response.nextProgrammePageToken)),
        ]).text)
      } else {
        output.line("Global webhooks:")
        if response.globalWebhooks.isEmpty { output.line("  (none)") }
        for webhook in response.globalWebhooks { output.line("  " + webhookLine(webhook)) }
        output.line("Linked programme webhooks:")
        if response.programmeWebhooks.isEmpty { output.line("  (none)") }
        for webhook in response.programmeWebhooks { output.line("  " + webhookLine(webhook)) }
      }
    case "get":
      let id = try Arguments(rest, values: []).single("webhooks get")
      let response = try await options.withClient { try await Webhooks.Client(wrapping: $0).getWebhook(GetWebhookRequest(webhookID: id), metadata: metadata, options: callOptions) }
      show(response.webhook, options, output)
    case "create":
      let parsed = try Arguments(rest, values: ["url", "secret", "events", "description"], switches: ["generate-secret", "all-bus"])
      let request = CreateWebhookRequest(
        payloadURL: parsed.flags["url"] ?? "", secret: parsed.flags["secret"] ?? "", generateSecret: parsed.flags["generate-secret"] != nil,
        events: parsed.list("events"), allBUs: parsed.flags["all-bus"] != nil, description: parsed.flags["description"] ?? "")
      let response = try await options.withClient { try await Webhooks.Client(wrapping: $0).createWebhook(request, metadata: metadata, options: callOptions) }
      printCreated(response, options, output)
    case "update":
      let parsed = try Arguments(rest, values: ["events", "add-events", "remove-events", "expected-version"])
      let request = UpdateWebhookEventsRequest(
        webhookID: try parsed.single("webhooks update"), setEvents: parsed.list("events"), addEvents: parsed.list("add-events"),
        removeEvents: parsed.list("remove-events"), expectedVersion: try parsed.version())
      let response = try await options.withClient { try await Webhooks.Client(wrapping: $0).updateWebhookEvents(request, metadata: metadata, options: callOptions) }
      show(response.webhook, options, output)
    case "pause", "resume":
      let parsed = try Arguments(rest, values: ["expected-version"])
      let request = SetWebhookStateRequest(webhookID: try parsed.single("webhooks \(arguments[0])"), expectedVersion: try parsed.version())
      let pause = arguments.first == "pause"
      let response = try await options.withClient { client in
        pause
          ? try await Webhooks.Client(wrapping: client).pauseWebhook(request, metadata: metadata, options: callOptions)
          : try await Webhooks.Client(wrapping: client).resumeWebhook(request, metadata: metadata, options: callOptions)
      }
      show(response.webhook, options, output)
    case "delete":
      let parsed = try Arguments(rest, values: ["expected-version"])
      let request = DeleteWebhookRequest(webhookID: try parsed.single("webhooks delete"), expectedVersion: try parsed.version())
      let response = try await options.withClient { try await Webhooks.Client(wrapping: $0).deleteWebhook(request, metadata: metadata, options: callOptions) }
      output.line(options.json ? Output.JSON.object([("deleted", .string(response.webhookID))]).text : "deleted \(response.webhookID)")
    default:
      throw UsageError("webhooks takes list, get, create, update, pause, resume or delete")
    }
    return ExitStatus.success
  }

  static func printCreated(_ response: CreateWebhookResponse, _ options: GlobalOptions, _ output: Output) {
    guard let webhook = response.webhook else { return }
    if options.json {
      output.line(Output.JSON.object([("webhook", webhookJSON(webhook)), ("secret", .string(response.secret))]).text)
    } else {
      output.line(webhookLine(webhook))
      output.line("secret: \(response.secret)")
      output.line("(shown this once: store it now; it cannot be read back)")
    }
  }

  static func events(_ arguments: [String], _ options: GlobalOptions, _ output: Output) async throws -> Int32 {
    guard arguments.first == "types" else { throw UsageError("events takes types") }
    let parsed = try Arguments(Array(arguments.dropFirst()), values: ["scope"])
    let scope: EventScope = switch parsed.flags["scope"] {
    case "programme": .programme
    case "partner-only": .partnerOnly
    case nil: .unspecified
    default: throw UsageError("--scope takes programme or partner-only")
    }
    let metadata = options.metadata
    let callOptions = options.callOptions
    let response = try await options.withClient {
      try await Webhooks.Client(wrapping: $0).listEventTypes(ListEventTypesRequest(scope: scope), metadata: metadata, options: callOptions)
    }
    if options.json {
      output.line(Output.JSON.array(response.eventTypes.map {
        .object([("name", .string($0.name)), ("scope", .string($0.scope.schemaName)), ("description", .string($0.description))])
      }).text)
    } else {
      for type in response.eventTypes {
        output.line("\(type.name)\t\(type.scope == .partnerOnly ? "partner-only" : "programme")\t\(type.description)")
      }
    }
    return ExitStatus.success
  }

  static func integrations(_ arguments: [String], _ options: GlobalOptions, _ output: Output) async throws -> Int32 {
    guard arguments.first == "create-webhook" else { throw UsageError("integrations takes create-webhook") }
    let parsed = try Arguments(Array(arguments.dropFirst()), values: ["programme", "url", "secret", "events", "description"], switches: ["generate-secret"])
    let request = CreateProgrammeWebhookRequest(
      programmeID: parsed.flags["programme"] ?? "", payloadURL: parsed.flags["url"] ?? "", secret: parsed.flags["secret"] ?? "",
      generateSecret: parsed.flags["generate-secret"] != nil, events: parsed.list("events"), description: parsed.flags["description"] ?? "")
    let metadata = options.metadata
    let callOptions = options.callOptions
    let response = try await options.withClient {
      try await Integrations.Client(wrapping: $0).createProgrammeWebhook(request, metadata: metadata, options: callOptions)
    }
    printCreated(response, options, output)
    return ExitStatus.success
  }
}
