import HookwireCommandLine
import Testing

@testable import hookwire

/// The `hookwire` CLI's argument checks on their own.
@Suite("CLI arguments")
struct CLIArgumentsTests {
  @Test("a command's arguments are refused for unknown, repeated or valueless flags and stray words, naming the flag", arguments: [
    (["--bogus"], "--bogus"),
    (["--page-size"], "--page-size"),
    (["--page-size", "--page-token", "t"], "--page-size"),
    (["--page-size", "1", "--page-size=2"], "--page-size"),
    (["--all-bus=yes"], "--all-bus"),
    (["-v"], "-v"),
    (["wh_1", "wh_2"], "wh_2"),
  ])
  func refused(_ arguments: [String], _ flag: String) {
    #expect {
      _ = try CommandArguments(arguments, command: "hookwire webhooks test", values: ["page-size", "page-token"], switches: ["all-bus"], positional: 0...1)
    } throws: { error in
      (error as? UsageError)?.description.contains(flag) == true
    }
  }

  @Test("values are read in --flag VALUE and --flag=VALUE form; -- ends the flags")
  func accepted() throws {
    let parsed = try CommandArguments(
      ["wh_1", "--page-size=20", "--page-token", "-5", "--all-bus"],
      command: "hookwire webhooks test", values: ["page-size", "page-token"], switches: ["all-bus"], positional: 0...1)
    #expect(parsed.positional == ["wh_1"])
    #expect(try parsed.integer("page-size", in: 0...UInt32.max) == 20)
    #expect(parsed.string("page-token") == "-5")
    #expect(parsed.has("all-bus"))
    let ended = try CommandArguments(["--", "--not-a-flag"], command: "hookwire partners search", values: [], positional: 0...Int.max)
    #expect(ended.positional == ["--not-a-flag"])
  }

  @Test("--timeout takes 1ms to 24h and never overflows", arguments: [
    ("500ms", Duration.milliseconds(500)), ("5s", .seconds(5)), ("2m", .seconds(120)), ("7", .seconds(7)), ("1440m", .seconds(86_400)),
    ("86400000ms", .seconds(86_400)), ("5h", .seconds(18_000)), ("1h30m", .seconds(5_400)), ("1d", .seconds(86_400)),
  ])
  func timeouts(_ text: String, _ expected: Duration) throws {
    #expect(try GlobalOptions.duration(text) == expected)
  }

  @Test("a --timeout that is zero, negative, fractional, too long or not a duration is refused, naming --timeout", arguments: [
    "0s", "-1s", "1.5s", "1441m", "86400001ms", "999999999999999999m", "25h", "2d", "s", "", " 5s", "5 h", "5x",
  ])
  func badTimeouts(_ text: String) {
    #expect {
      _ = try GlobalOptions.duration(text)
    } throws: { error in
      (error as? UsageError)?.description.contains("--timeout") == true
    }
  }
}
