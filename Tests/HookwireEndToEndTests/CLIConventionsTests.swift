import Foundation
import Testing

@testable import hookwire

/// The `hookwire` CLI's conventions that need no server: the version,
/// `--flag=value`, values checked before any call and refused in two lines
/// naming the flag, help per group and command, and completion scripts
/// made from the command table.
@Suite("CLI conventions")
struct CLIConventionsTests {
  /// A port nothing listens on: a value that slipped through would end in
  /// UNAVAILABLE (24), not in 2.
  static let nowhere = ["--server", "127.0.0.1:1"]

  @Test("--version prints 'hookwire <version>' from the one constant and exits 0")
  func version() async throws {
    let result = try await runCLI(["--version"])
    #expect(result.status == 0, "stderr: \(result.stderr)")
    #expect(result.stdout == "hookwire \(HookwireVersion.current)\n")
    #expect(result.stderr.isEmpty)
  }

  struct BadValue: Sendable, CustomStringConvertible {
    var arguments: [String]
    /// The start of the first line after `hookwire: error: `.
    var message: String
    /// The group whose help the second line points to.
    var group: String
    var description: String { arguments.joined(separator: " ") }
  }

  static let badValues: [BadValue] = [
    BadValue(
      arguments: ["logs", "recover", "wh_1", "--since", "yesterday"],
      message: "--since: expected a duration like 1h or an RFC 3339 time, got 'yesterday'", group: "logs"),
    BadValue(arguments: ["logs", "recover", "wh_1", "--since=1w"], message: "--since: expected a duration like 1h or an RFC 3339 time, got '1w'", group: "logs"),
    BadValue(arguments: ["logs", "list", "wh_1", "--since", "2026-13-01T00:00:00Z"], message: "--since: expected a duration", group: "logs"),
    BadValue(arguments: ["logs", "list", "wh_1", "--until=2026-08-21T12:00:00"], message: "--until: expected a duration", group: "logs"),
    BadValue(arguments: ["logs", "list", "wh_1", "--status=lost"], message: "--status: expected one of pending, succeeded", group: "logs"),
    BadValue(arguments: ["webhooks", "list", "--page-size", "abc"], message: "--page-size: expected a whole number from 1 to 100, got 'abc'", group: "webhooks"),
    BadValue(arguments: ["webhooks", "list", "--page-size=101"], message: "--page-size: expected a whole number from 1 to 100, got '101'", group: "webhooks"),
    BadValue(arguments: ["webhooks", "list", "--page-size", "0"], message: "--page-size: expected a whole number from 1 to 100, got '0'", group: "webhooks"),
    BadValue(arguments: ["webhooks", "list", "--kind=sideways"], message: "--kind: expected one of global, programme, got 'sideways'", group: "webhooks"),
    BadValue(arguments: ["webhooks", "pause", "wh_1", "--expected-version=-1"], message: "--expected-version: expected a whole number", group: "webhooks"),
    BadValue(arguments: ["events", "publish", "--bu=0", "--type", "t", "--data", "{}"], message: "--bu: expected a positive whole number, got '0'", group: "events"),
    BadValue(arguments: ["events", "publish", "--bu", "1", "--type", "t", "--data", "@/nonexistent/payload.json"], message: "--data: cannot read", group: "events"),
    BadValue(arguments: ["--timeout=2d", "health"], message: "--timeout: expected a duration like 90s, 30m, 1h or 2d (or seconds) from 1ms to 1d, got '2d'", group: "health"),
    BadValue(arguments: ["verify", "--secret", "s", "--id", "i", "--timestamp", "1", "--signature", "v1,x", "--body", "{}", "--tolerance", "forever"],
      message: "--tolerance: expected a duration", group: "verify"),
    BadValue(arguments: ["webhooks", "lst"], message: "unknown command 'lst' for 'hookwire webhooks' (did you mean 'list'?)", group: "webhooks"),
    BadValue(arguments: ["webhooks", "list", "--page-sise", "2"], message: "unknown option '--page-sise' for 'hookwire webhooks list' (did you mean '--page-size'?)", group: "webhooks"),
    BadValue(arguments: ["webhooks", "create", "--url", "https://example.com/h", "--events", "reward.issued"], message: "'hookwire webhooks create' needs --secret whsec_… or --generate-secret", group: "webhooks"),
    BadValue(arguments: ["webhooks", "get"], message: "'hookwire webhooks get' needs <webhook-id>", group: "webhooks"),
  ]

  @Test("a bad value, an unknown word or a missing argument exits 2 with one line naming it and one pointing at the group's help", arguments: badValues)
  func badValueIsTwoLines(_ case: BadValue) async throws {
    let result = try await runCLI(Self.nowhere + `case`.arguments)
    #expect(result.status == 2, "stderr: \(result.stderr)")
    let lines = result.stderr.split(separator: "\n").map(String.init)
    #expect(lines.count == 2, "stderr: \(result.stderr)")
    #expect(lines.first?.hasPrefix("hookwire: error: \(`case`.message)") == true, "stderr: \(result.stderr)")
    #expect(lines.last == "Run 'hookwire \(`case`.group) --help' for usage.", "stderr: \(result.stderr)")
    #expect(result.stdout.isEmpty)
  }

