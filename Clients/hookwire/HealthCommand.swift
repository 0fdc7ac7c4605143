import HookwireCommandLine
import HookwireClient

/// `hookwire health [--service NAME]`: is the server serving?
enum HealthCommand {
  /// The `health` command.
  static let spec = CommandSpec(
    group: "health", summary: "ask whether the server (or the named service) is serving",
    flags: [FlagSpec(name: "service", kind: .text, placeholder: "NAME", help: "a service such as hookwire.v1.Webhooks (default: the server)")],
    details: "Prints SERVING or NOT_SERVING; exits 0 only when serving.", run: run)

  /// Checks the server and prints its status.
  static func run(_ invocation: Invocation) async throws -> Int32 {
    let service = invocation.command.text("service") ?? ""
    let response = try await invocation.options.withClient { client in
      try await Health.Client(wrapping: client).check(
        HealthCheckRequest(service: service), metadata: invocation.metadata, options: invocation.callOptions)
    }
    let status = response.status.schemaName
    if invocation.json {
      invocation.output.json(["service": .string(service), "status": .string(status)])
    } else {
      invocation.output.line(status)
    }
    return response.status == .serving ? ExitStatus.success : ExitStatus.failure
  }
}
