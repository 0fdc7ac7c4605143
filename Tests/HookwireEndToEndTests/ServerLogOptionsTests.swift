import HookwireCommandLine
import HookwirePosix
import Testing

@testable import hookwire_server

/// `--log-format` and `--log-level`, and their variables.
@Suite("Server log options")
struct ServerLogOptionsTests {
  @Test("the log is text at level info by default; the flags, or else the variables, choose another format and level")
  func chosen() throws {
    let standard = try ServerOptions.parse([], environment: [:])
    #expect(standard.logFormat == .text && standard.logLevel == .info)
    let flags = try ServerOptions.parse(["--log-format", "json", "--log-level=DEBUG"], environment: [:])
    #expect(flags.logFormat == .json && flags.logLevel == .debug)
    let variables = try ServerOptions.parse([], environment: ["HOOKWIRE_LOG_FORMAT": "json", "HOOKWIRE_LOG_LEVEL": "error"])
    #expect(variables.logFormat == .json && variables.logLevel == .error)
    let both = try ServerOptions.parse(
      ["--log-format", "text", "--log-level", "warning"], environment: ["HOOKWIRE_LOG_FORMAT": "json", "HOOKWIRE_LOG_LEVEL": "debug"])
    #expect(both.logFormat == .text && both.logLevel == .warning)
  }

  @Test("a bad log format or level is refused, naming the flag or the variable", arguments: [
    (["--log-format", "xml"], [String: String](), "--log-format"),
    (["--log-format", ""], [:], "--log-format"),
    (["--log-level", "warn"], [:], "--log-level"),
    (["--log-level", "info", "--log-level", "debug"], [:], "--log-level"),
    ([], ["HOOKWIRE_LOG_FORMAT": "logfmt"], "HOOKWIRE_LOG_FORMAT"),
    ([], ["HOOKWIRE_LOG_LEVEL": "verbose"], "HOOKWIRE_LOG_LEVEL"),
  ])
  func refused(_ arguments: [String], _ environment: [String: String], _ name: String) {
    #expect {
      _ = try ServerOptions.parse(arguments, environment: environment)
    } throws: { error in
      (error as? UsageError)?.description.contains(name) == true
    }
  }

  @Test("the server exits 2 on a bad --log-level, naming it on the first line")
  func exitStatus() async throws {
    let result = try await runProcess("hookwire-server", ["--log-level", "loud"])
    #expect(result.status == 2)
    #expect(result.firstErrorLine.contains("--log-level"), "\(result.stderr)")
    let variable = try await runProcess("hookwire-server", [], environment: ["HOOKWIRE_LOG_FORMAT": "xml"])
    #expect(variable.status == 2 && variable.firstErrorLine.contains("HOOKWIRE_LOG_FORMAT"), "\(variable.stderr)")
  }
}
