import HookwireCommandLine
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

  /// The arguments of `webhooks <command>`: one webhook id when `needsID`.
  static func parse(
    _ arguments: [String], _ command: String, values: Set<String>, switches: Set<String> = [], needsID: Bool = false
  ) throws(UsageError) -> CommandArguments {
    let parsed = try CommandArguments(arguments, command: "hookwire webhooks \(command)", values: values, switches: switches, positional: needsID ? 0...1 : 0...0)
    if needsID && parsed.positional.isEmpty { throw UsageError("'hookwire webhooks \(command)' needs a webhook id") }
    return parsed
  }

  /// `--expected-version`, if given.
  static func version(_ parsed: CommandArguments) throws(UsageError) -> UInt64? {
    try parsed.integer("expected-version", in: 0...UInt64.max)
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
      let parsed = try parse(rest, "list", values: ["kind", "page-size", "global-page-token", "programme-page-token"])
      let kind: WebhookKind = switch try parsed.choice("kind", ["global", "programme"]) {
      case "global": .global
      case "programme": .programme
      default: .unspecified
      }
      let request = ListWebhooksRequest(
        pageSize: try parsed.integer("page-size", in: 0...UInt32.max) ?? 0, globalPageToken: parsed.string("global-page-token") ?? "",
        programmePageToken: parsed.string("programme-page-token") ?? "", kind: kind)
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
      let id = try parse(rest, "get", values: [], needsID: true).positional[0]
      let response = try await options.withClient { try await Webhooks.Client(wrapping: $0).getWebhook(GetWebhookRequest(webhookID: id), metadata: metadata, options: callOptions) }
      show(response.webhook, options, output)
    case "create":
      let parsed = try parse(rest, "create", values: ["url", "secret", "events", "description"], switches: ["generate-secret", "all-bus"])
      let request = CreateWebhookRequest(
        payloadURL: parsed.string("url") ?? "", secret: parsed.string("secret") ?? "", generateSecret: parsed.has("generate-secret"),
        events: parsed.list("events"), allBUs: parsed.has("all-bus"), description: parsed.string("description") ?? "")
      let response = try await options.withClient { try await Webhooks.Client(wrapping: $0).createWebhook(request, metadata: metadata, options: callOptions) }
      printCreated(response, options, output)
    case "update":
      if let credential = rest.first(where: { ["--url", "--secret"].contains($0.prefix { $0 != "=" }) }) {
        throw UsageError(
          "option '\(credential.prefix { $0 != "=" })' cannot be changed: the payload URL and secret are the webhook's access credentials, set once at creation. Create a new webhook to use another.")
      }
      let parsed = try parse(rest, "update", values: ["events", "add-events", "remove-events", "expected-version"], needsID: true)
      let request = UpdateWebhookEventsRequest(
        webhookID: parsed.positional[0], setEvents: parsed.list("events"), addEvents: parsed.list("add-events"),
        removeEvents: parsed.list("remove-events"), expectedVersion: try version(parsed))
      let response = try await options.withClient { try await Webhooks.Client(wrapping: $0).updateWebhookEvents(request, metadata: metadata, options: callOptions) }
      show(response.webhook, options, output)
    case "pause", "resume":
      let parsed = try parse(rest, arguments[0], values: ["expected-version"], needsID: true)
      let request = SetWebhookStateRequest(webhookID: parsed.positional[0], expectedVersion: try version(parsed))
      let pause = arguments.first == "pause"
      let response = try await options.withClient { client in
        pause
          ? try await Webhooks.Client(wrapping: client).pauseWebhook(request, metadata: metadata, options: callOptions)
          : try await Webhooks.Client(wrapping: client).resumeWebhook(request, metadata: metadata, options: callOptions)
      }
      show(response.webhook, options, output)
    case "delete":
      let parsed = try parse(rest, "delete", values: ["expected-version"], needsID: true)
      let request = DeleteWebhookRequest(webhookID: parsed.positional[0], expectedVersion: try version(parsed))
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
    let parsed = try CommandArguments(Array(arguments.dropFirst()), command: "hookwire events types", values: ["scope"])
    let scope: EventScope = switch try parsed.choice("scope", ["programme", "partner-only"]) {
    case "programme": .programme
    case "partner-only": .partnerOnly
    default: .unspecified
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
    let parsed = try CommandArguments(
      Array(arguments.dropFirst()), command: "hookwire integrations create-webhook", values: ["programme", "url", "secret", "events", "description"],
      switches: ["generate-secret"])
    let request = CreateProgrammeWebhookRequest(
      programmeID: parsed.string("programme") ?? "", payloadURL: parsed.string("url") ?? "", secret: parsed.string("secret") ?? "",
      generateSecret: parsed.has("generate-secret"), events: parsed.list("events"), description: parsed.string("description") ?? "")
    let metadata = options.metadata
    let callOptions = options.callOptions
    let response = try await options.withClient {
      try await Integrations.Client(wrapping: $0).createProgrammeWebhook(request, metadata: metadata, options: callOptions)
    }
    printCreated(response, options, output)
    return ExitStatus.success
  }
}
