import HookwireClient

/// One run of a command: what was parsed, the global settings and where
/// output goes.
struct Invocation: Sendable {
  /// The command and its checked arguments.
  var command: ParsedCommand
  /// The global flags and environment.
  var options: GlobalOptions
  /// Standard output and error.
  var output: Output

  /// The metadata every call carries.
  var metadata: Metadata { options.metadata }
  /// The per-call options (the deadline).
  var callOptions: CallOptions { options.callOptions }
  /// Whether `--json` was given.
  var json: Bool { options.json }
}
