import HookwireCommandLine
import Foundation
import HookwireClient

#if canImport(Glibc)
import Glibc
#endif

/// `webhooks …` and `integrations create-webhook`.
enum WebhookCommands {
  /// `--secret` and `--generate-secret`, shared by both create commands.
  static let secretFlags = [
    FlagSpec(name: "secret", kind: .text, placeholder: "whsec_…", help: "the signing secret: whsec_ and base64 of 24–64 bytes"),
    FlagSpec(name: "generate-secret", kind: .none, placeholder: "", help: "let the server make the secret (printed once)"),
  ]

  /// `--url`, shared by both create commands: https, or plain http where
  /// the server accepts it.
  static let urlFlag = FlagSpec(
    name: "url", kind: .text, placeholder: "URL",
    help: "the https URL deliveries are POSTed to (http is accepted when the server runs with --allow-http-targets); immutable",
    required: true)

  /// The `webhooks` group's commands.
  static let specs: [CommandSpec] = [
    CommandSpec(
      group: "webhooks", verb: "list", summary: "list the dashboard's global and linked programme webhooks",
      flags: [FlagSpec(name: "kind", kind: .choice(["global", "programme"]), placeholder: "KIND", help: "one section only")] + FlagSpec.paging,
      details: "--page-size applies to each section; --all walks both sections to their ends.", run: list),
    CommandSpec(group: "webhooks", verb: "get", summary: "show one webhook", positionals: [.webhookID], run: get),
    CommandSpec(
      group: "webhooks", verb: "create", summary: "create a global webhook",
      flags: [urlFlag]
        + secretFlags + [
          FlagSpec(name: "events", kind: .list, placeholder: "A,B", help: "event types to subscribe to (see 'hookwire events types')", required: true),
          FlagSpec(name: "all-bus", kind: .none, placeholder: "", help: "for every business unit within reach, not only the current one"),
          FlagSpec(name: "description", kind: .text, placeholder: "TEXT", help: "a note for the dashboard"),
        ],
      details: "Give --secret or --generate-secret. The URL and secret are the webhook's access credentials: they\ncannot be changed later. The secret is printed this once.",
      run: create),
    CommandSpec(
      group: "webhooks", verb: "update", summary: "change a webhook's events", positionals: [.webhookID],
      flags: [
        FlagSpec(name: "events", kind: .list, placeholder: "A,B", help: "the new complete set of events"),
        FlagSpec(name: "add-events", kind: .list, placeholder: "A,B", help: "events to add"),
        FlagSpec(name: "remove-events", kind: .list, placeholder: "A,B", help: "events to remove"),
        .expectedVersion,
      ],
      details: "Give --events, or --add-events and/or --remove-events.", run: update),
    CommandSpec(
      group: "webhooks", verb: "test", summary: "send the webhook an example event: a real, signed, logged delivery", positionals: [.webhookID],
      flags: [FlagSpec(name: "type", kind: .text, placeholder: "TYPE", help: "a type it subscribes to (default: its first); see 'events types --examples'")],
      details: "Only this webhook receives it. A paused or disabled webhook holds it until resumed.", run: sendTest),
    CommandSpec(
      group: "webhooks", verb: "pause", summary: "hold a webhook's deliveries until it is resumed", positionals: [.webhookID],
      flags: [.expectedVersion], run: { try await setState($0, pause: true) }),
    CommandSpec(
      group: "webhooks", verb: "resume", summary: "release held deliveries; re-enable a disabled webhook", positionals: [.webhookID],
      flags: [.expectedVersion], run: { try await setState($0, pause: false) }),
    CommandSpec(
      group: "webhooks", verb: "delete", summary: "delete a webhook and cancel its pending deliveries", positionals: [.webhookID],
      flags: [.expectedVersion, FlagSpec(name: "yes", kind: .none, placeholder: "", help: "do not ask for confirmation (required when not on a terminal)")],
      details: "On a terminal it asks first; otherwise it needs --yes.", run: delete),
  ]

  /// The `integrations create-webhook` command.
  static let integrationSpec = CommandSpec(
    group: "integrations", verb: "create-webhook", summary: "create a linked programme webhook, as a programme's Integrations does",
    flags: [
      FlagSpec(name: "programme", kind: .text, placeholder: "ID", help: "the programme", required: true),
      urlFlag,
    ] + secretFlags + [
      FlagSpec(name: "events", kind: .list, placeholder: "A,B", help: "programme-level event types", required: true),
      FlagSpec(name: "description", kind: .text, placeholder: "TEXT", help: "a note for the dashboard"),
    ],
    details: "Give --secret or --generate-secret. The secret is printed this once.", run: createProgrammeWebhook)

