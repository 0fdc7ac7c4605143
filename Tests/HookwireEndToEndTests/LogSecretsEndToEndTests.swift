import Foundation
import Testing

/// The real server's JSON log, read while it handles keys, signing secrets
/// and payloads: every line is a JSON object, and none holds a secret.
@Suite("Log secrets end to end", .serialized)
struct LogSecretsEndToEndTests {
  /// `hwk_<prefix>_<secret>` as its public prefix and its secret.
  static func parts(of key: String) throws -> (prefix: String, secret: String) {
    let parts = key.split(separator: "_", maxSplits: 2).map(String.init)
    try #require(parts.count == 3 && parts[0] == "hwk", "not an API key: \(key)")
    return (parts[1], parts[2])
  }

  @Test("with --log-format json, keys, a wrong key's secret, a generated signing secret and a payload never reach the log; key prefixes do")
  func noSecretsInTheLog() async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hookwire-log-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let (partnerKey, serviceKey) = try await bootstrapAcme(dataDirectory: directory)
    let partner = try Self.parts(of: partnerKey)
    let wrongSecret = String(partner.secret.reversed()) + "Zz9"
    let wrongKey = "hwk_\(partner.prefix)_\(wrongSecret)"
    let marker = "payload-marker-\(UUID().uuidString)"
    var secrets = [partnerKey, serviceKey, partner.secret, wrongSecret, try Self.parts(of: serviceKey).secret, marker]
    var prefixes = [partner.prefix]

    let log = try await withServer(arguments: ["--log-format", "json", "--log-level", "debug"], dataDirectory: directory) { server in
      let base = ["--server", "127.0.0.1:\(server.port)"]
      #expect(try await runCLI(base + ["--api-key", partnerKey, "whoami"]).status == 0)
      let refused = try await runCLI(base + ["--api-key", wrongKey, "whoami"])
      #expect(refused.status == 26, "\(refused.stderr)")
      let published = try await runCLI(
        base + ["--api-key", serviceKey, "events", "publish", "--bu", "1", "--type", "points.earned", "--data", #"{"member_id":"\#(marker)","points":1}"#])
      #expect(published.status == 0, "\(published.stderr)")
      let created = try await runCLI(
        base + ["--api-key", partnerKey, "--json", "webhooks", "create", "--url", "https://example.com/hooks", "--events", "reward.issued", "--generate-secret"])
      #expect(created.status == 0, "\(created.stderr)")
      let secret = try #require(created.stdout.firstMatch(of: #/whsec_[A-Za-z0-9+\/=]+/#).map { String($0.output) }, "\(created.stdout)")
      secrets += [secret, String(secret.dropFirst("whsec_".count))]
      // A key made by an operator while the server runs, then used.
      let newKey = try await runAdmin(["create-key", "--partner", "12345"], dataDirectory: directory)
      let new = try Self.parts(of: newKey)
      secrets += [newKey, new.secret]
      prefixes.append(new.prefix)
      #expect(try await runCLI(base + ["--api-key", newKey, "whoami"]).status == 0)
      #expect(await server.stop() == 0)
      return server.log
    }

    let lines = log.split(separator: "\n").map(String.init)
    #expect(lines.count >= 6, "\(log)")
    for line in lines {
      let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
      #expect(object?["time"] is String && object?["level"] is String && object?["msg"] is String, "not a log line: \(line)")
    }
    for secret in secrets { #expect(!log.contains(secret), "a secret reached the log: \(secret)") }
    for prefix in prefixes { #expect(log.contains("\"key_prefix\":\"\(prefix)\""), "key prefix \(prefix) is not in the log:\n\(log)") }
    #expect(log.contains("\"status\":\"UNAUTHENTICATED\""), "the refused call is not in the log:\n\(log)")
  }

  @Test("the text format keeps today's look: TIME LEVEL message, the listening address readable from it")
  func textFormat() async throws {
    try await withServer(arguments: ["--log-level", "info"]) { server in
      #expect(await server.stop() == 0)
      let first = try #require(server.log.split(separator: "\n").first.map(String.init))
      #expect(first.firstMatch(of: #/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z INFO listening on 127\.0\.0\.1:\d+ /#) != nil, "\(first)")
      #expect(first.contains("address=127.0.0.1:\(server.port)"))
    }
  }
}
