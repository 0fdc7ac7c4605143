import Foundation
import HookwireTestSupport
import Testing

/// `hookwire` against the real server: pages cut with a `more:` line and
/// walked with `--all`, tables on a terminal and tab-separated lines when
/// piped, JSON Lines with every field, delete's confirmation, and server
/// messages told in flags.
@Suite("CLI paging and output", .serialized)
struct CLIPagingOutputTests {
  /// Europe with programme Gold and Acme; returns Acme's key.
  static func bootstrap(_ directory: URL) async throws -> String {
    _ = try await runAdmin(["create-bu", "--name", "Europe"], dataDirectory: directory)
    _ = try await runAdmin(["create-programme", "--bu", "1", "--name", "Gold", "--id", "prog_gold"], dataDirectory: directory)
    _ = try await runAdmin(["create-partner", "--name", "Acme", "--kind", "channel", "--bu", "1", "--id", "12345"], dataDirectory: directory)
    return try await runAdmin(["create-key", "--partner", "12345"], dataDirectory: directory)
  }

  /// The webhook ids in `text`, in order.
  static func ids(_ text: String) -> [String] {
    text.split(separator: "\n").compactMap { line in line.range(of: #"wh_[a-z0-9]+"#, options: .regularExpression).map { String(line[$0]) } }
  }

  /// The token of a `more: --page-token TOKEN` line, if any.
  static func more(_ text: String) -> String? {
    text.split(separator: "\n").first { $0.hasPrefix("more: --page-token ") }.map { String($0.dropFirst("more: --page-token ".count)) }
  }

  @Test("webhooks list cuts pages with a 'more:' line on stderr when piped; the token and --all walk both sections with every webhook once")
  func pagingBothSections() async throws {
    let directory = try TemporaryDirectory(prefix: "hookwire-paging")
    defer { directory.remove() }
    let key = try await Self.bootstrap(URL(fileURLWithPath: directory.path))
    try await withServer(dataDirectory: URL(fileURLWithPath: directory.path)) { server in
      let base = ["--server=127.0.0.1:\(server.port)", "--api-key=\(key)"]
      var created: [String] = []
      for index in 0..<5 {
        let result = try await runCLI(base + ["webhooks", "create", "--url=https://hooks.example.com/\(index)", "--generate-secret", "--events=reward.issued"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        created += Self.ids(result.stdout).prefix(1)
      }
      for index in 0..<3 {
        let result = try await runCLI(
          base + ["integrations", "create-webhook", "--programme", "prog_gold", "--url", "https://p.example.com/\(index)", "--generate-secret", "--events", "points.earned"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        created += Self.ids(result.stdout).prefix(1)
      }
      #expect(created.count == 8)

      // One page per section: 2 + 2, and a token for both.
      let first = try await runCLI(base + ["webhooks", "list", "--page-size", "2"])
      #expect(first.status == 0, "stderr: \(first.stderr)")
      #expect(Self.ids(first.stdout).count == 4, "\(first.stdout)")
      #expect(!first.stdout.contains("more:"), "piped output stays records only")
      #expect(first.stdout.split(separator: "\n").allSatisfy { $0.split(separator: "\t", omittingEmptySubsequences: false).count == 9 })
      let token = try #require(Self.more(first.stderr), "stderr: \(first.stderr)")
      #expect(token.contains("global:") && token.contains("programme:"))

      // Following the tokens shows the rest, nothing twice.
      var seen = Self.ids(first.stdout)
      var next: String? = token
      var pages = 1
      while let current = next, pages < 10 {
        let page = try await runCLI(base + ["webhooks", "list", "--page-size=2", "--page-token=\(current)"])
        #expect(page.status == 0, "stderr: \(page.stderr)")
        seen += Self.ids(page.stdout)
        next = Self.more(page.stderr)
        pages += 1
      }
      #expect(pages == 3, "5 global webhooks at 2 a page take 3 pages")
      #expect(seen.count == 8 && Set(seen) == Set(created), "\(seen)")

      // --all walks both sections to their ends: every webhook once, no more: line.
      let all = try await runCLI(base + ["webhooks", "list", "--page-size", "2", "--all"])
      #expect(all.status == 0, "stderr: \(all.stderr)")
      #expect(Self.ids(all.stdout).count == 8 && Set(Self.ids(all.stdout)) == Set(created), "\(all.stdout)")
      #expect(Self.more(all.stderr) == nil)
      let programmes = try await runCLI(base + ["webhooks", "list", "--page-size", "2", "--all", "--kind", "programme"])
      #expect(Self.ids(programmes.stdout).count == 3)

      // JSON Lines: one object per webhook, every field, times as RFC 3339.
      let json = try await runCLI(base + ["--json", "webhooks", "list", "--all", "--page-size=3"])
      let objects = try json.stdout.split(separator: "\n").map { line in
        try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
      }
      #expect(objects.count == 8)
      let object = try #require(objects.first)
      for field in ["id", "kind", "state", "disabled_reason", "payload_url", "events", "secret_hint", "version", "created_at", "updated_at", "created_by", "updated_by"] {
        #expect(object.keys.contains(field), "JSON lacks \(field): \(object)")
      }
      let createdAt = try #require(object["created_at"] as? String)
      #expect(createdAt.range(of: #"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"#, options: .regularExpression) != nil, "\(createdAt)")
      let author = try #require(object["created_by"] as? [String: Any])
      #expect(author["partner_id"] as? Int == 12345 && author["at"] is String, "\(author)")
      #expect(await server.stop() == 0)
    }
  }

  @Test("on a terminal a list is an aligned table with a header and the more: line on standard output; one webhook is a labelled block")
  func terminalOutput() async throws {
    let directory = try TemporaryDirectory(prefix: "hookwire-tty")
    defer { directory.remove() }
    let key = try await Self.bootstrap(URL(fileURLWithPath: directory.path))
    try await withServer(dataDirectory: URL(fileURLWithPath: directory.path)) { server in
      let base = ["--server", "127.0.0.1:\(server.port)", "--api-key", key]
      var ids: [String] = []
      for index in 0..<3 {
        let result = try await runCLI(base + ["webhooks", "create", "--url", "https://hooks.example.com/\(index)", "--generate-secret", "--events", "reward.issued"])
        ids += Self.ids(result.stdout).prefix(1)
      }
      let table = try await TerminalProcess.runOnTerminal(base + ["webhooks", "list", "--page-size", "2", "--kind", "global"])
      #expect(table.status == 0, "stderr: \(table.stderr)")
      let lines = table.terminal.split(separator: "\n").map(String.init)
      #expect(lines.first?.hasPrefix("ID ") == true && lines.first?.contains("  KIND  ") == true, "\(table.terminal)")
      #expect(!table.terminal.contains("\t"), "no tabs on a terminal: \(table.terminal)")
      #expect(lines.count == 4, "header, 2 rows, more: \(table.terminal)")
      #expect(lines.last?.hasPrefix("more: --page-token global:") == true, "\(table.terminal)")
      #expect(!table.stderr.contains("more:"))
      // Columns line up: each row's URL starts where the header's URL does.
      let column = try #require(lines[0].range(of: "URL")).lowerBound.utf16Offset(in: lines[0])
      for row in lines[1...2] {
        let start = try #require(row.range(of: "https://")).lowerBound.utf16Offset(in: row)
        #expect(start == column, "\(table.terminal)")
      }

      let piped = try await runCLI(base + ["webhooks", "get", ids[0]])
      #expect(piped.stdout.hasPrefix("\(ids[0])\tglobal\tactive\t") && piped.stdout.split(separator: "\n").count == 1, "\(piped.stdout)")
      let shown = try await TerminalProcess.runOnTerminal(base + ["webhooks", "get", ids[0]])
      #expect(shown.terminal.contains("id:          \(ids[0])\n"), "\(shown.terminal)")
      #expect(shown.terminal.contains("state:       active\n") && shown.terminal.contains("created:     20"), "\(shown.terminal)")
      #expect(await server.stop() == 0)
    }
  }

  @Test("delete asks on a terminal, refuses without --yes when standard input is not one, and deletes with --yes")
  func deleteConfirmation() async throws {
    let directory = try TemporaryDirectory(prefix: "hookwire-yes")
    defer { directory.remove() }
    let key = try await Self.bootstrap(URL(fileURLWithPath: directory.path))
    try await withServer(dataDirectory: URL(fileURLWithPath: directory.path)) { server in
      let base = ["--server", "127.0.0.1:\(server.port)", "--api-key", key]
      var ids: [String] = []
      for index in 0..<2 {
        let result = try await runCLI(base + ["webhooks", "create", "--url", "https://hooks.example.com/\(index)", "--generate-secret", "--events", "reward.issued"])
        ids += Self.ids(result.stdout).prefix(1)
      }
      let refused = try await runCLI(base + ["webhooks", "delete", ids[0]])
      #expect(refused.status == 2, "stderr: \(refused.stderr)")
      #expect(refused.stderr.contains("pass --yes"), "\(refused.stderr)")
      #expect(try await runCLI(base + ["webhooks", "get", ids[0]]).status == 0, "refused means not deleted")

      let declined = try await TerminalProcess.runOnTerminal(base + ["webhooks", "delete", ids[0]], typed: "n\n")
      #expect(declined.status == 1, "stderr: \(declined.stderr)")
      #expect(declined.stderr.contains("Delete webhook \(ids[0])"), "\(declined.stderr)")
      #expect(try await runCLI(base + ["webhooks", "get", ids[0]]).status == 0, "declined means not deleted")

      let confirmed = try await TerminalProcess.runOnTerminal(base + ["webhooks", "delete", ids[0]], typed: "y\n")
      #expect(confirmed.status == 0, "stderr: \(confirmed.stderr)")
      #expect(confirmed.terminal.contains("deleted \(ids[0])"), "\(confirmed.terminal)")
      #expect(try await runCLI(base + ["webhooks", "get", ids[0]]).status == 15)

      let yes = try await runCLI(base + ["webhooks", "delete", ids[1], "--yes"])
      #expect(yes.status == 0 && yes.stdout.hasPrefix("deleted \(ids[1])"), "\(yes.stdout) \(yes.stderr)")
      #expect(await server.stop() == 0)
    }
  }

  @Test("a server message naming a request field is printed with the flag, and the exit status stays 10 + the code")
  func errorsInFlags() async throws {
    let directory = try TemporaryDirectory(prefix: "hookwire-words")
    defer { directory.remove() }
    let key = try await Self.bootstrap(URL(fileURLWithPath: directory.path))
    try await withServer(dataDirectory: URL(fileURLWithPath: directory.path)) { server in
      let base = ["--server", "127.0.0.1:\(server.port)", "--api-key", key]
      let http = try await runCLI(base + ["webhooks", "create", "--url", "http://hooks.example.com/in", "--generate-secret", "--events", "reward.issued"])
      #expect(http.status == 13, "stderr: \(http.stderr)")
      #expect(http.stderr.contains("INVALID_ARGUMENT: --url must use https"), "\(http.stderr)")
      #expect(!http.stderr.contains("payload_url"))
      let missing = try await runCLI(base + ["webhooks", "get", "wh_nope"])
      #expect(missing.status == 15 && missing.stderr.contains("NOT_FOUND"), "\(missing.stderr)")
      #expect(await server.stop() == 0)
    }
  }
}
