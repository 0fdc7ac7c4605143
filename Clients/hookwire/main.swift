// hookwire: the operator's command line for a Hookwire server.
import HookwireCommandLine
import Foundation
import HookwireClient

let usage = """
  usage: hookwire [global flags] <command> [arguments]

  Commands:
    health                  whether the server is serving
    whoami                  the caller, its kind, reach and acting partner
    partners search|get     find partners by id or name (global partners); show one
    bus list                business units within reach
    programmes list         programmes of a business unit
    webhooks list|get|create|update|pause|resume|delete
                            the Webhooks Dashboard of the current business unit
    events types            the event catalogue
    events publish          publish an event (service keys)
    logs list|get|search|tail|redeliver|recover
                            the event logs of a webhook
    verify                  check a saved delivery's signature, as a receiver does
    integrations create-webhook
                            create a linked programme webhook, as Integrations does

  \(GlobalOptions.help)

  \(ExitStatus.help)
  """

/// With `--help`, prints a command group's help (and the global flags);
/// otherwise runs the command.
@MainActor func helpOr(_ help: String, _ run: () async throws -> Int32) async throws -> Int32 {
  guard options.help else { return try await run() }
  print(help + "\n\n" + GlobalOptions.help)
  return ExitStatus.success
}

let output = Output()
var arguments = Array(CommandLine.arguments.dropFirst())
var options = GlobalOptions(environment: ProcessInfo.processInfo.environment)
let status: Int32
do {
  try options.extract(from: &arguments)
  let command = arguments.first
  let rest = Array(arguments.dropFirst())
  switch command {
  case nil:
    print(usage)
    status = options.help ? ExitStatus.success : ExitStatus.usage
  case "health":
    status = try await helpOr(HealthCommand.help) { try await HealthCommand.run(rest, options, output) }
  case "whoami", "partners", "bus", "programmes":
    status = try await helpOr(PartnerCommands.help) {
      switch command {
      case "whoami": try await PartnerCommands.whoami(rest, options, output)
      case "partners": try await PartnerCommands.partners(rest, options, output)
      case "bus": try await PartnerCommands.businessUnits(rest, options, output)
      default: try await PartnerCommands.programmes(rest, options, output)
      }
    }
  case "events" where rest.first == "publish", "logs", "verify":
    status = try await helpOr(LogCommands.help) {
      switch command {
      case "logs": try await LogCommands.logs(rest, options, output)
      case "verify": try LogCommands.verify(rest, options, output)
      default: try await LogCommands.publish(rest, options, output)
      }
    }
  case "webhooks", "events", "integrations":
    status = try await helpOr(WebhookCommands.help) {
      switch command {
      case "webhooks": try await WebhookCommands.webhooks(rest, options, output)
      case "events": try await WebhookCommands.events(rest, options, output)
      default: try await WebhookCommands.integrations(rest, options, output)
      }
    }
  case "help":
    print(usage)
    status = ExitStatus.success
  case let other? where other.hasPrefix("-"):
    throw UsageError("unknown option '\(other.prefix { $0 != "=" })' for 'hookwire'")
  case let other?:
    throw UsageError("unknown command '\(other)'")
  }
} catch let error as UsageError {
  output.error("error: \(error)\n\n\(usage)")
  status = ExitStatus.usage
} catch let error as RPCError {
  if options.json {
    output.json(["error": .object([("code", .string(error.code.name)), ("message", .string(error.message))])])
  }
  output.error("\(error.code.name): \(error.message)")
  // An unreachable server says why: the hint follows the cause.
  let failure = ConnectionFailure(error)
  if let failure, let address = try? options.address() {
    output.error(failure.hint(server: address, caFileGiven: options.security.caFile != nil))
  } else if let hint = ExitStatus.hint(for: error.code) {
    output.error(hint)
  }
  status = ExitStatus.forCall(error.code)
} catch {
  output.error("\(error)")
  status = ExitStatus.failure
}
exit(status)
