import Foundation
import HookwireTestSupport
import Testing

/// `hookwire whoami` for a partner key through the real binaries: a
/// labelled block on a terminal, tab-separated rows when piped; and the
/// create commands' help says when `--url` may be plain http.
@Suite("CLI whoami output", .serialized)
struct CLIWhoamiOutputTests {
  @Test("whoami lines up labelled values on a terminal, without tabs, and prints label-first tab-separated rows when piped")
  func terminalAndPiped() async throws {
    let directory = try TemporaryDirectory(prefix: "hookwire-whoami")
    defer { directory.remove() }
    let (key, _) = try await bootstrapAcme(dataDirectory: URL(fileURLWithPath: directory.path))
    try await withServer(dataDirectory: URL(fileURLWithPath: directory.path)) { server in
      let base = ["--server", "127.0.0.1:\(server.port)", "--api-key", key]
      // A key reads hwk_<prefix>_<secret>.
      let prefix = try #require(key.split(separator: "_").dropFirst().first.map(String.init))
      let shown = try await TerminalProcess.runOnTerminal(base + ["whoami"])
      #expect(shown.status == 0, "stderr: \(shown.stderr)")
      let lines = shown.terminal.split(separator: "\n").map { String($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
      #expect(!shown.terminal.contains("\t"), "no tabs on a terminal: \(shown.terminal)")
      #expect(lines.first == "partner:     12345 Acme (channel, bu 1, reach 1)", "\(shown.terminal)")
      #expect(lines.contains("current bu:  1"), "\(shown.terminal)")
      #expect(lines.contains("key prefix:  \(prefix)"), "\(shown.terminal)")

      let piped = try await runCLI(base + ["whoami"])
      #expect(piped.status == 0, "stderr: \(piped.stderr)")
      let rows = piped.stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
      #expect(rows.first == ["partner", "12345", "Acme", "channel", "bu 1", "reach 1"], "\(piped.stdout)")
      #expect(rows.contains(["current bu", "1"]), "\(piped.stdout)")
      #expect(rows.contains(["key prefix", prefix]), "\(piped.stdout)")
    }
  }

  @Test("the create commands' --url help says plain http is accepted when the server allows it", arguments: [
    ["webhooks", "create"], ["integrations", "create-webhook"],
  ])
  func urlHelpNamesHTTP(_ command: [String]) async throws {
    let help = try await runCLI(command + ["--help"])
    #expect(help.status == 0)
    #expect(help.stdout.contains("http is accepted when the server runs with --allow-http-targets"), "\(help.stdout)")
  }
}