  @Test("flags take --flag=value as well as --flag value, global flags before or after the command")
  func equalsForm() async throws {
    // Both reach the (absent) server: the values were accepted, so the call was made.
    for arguments in [["--server=127.0.0.1:1", "--timeout=2s", "logs", "list", "wh_1", "--since=90m", "--until=2026-08-21T12:00:00Z", "--page-size=5"],
      ["logs", "list", "wh_1", "--since", "2d", "--status", "FAILED", "--server", "127.0.0.1:1", "--timeout", "1h30m"]] {
      let result = try await runCLI(arguments)
      #expect(result.status == 24, "\(arguments): \(result.stderr)")
    }
  }

  @Test("help is per group and per command: each shows its own commands or flags, on standard output, exit 0")
  func helpPerGroup() async throws {
    let events = try await runCLI(["events", "--help"])
    #expect(events.status == 0)
    #expect(events.stdout.contains("hookwire events types") && events.stdout.contains("hookwire events publish"), "\(events.stdout)")
    #expect(!events.stdout.contains("webhooks create"), "\(events.stdout)")
    let create = try await runCLI(["webhooks", "create", "--help"])
    #expect(create.status == 0)
    for flag in ["--url URL", "--generate-secret", "--events A,B", "--all-bus", "--description TEXT"] {
      #expect(create.stdout.contains(flag), "help lacks \(flag)")
    }
    #expect(!create.stdout.contains("--page-size"), "\(create.stdout)")
    let viaHelp = try await runCLI(["help", "webhooks", "create"])
    #expect(viaHelp.stdout == create.stdout)
    let root = try await runCLI(["--help"])
    for group in CommandTable.standard.groups { #expect(root.stdout.contains("  \(group.name) "), "root help lacks \(group.name)") }
  }

  @Test("completion bash loads in bash, registers _hookwire, and offers every command and every flag of the table")
  func bashCompletion() async throws {
    let hookwire = ServerProcess.executable("hookwire").path
    var script = "source <('\(hookwire)' completion bash) || exit 9\ncomplete -p hookwire\n"
    func ask(_ words: [String]) -> String {
      let quoted = words.map { "'\($0)'" }.joined(separator: " ")
      return "COMP_WORDS=(hookwire \(quoted)); COMP_CWORD=\(words.count); COMPREPLY=(); _hookwire; echo \"\(words.joined(separator: " "))=${COMPREPLY[*]}\"\n"
    }
    let table = CommandTable.standard
    script += ask([""])
    for group in table.groups where !group.isCommand { script += ask([group.name, ""]) }
    for command in table.commands { script += ask([command.group] + (command.verb.map { [$0] } ?? []) + ["--"]) }
    script += ask(["webhooks", "list", "--kind", ""])
    // As bash splits `--server h:1 logs list wh_1 --status=`.
    script += ask(["--server", "h", ":", "1", "logs", "list", "wh_1", "--status", "=", ""])
    let result = try await TerminalProcess.run(["--norc", "-c", script], input: Data(), executable: URL(fileURLWithPath: "/bin/bash"))
    #expect(result.status == 0, "stderr: \(result.stderr)")
    let lines = result.stdout.split(separator: "\n").map(String.init)
    #expect(lines.first == "complete -F _hookwire hookwire", "\(result.stdout)")
    func offered(_ words: [String]) -> Set<String> {
      let key = words.joined(separator: " ") + "="
      return Set(lines.first { $0.hasPrefix(key) }?.dropFirst(key.count).split(separator: " ").map(String.init) ?? [])
    }
    #expect(offered([""]).isSuperset(of: table.groups.map(\.name)), "\(result.stdout)")
    for group in table.groups where !group.isCommand {
      #expect(offered([group.name, ""]) == Set(group.commands.compactMap(\.verb) + ["--help"]), "\(group.name)")
    }
    for command in table.commands {
      let flags = Set((command.flags + table.globalFlags).map { "--\($0.name)" })
      #expect(offered([command.group] + (command.verb.map { [$0] } ?? []) + ["--"]).isSuperset(of: flags), "\(command.path)")
    }
    #expect(offered(["webhooks", "list", "--kind", ""]) == ["global", "programme"])
    #expect(offered(["--server", "h", ":", "1", "logs", "list", "wh_1", "--status", "=", ""]).contains("failed"))
  }

  @Test("completion zsh and fish print their scripts; an unknown shell is a usage error", arguments: [
    ("zsh", "compdef _hookwire hookwire"), ("fish", "complete -c hookwire -n '__hookwire_at webhooks list' -l kind"),
  ])
  func otherShells(_ shell: String, _ marker: String) async throws {
    let result = try await runCLI(["completion", shell])
    #expect(result.status == 0)
    #expect(result.stdout.contains(marker), "\(result.stdout.prefix(400))")
    let unknown = try await runCLI(["completion", "tcsh"])
    #expect(unknown.status == 2 && unknown.stderr.contains("tcsh"), "\(unknown.stderr)")
  }

  @Test("server messages that name request fields are told in the command's flags", arguments: [
    ("a secret is required (or set generate_secret)", "hookwire webhooks create", "a secret is required (or pass --generate-secret)"),
    ("give set_events, or add_events and/or remove_events", "hookwire webhooks update", "give --events, or --add-events and/or --remove-events"),
    ("payload_url must use https", "hookwire webhooks create", "--url must use https"),
    ("the secret's key must be 24–64 bytes, not 3", "hookwire webhooks create", "the secret's key must be 24–64 bytes, not 3"),
    ("`payload_json` exceeds its bound of 262144 bytes", "hookwire events publish", "`--data` exceeds its bound of 262144 bytes"),
  ])
  func vocabulary(_ message: String, _ path: String, _ expected: String) {
    #expect(FieldVocabulary.translate(message, for: path) == expected)
  }
}
