// hookwire: the operator's command line for a Hookwire server.
import HookwireCommandLine
import Foundation
import HookwireClient

let table = CommandTable.standard
var options = GlobalOptions(environment: ProcessInfo.processInfo.environment)
var output = Output()
/// The help a usage error points to.
var helpPath = "hookwire"
/// The command running, for rewriting server messages into its flags.
var commandPath = "hookwire"
let status: Int32
do {
  switch try CommandLineParser(table: table).parse(Array(CommandLine.arguments.dropFirst())) {
  case .help(let group, let command):
    print(command.map(HelpText.command) ?? group.map(HelpText.group) ?? HelpText.root(table))
    status = ExitStatus.success
  case .version:
    print(HookwireVersion.line)
    status = ExitStatus.success
  case .bare:
    print(HelpText.root(table))
    status = ExitStatus.usage
  case .run(let parsed):
    helpPath = "hookwire \(parsed.spec.group)"
    commandPath = parsed.spec.path
    try options.apply(parsed.globals)
    output.json = options.json
    status = try await parsed.spec.run(Invocation(command: parsed, options: options, output: output))
  }
} catch let error as CommandLineError {
  output.error("error: \(error.message)")
  output.notice("Run '\(error.helpPath) --help' for usage.")
  status = ExitStatus.usage
} catch let error as UsageError {
  output.error("error: \(error.description)")
  output.notice("Run '\(helpPath) --help' for usage.")
  status = ExitStatus.usage
} catch let error as RPCError {
  let message = FieldVocabulary.translate(error.message, for: commandPath)
  if options.json {
    output.notice(Output.JSON.object([("error", .object([("code", .string(error.code.name)), ("message", .string(message))]))]).text)
  }
  output.error("\(error.code.name): \(message)")
  // An unreachable server says why: the hint follows the cause.
  let failure = ConnectionFailure(error)
  if let failure, let address = try? options.address() {
    output.error(failure.hint(server: address, caFileGiven: options.security.caFile != nil))
  } else if let hint = ExitStatus.hint(for: error.code, keyGiven: options.apiKey != nil) {
    output.error(hint)
  }
  status = ExitStatus.forCall(error.code)
} catch {
  output.error("\(error)")
  status = ExitStatus.failure
}
// The process ends here without atexit handlers: OpenSSL's cleanup frees
// its global state, which the event loop's thread may still be using while
// it closes a TLS connection. Output is flushed first.
fflush(nil)
_exit(status)
