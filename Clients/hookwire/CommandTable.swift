/// Every `hookwire` command, its arguments and its flags: the one table
/// the parser, the help and the shell completion scripts are made from.
struct CommandTable: Sendable {
  /// The groups in the order the root help lists them.
  var groups: [GroupSpec]
  /// Flags every command accepts.
  var globalFlags: [FlagSpec]
  /// Flags a command refuses with a reason (rather than "unknown option"),
  /// by the command's path and the flag's name.
  var refusals: [String: [String: String]] = [:]

  /// The group `name`, if there is one.
  func group(_ name: String) -> GroupSpec? { groups.first { $0.name == name } }

  /// The global flag `name`, if there is one.
  func globalFlag(_ name: String) -> FlagSpec? { globalFlags.first { $0.name == name } }

  /// Why `command` refuses `--name`, if it does.
  func refusal(_ name: String, for command: CommandSpec) -> String? { refusals[command.path]?[name] }

  /// Every command, group by group.
  var commands: [CommandSpec] { groups.flatMap(\.commands) }
}

extension CommandTable {
  /// `hookwire`'s commands.
  static let standard = CommandTable(
    groups: [
      GroupSpec(name: "health", summary: "whether the server is serving", commands: [HealthCommand.spec]),
      GroupSpec(name: "whoami", summary: "the caller, its kind, reach and acting partner", commands: [PartnerCommands.whoamiSpec]),
      GroupSpec(name: "partners", summary: "find partners by id or name (global partners); show one", commands: PartnerCommands.partnerSpecs),
      GroupSpec(name: "bus", summary: "business units within reach", commands: [PartnerCommands.businessUnitsSpec]),
      GroupSpec(name: "programmes", summary: "programmes of a business unit", commands: [PartnerCommands.programmesSpec]),
      GroupSpec(name: "webhooks", summary: "the Webhooks Dashboard of the current business unit", commands: WebhookCommands.specs),
      GroupSpec(name: "events", summary: "the event catalogue, and publishing events (service keys)", commands: EventCommands.specs),
      GroupSpec(name: "logs", summary: "a webhook's event logs: deliveries, attempts, redelivery, live tail", commands: LogCommands.specs),
      GroupSpec(name: "audit", summary: "who changed which webhook or key, and who redelivered what", commands: AuditCommands.specs),
      GroupSpec(name: "listen", summary: "forward live events to a local URL, for development", commands: [ListenCommand.spec]),
      GroupSpec(name: "verify", summary: "check a saved delivery's signature, as a receiver does", commands: [VerifyCommand.spec]),
      GroupSpec(name: "integrations", summary: "create a linked programme webhook, as Integrations does", commands: [WebhookCommands.integrationSpec]),
      GroupSpec(name: "completion", summary: "print a shell completion script (bash, zsh or fish)", commands: [CompletionScript.spec]),
    ],
    globalFlags: GlobalOptions.flags,
    refusals: [
      "hookwire webhooks update": [
        "url": "cannot be changed: the payload URL and secret are the webhook's access credentials, set once at creation. Create a new webhook to use another.",
        "secret": "cannot be changed: the payload URL and secret are the webhook's access credentials, set once at creation. Create a new webhook to use another.",
      ]
    ])
}

extension FlagSpec {
  /// `--page-size N`: the server takes 1–100 per page.
  static let pageSize = FlagSpec(name: "page-size", kind: .integer(1...100), placeholder: "N", help: "results per page, 1–100 (default 20)")
  /// `--page-token TOKEN`, from a `more:` line.
  static let pageToken = FlagSpec(name: "page-token", kind: .text, placeholder: "TOKEN", help: "continue where a 'more: --page-token …' line left off")
  /// `--all`: every page.
  static let all = FlagSpec(name: "all", kind: .none, placeholder: "", help: "fetch every page, one after another")
  /// The paging flags of a list.
  static let paging: [FlagSpec] = [pageSize, pageToken, all]
  /// `--expected-version V`.
  static let expectedVersion = FlagSpec(
    name: "expected-version", kind: .integer(0...Int64.max), placeholder: "V", help: "fail (ABORTED) unless the webhook is still at version V")
}

extension PositionalSpec {
  /// `<webhook-id>`.
  static let webhookID = PositionalSpec(name: "webhook-id", missing: "a webhook id")
  /// `<event-id>`.
  static let eventID = PositionalSpec(name: "event-id", missing: "an event id")
}
