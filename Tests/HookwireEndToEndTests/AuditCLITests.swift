import Foundation
import HookwireTestSupport
import Testing

/// `hookwire audit list` through the real binaries: the operator's key
/// changes and a partner's webhook changes as tables, tab-separated lines
/// and JSON Lines, cut into pages and walked with `--all`, filtered.
@Suite("CLI audit list", .serialized)
struct AuditCLITests {
  /// The webhook ids in `text`, in order of appearance.
  static func ids(_ text: String) -> [String] { CLIPagingOutputTests.ids(text) }

  @Test("audit list shows key changes by the operator and webhook changes by the partner's key, newest first, filtered, paged, as JSON Lines with every field")
  func auditList() async throws {
    let directory = try TemporaryDirectory(prefix: "hookwire-audit")
    defer { directory.remove() }
    let data = URL(fileURLWithPath: directory.path)
    let (key, _) = try await bootstrapAcme(dataDirectory: data)
    let spare = try await runAdmin(["create-key", "--partner", "12345"], dataDirectory: data)
    let sparePrefix = String(spare.split(separator: "_")[1])
    _ = try await runAdmin(["revoke-key", "--key-prefix", sparePrefix], dataDirectory: data)
    let prefix = String(key.split(separator: "_")[1])
    try await withServer(dataDirectory: data) { server in
      let base = ["--server=127.0.0.1:\(server.port)", "--api-key=\(key)"]
      var webhooks: [String] = []
      for index in 0..<3 {
        let result = try await runCLI(base + ["webhooks", "create", "--url=https://hooks.example.com/\(index)", "--generate-secret", "--events=reward.issued"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        webhooks += Self.ids(result.stdout).prefix(1)
      }
      let paused = try #require(webhooks.first)
      #expect(try await runCLI(base + ["webhooks", "pause", paused]).status == 0)

      // Piped: one tab-separated line per event, six cells, newest first.
      let all = try await runCLI(base + ["audit", "list", "--all"])
      #expect(all.status == 0, "stderr: \(all.stderr)")
      let lines = all.stdout.split(separator: "\n").map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
      #expect(lines.allSatisfy { $0.count == 6 }, "\(all.stdout)")
      #expect(lines.map { $0[3] } == ["webhook.paused", "webhook.created", "webhook.created", "webhook.created", "key.revoked", "key.created", "key.created"])
      #expect(lines[0][1] == "12345" && lines[0][2] == "\(prefix) (partner 12345)" && lines[0][4] == paused, "\(lines[0])")
      #expect(lines[0][5].contains(#""state":"ACTIVE""#) && lines[0][5].contains(#""state":"PAUSED""#), "\(lines[0])")
      #expect(lines[4][2].hasPrefix("admin ") && lines[4][4] == sparePrefix, "\(lines[4])")
      #expect(!all.stdout.contains(key) && !all.stdout.contains(spare) && !all.stdout.contains("whsec_"), "no secret is ever shown")

      // Filters: by webhook, by partner, by time.
      let one = try await runCLI(base + ["audit", "list", "--webhook", paused])
      #expect(one.stdout.split(separator: "\n").count == 2, "\(one.stdout)")
      let nobody = try await runCLI(base + ["audit", "list", "--partner", "99999"])
      #expect(nobody.status == 0 && nobody.stdout.isEmpty, "\(nobody.stdout) \(nobody.stderr)")
      let future = try await runCLI(base + ["audit", "list", "--since", "2999-01-01T00:00:00Z"])
      #expect(future.status == 0 && future.stdout.isEmpty, "\(future.stdout)")
      let recent = try await runCLI(base + ["audit", "list", "--since", "1h", "--until", "2999-01-01T00:00:00Z"])
      #expect(recent.stdout.split(separator: "\n").count == 7, "\(recent.stdout)")

      // Pages: a more: line on stderr when piped, its token going on from there.
      let first = try await runCLI(base + ["audit", "list", "--page-size", "3"])
      #expect(first.stdout.split(separator: "\n").count == 3)
      let token = try #require(CLIPagingOutputTests.more(first.stderr), "stderr: \(first.stderr)")
      let second = try await runCLI(base + ["audit", "list", "--page-size", "3", "--page-token", token])
      #expect(second.stdout.split(separator: "\n").map { $0.split(separator: "\t")[3] } == ["webhook.created", "key.revoked", "key.created"])
      let bad = try await runCLI(base + ["audit", "list", "--page-token", "garbage"])
      #expect(bad.status == 13, "INVALID_ARGUMENT: \(bad.stderr)")

      // JSON Lines: every field, the time as RFC 3339.
      let json = try await runCLI(base + ["--json", "audit", "list", "--webhook", paused])
      let objects = try json.stdout.split(separator: "\n").map { try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
      #expect(objects.count == 2)
      let newest = try #require(objects.first)
      #expect(Set(newest.keys) == [
        "id", "at", "partner_id", "actor_kind", "actor_partner_id", "actor_credential", "actor_name", "action", "webhook_id", "target_id", "event_id",
        "before_json", "after_json",
      ])
      #expect(newest["action"] as? String == "WEBHOOK_PAUSED" && newest["actor_credential"] as? String == prefix)
      #expect((newest["at"] as? String)?.hasSuffix("Z") == true && (newest["id"] as? String)?.hasPrefix("aud_") == true)

      // On a terminal: an aligned table with a header.
      let table = try await TerminalProcess.runOnTerminal(base + ["audit", "list", "--page-size", "2"])
      let rows = table.terminal.split(separator: "\n").map(String.init)
      #expect(rows.first?.hasPrefix("TIME ") == true && rows.first?.contains("  ACTION  ") == true, "\(table.terminal)")
      #expect(rows.count == 4 && rows.last?.hasPrefix("more: --page-token ") == true, "\(table.terminal)")
      let column = try #require(rows[0].range(of: "ACTION")).lowerBound.utf16Offset(in: rows[0])
      #expect(try #require(rows[1].range(of: "webhook.")).lowerBound.utf16Offset(in: rows[1]) == column, "\(table.terminal)")
    }
  }

  @Test("audit list refuses bad values before any call: exit 2 naming the flag", arguments: [
    (["--since", "yesterday"], "--since:"), (["--until=1w"], "--until:"), (["--page-size", "0"], "--page-size:"),
    (["--page-size=101"], "--page-size:"), (["--partner", "acme"], "--partner:"), (["--partner=0"], "--partner:"), (["--webhok", "wh_1"], "'--webhok'"),
  ])
  func badFlags(_ arguments: [String], _ named: String) async throws {
    let result = try await runCLI(["--server", "127.0.0.1:1", "--api-key", "hwk_x_y", "audit", "list"] + arguments)
    #expect(result.status == 2, "stderr: \(result.stderr)")
    #expect(result.firstErrorLine.contains(named), "\(result.stderr)")
    #expect(result.stderr.contains("hookwire audit --help"), "\(result.stderr)")
  }
}