  /// `--expected-version`, if given.
  static func version(_ parsed: ParsedCommand) -> UInt64? { parsed.integer("expected-version").map { UInt64($0) } }

  /// The webhooks client over `rpc`.
  static func client(_ rpc: RPCClient) -> Webhooks.Client<RPCClient> { Webhooks.Client(wrapping: rpc) }

  /// Lists the dashboard's webhooks, both sections.
  static func list(_ invocation: Invocation) async throws -> Int32 {
    let parsed = invocation.command
    let kind: WebhookKind = switch parsed.text("kind") {
    case "global": .global
    case "programme": .programme
    default: .unspecified
    }
    var listing = try parsed.text("page-token").map { token throws(UsageError) in try WebhookListing(token: token, kind: kind) } ?? WebhookListing(kind: kind)
    let all = parsed.has("all")
    let webhooks = try await invocation.options.withClient { rpc in
      var webhooks: [Webhook] = []
      for _ in 0..<Pager.maxPages where listing.isOpen {
        let response = try await client(rpc).listWebhooks(listing.request(pageSize: parsed.pageSize), metadata: invocation.metadata, options: invocation.callOptions)
        webhooks += try listing.advance(response)
        if !all { break }
      }
      return webhooks
    }
    var table = Table(columns: WebhookView.columns)
    for webhook in webhooks { table.append(WebhookView.row(webhook)) }
    invocation.list(webhooks, next: listing.token, json: WebhookView.json, table: table, empty: "no webhooks")
    return ExitStatus.success
  }

  /// Shows one webhook.
  static func get(_ invocation: Invocation) async throws -> Int32 {
    let id = invocation.command.positional[0]
    let response = try await invocation.options.withClient {
      try await client($0).getWebhook(GetWebhookRequest(webhookID: id), metadata: invocation.metadata, options: invocation.callOptions)
    }
    if let webhook = response.webhook { WebhookView.show(webhook, invocation) }
    return ExitStatus.success
  }

  /// The secret flags: exactly one of `--secret` and `--generate-secret`.
  static func secret(_ parsed: ParsedCommand) throws(UsageError) -> (secret: String, generate: Bool) {
    switch (parsed.text("secret"), parsed.has("generate-secret")) {
    case (let secret?, false): return (secret, false)
    case (nil, true): return ("", true)
    case (_?, true): throw UsageError("--secret and --generate-secret: give one, not both")
    case (nil, false): throw UsageError("'\(parsed.spec.path)' needs --secret whsec_… or --generate-secret")
    }
  }

  /// Creates a global webhook and prints its secret once.
  static func create(_ invocation: Invocation) async throws -> Int32 {
    let parsed = invocation.command
    let (secret, generate) = try secret(parsed)
    let request = CreateWebhookRequest(
      payloadURL: parsed.text("url") ?? "", secret: secret, generateSecret: generate, events: parsed.list("events"), allBUs: parsed.has("all-bus"),
      description: parsed.text("description") ?? "")
    let response = try await invocation.options.withClient {
      try await client($0).createWebhook(request, metadata: invocation.metadata, options: invocation.callOptions)
    }
    printCreated(response, invocation)
    return ExitStatus.success
  }

  /// Creates a linked programme webhook and prints its secret once.
  static func createProgrammeWebhook(_ invocation: Invocation) async throws -> Int32 {
    let parsed = invocation.command
    let (secret, generate) = try secret(parsed)
    let request = CreateProgrammeWebhookRequest(
      programmeID: parsed.text("programme") ?? "", payloadURL: parsed.text("url") ?? "", secret: secret, generateSecret: generate,
      events: parsed.list("events"), description: parsed.text("description") ?? "")
    let response = try await invocation.options.withClient {
      try await Integrations.Client(wrapping: $0).createProgrammeWebhook(request, metadata: invocation.metadata, options: invocation.callOptions)
    }
    printCreated(response, invocation)
    return ExitStatus.success
  }

  /// The new webhook, then its secret (shown this once).
  static func printCreated(_ response: CreateWebhookResponse, _ invocation: Invocation) {
    guard let webhook = response.webhook else { return }
    if invocation.json {
      return invocation.output.json(.object([("webhook", WebhookView.json(webhook)), ("secret", .string(response.secret))]))
    }
    WebhookView.show(webhook, invocation)
    invocation.output.line("secret: \(response.secret)")
    invocation.output.notice("(the secret is shown this once: store it now; it cannot be read back)")
  }

