import HookwireCommandLine
import HookwireClient

/// `hookwire health [--service NAME]`: is the server serving?
enum HealthCommand {
  static let help = """
    usage: hookwire health [--service NAME]

    Asks the server whether it (or the named service) is serving. Prints
    SERVING or NOT_SERVING; exits 0 only when serving.
    """

  static func run(_ arguments: [String], _ options: GlobalOptions, _ output: Output) async throws -> Int32 {
    let parsed = try CommandArguments(arguments, command: "hookwire health", values: ["service"])
    let service = parsed.string("service") ?? ""
    let response = try await options.withClient { client in
      try await Health.Client(wrapping: client).check(
        HealthCheckRequest(service: service), metadata: options.metadata, options: options.callOptions)
    }
    let status = response.status.schemaName
    if options.json {
      output.json(["service": .string(service), "status": .string(status)])
    } else {
      output.line(status)
    }
    return response.status == .serving ? ExitStatus.success : ExitStatus.failure
  }
}