  /// Changes a webhook's events.
  static func update(_ invocation: Invocation) async throws -> Int32 {
    let parsed = invocation.command
    let replace = parsed.list("events")
    let add = parsed.list("add-events")
    let remove = parsed.list("remove-events")
    if replace.isEmpty && add.isEmpty && remove.isEmpty {
      throw UsageError("'hookwire webhooks update' needs --events, or --add-events and/or --remove-events")
    }
    if !replace.isEmpty && !(add.isEmpty && remove.isEmpty) {
      throw UsageError("--events replaces the events: give it alone, or use --add-events and --remove-events")
    }
    let request = UpdateWebhookEventsRequest(
      webhookID: parsed.positional[0], setEvents: replace, addEvents: add, removeEvents: remove, expectedVersion: version(parsed))
    let response = try await invocation.options.withClient {
      try await client($0).updateWebhookEvents(request, metadata: invocation.metadata, options: invocation.callOptions)
    }
    if let webhook = response.webhook { WebhookView.show(webhook, invocation) }
    return ExitStatus.success
  }

  /// Pauses or resumes a webhook.
  static func setState(_ invocation: Invocation, pause: Bool) async throws -> Int32 {
    let parsed = invocation.command
    let request = SetWebhookStateRequest(webhookID: parsed.positional[0], expectedVersion: version(parsed))
    let response = try await invocation.options.withClient { rpc in
      pause
        ? try await client(rpc).pauseWebhook(request, metadata: invocation.metadata, options: invocation.callOptions)
        : try await client(rpc).resumeWebhook(request, metadata: invocation.metadata, options: invocation.callOptions)
    }
    if let webhook = response.webhook { WebhookView.show(webhook, invocation) }
    return ExitStatus.success
  }

  /// Deletes a webhook after confirmation (or with `--yes`).
  static func delete(_ invocation: Invocation) async throws -> Int32 {
    let parsed = invocation.command
    let id = parsed.positional[0]
    if !parsed.has("yes") {
      guard isatty(STDIN_FILENO) == 1 else {
        throw UsageError("'hookwire webhooks delete' asks before deleting, and standard input is not a terminal: pass --yes to delete \(id.echoed)")
      }
      FileHandle.standardError.write(Data("Delete webhook \(id.echoed) and cancel its pending deliveries? [y/N] ".utf8))
      let answer = (readLine() ?? "").trimmingCharacters(in: .whitespaces).lowercased()
      guard answer == "y" || answer == "yes" else {
        invocation.output.error("not deleted")
        return ExitStatus.failure
      }
    }
    let request = DeleteWebhookRequest(webhookID: id, expectedVersion: version(parsed))
    let response = try await invocation.options.withClient {
      try await client($0).deleteWebhook(request, metadata: invocation.metadata, options: invocation.callOptions)
    }
    if invocation.json {
      invocation.output.json(["deleted": .string(response.webhookID), "cancelled_deliveries": .number(Int64(response.cancelledDeliveries))])
    } else {
      invocation.output.line("deleted \(response.webhookID) (\(response.cancelledDeliveries) pending deliveries cancelled)")
    }
    return ExitStatus.success
  }

  /// Sends one example event to one webhook and says where its delivery stands.
  static func sendTest(_ invocation: Invocation) async throws -> Int32 {
    let webhookID = invocation.command.positional[0]
    let request = SendTestEventRequest(webhookID: webhookID, eventType: invocation.command.text("type") ?? "")
    let response = try await invocation.options.withClient {
      try await Webhooks.Client(wrapping: $0).sendTestEvent(request, metadata: invocation.metadata, options: invocation.callOptions)
    }
    guard let entry = response.entry else { return ExitStatus.success }
    let held = entry.status == .held
    let output = invocation.output
    if invocation.json {
      output.json(.object(LogView.entryPairs(entry) + [("held", .bool(held))]))
    } else {
      let separator = output.isTerminal ? "  " : "\t"
      output.line((held ? "held" : "sent") + separator + LogView.entryRow(entry).joined(separator: separator))
    }
    if held { output.notice("held: webhook \(webhookID) is paused or disabled; the test event is delivered when it is resumed") }
    return ExitStatus.success
  }
}
