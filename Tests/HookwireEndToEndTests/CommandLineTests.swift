import Foundation
import Testing

/// Every option of every executable is checked before anything is done:
/// an unknown flag, a missing value, a bad value or a stray argument exits
/// 2 (the usage status) with the offending flag named on the first line of
/// standard error, and an admin command that is refused has created and
/// written nothing.
@Suite("Command lines", .serialized)
struct CommandLineTests {
  /// One refused invocation: its arguments and what the error line must name.
  struct Refused: CustomTestStringConvertible, Sendable {
    var arguments: [String]
    var names: String
    var testDescription: String { arguments.joined(separator: " ") }
  }

  static let server: [Refused] = [
    // Both as first found: a mistyped admin flag wrote ./hookwire-data and exited 0;
    // an allow-list of blank entries crashed the server.
    Refused(arguments: ["admin", "create-bu", "--name", "X", "--database", "mysql://hookwire@db.internal/hookwire"], names: "--database"),
    Refused(arguments: ["admin", "create-bu", "--name", "X", "--database", "postgres://db.internal/hookwire"], names: "--database"),
    Refused(arguments: ["--allow-private-targets", " , "], names: "--allow-private-targets"),
    Refused(arguments: ["--allow-private-targets", "127.0.0.0/8,"], names: "--allow-private-targets"),
    Refused(arguments: ["--allow-private-targets", "/"], names: "--allow-private-targets"),
    Refused(arguments: ["--allow-private-targets", "127.0.0.1/"], names: "--allow-private-targets"),
    Refused(arguments: ["--allow-private-targets", "127.0.0.0/33"], names: "--allow-private-targets"),
    Refused(arguments: ["--allow-private-targets", "localhost"], names: "--allow-private-targets"),
    Refused(arguments: ["--listen", "localhost:7700"], names: "--listen"),
    Refused(arguments: ["--listen", "::1:7700"], names: "--listen"),
    Refused(arguments: ["--listen", "127.0.0.1:65536"], names: "--listen"),
    Refused(arguments: ["--loops", "0"], names: "--loops"),
    Refused(arguments: ["--loops", "many"], names: "--loops"),
    Refused(arguments: ["--delivery-timeout", "301"], names: "--delivery-timeout"),
    Refused(arguments: ["--retry-delays", "0,,1000"], names: "--retry-delays"),
    Refused(arguments: ["--retry-delays", "99999999999999999999"], names: "--retry-delays"),
    Refused(arguments: ["--retention-days", "-1"], names: "--retention-days"),
    Refused(arguments: ["--disable-after-hours", "0"], names: "--disable-after-hours"),
    Refused(arguments: ["--key-cache-ttl", "3601"], names: "--key-cache-ttl"),
    Refused(arguments: ["--data-dir"], names: "--data-dir"),
    Refused(arguments: ["--data-dir", "--demo"], names: "--data-dir"),
    Refused(arguments: ["--data-dir", ""], names: "--data-dir"),
    Refused(arguments: ["--demo=yes"], names: "--demo"),
    Refused(arguments: ["--demo", "--demo"], names: "--demo"),
    Refused(arguments: ["--frobnicate"], names: "--frobnicate"),
    Refused(arguments: ["-x"], names: "-x"),
    Refused(arguments: ["serve"], names: "serve"),
    Refused(arguments: ["admin", "nuke"], names: "nuke"),
    Refused(arguments: ["admin", "create-bu"], names: "--name"),
    Refused(arguments: ["admin", "create-bu", "--name"], names: "--name"),
    Refused(arguments: ["admin", "create-bu", "--name", "--data-dir", "elsewhere"], names: "--name"),
    Refused(arguments: ["admin", "create-bu", "--name", "X", "--name", "Y"], names: "--name"),
    Refused(arguments: ["admin", "create-bu", "--name", "X", "--data-dir", ""], names: "--data-dir"),
    Refused(arguments: ["admin", "create-bu", "--name", "X", "Europe"], names: "Europe"),
    Refused(arguments: ["admin", "create-programme", "--bu", "one", "--name", "P"], names: "--bu"),
    Refused(arguments: ["admin", "create-programme", "--bu", "1", "--name", "P", "--id", ""], names: "--id"),
    Refused(arguments: ["admin", "create-partner", "--name", "X", "--kind", "sideways"], names: "--kind"),
    Refused(arguments: ["admin", "create-partner", "--name", "X", "--kind", "global", "--bus", "1,,2"], names: "--bus"),
    Refused(arguments: ["admin", "create-partner", "--name", "X", "--kind", "channel", "--bu", "1", "--all-bus"], names: "--all-bus"),
    Refused(arguments: ["admin", "create-partner", "--name", "X", "--kind", "global", "--all-bus=no", "--bu", "1"], names: "--all-bus"),
    Refused(arguments: ["admin", "create-partner", "--name", "X", "--kind", "channel", "--bu", "1", "--id", "-7"], names: "--id"),
    Refused(arguments: ["admin", "create-key", "--partner", "0"], names: "--partner"),
    Refused(arguments: ["admin", "create-service-key", "--name", "svc", "--partner", "1"], names: "--partner"),
    Refused(arguments: ["admin", "revoke-key", "hwk_abc"], names: "hwk_abc"),
    Refused(arguments: ["admin", "list-partners", "--verbose"], names: "--verbose"),
    Refused(arguments: ["admin", "create-service-identity", "--name", "billing"], names: "--subject"),
    Refused(arguments: ["admin", "create-service-identity", "--subject", "CN=billing"], names: "--name"),
    Refused(arguments: ["admin", "create-service-identity", "--name", "  ", "--subject", "CN=billing"], names: "--name"),
    Refused(arguments: ["admin", "create-service-identity", "--name", String(repeating: "n", count: 201), "--uri", "spiffe://r/b"], names: "--name"),
    Refused(arguments: ["admin", "create-service-identity", "--name", "bill\u{1B}ing", "--uri", "spiffe://r/b"], names: "--name"),
    Refused(arguments: ["admin", "create-service-identity", "--name", "billing", "--subject", ""], names: "--subject"),
    Refused(arguments: ["admin", "create-service-identity", "--name", "billing", "--subject", "billing"], names: "--subject"),
    Refused(arguments: ["admin", "create-service-identity", "--name", "billing", "--subject", "CN=a\u{7}"], names: "--subject"),
    Refused(arguments: ["admin", "create-service-identity", "--name", "billing", "--subject", "CN=" + String(repeating: "x", count: 1_100)], names: "--subject"),
    Refused(arguments: ["admin", "create-service-identity", "--name", "billing", "--subject", "/O=Rewards/CN=billing"], names: "--subject"),
    Refused(arguments: ["admin", "create-service-identity", "--name", "billing", "--uri", "billing"], names: "--uri"),
    Refused(arguments: ["admin", "create-service-identity", "--name", "billing", "--uri", "spiffe://r/ b"], names: "--uri"),
    Refused(arguments: ["admin", "create-service-identity", "--name", "billing", "--uri", "spiffe://r/b", "--subject", "CN=b"], names: "--subject"),
    Refused(arguments: ["admin", "revoke-service-identity"], names: "--id"),
    Refused(arguments: ["admin", "revoke-service-identity", "--id", "0"], names: "--id"),
    Refused(arguments: ["admin", "revoke-service-identity", "--id", "1", "--uri", "spiffe://r/b"], names: "--id"),
    Refused(arguments: ["admin", "revoke-service-identity", "--subject", "CN="], names: "--subject"),
    Refused(arguments: ["admin", "list-service-identities", "--all"], names: "--all"),
  ]

  @Test("hookwire-server refuses unknown options and bad values with exit status 2, naming the flag, before touching any data directory",
    arguments: server)
  func serverRefuses(_ case: Refused) async throws {
    let directory = try Self.emptyDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let result = try await runProcess("hookwire-server", `case`.arguments, in: directory)
    #expect(result.status == 2, "stderr: \(result.stderr)")
    #expect(result.firstErrorLine.contains("error:"), "stderr: \(result.stderr)")
    #expect(result.firstErrorLine.contains(`case`.names), "stderr: \(result.stderr)")
    #expect(result.stdout.isEmpty)
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty, "something was written beside the command")
  }

  @Test("a correct admin command in the same setting does write ./hookwire-data and exits 0, so the refusals above are meaningful")
  func adminControl() async throws {
    let directory = try Self.emptyDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let result = try await runProcess("hookwire-server", ["admin", "create-bu", "--name=Europe"], in: directory)
    #expect(result.status == 0, "stderr: \(result.stderr)")
    #expect(result.stdout == "1\n")
    #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("hookwire-data/hookwire.sqlite").path))
  }

  /// The CLI's cases point at a port nothing listens on, so an option that
  /// slipped through would end in UNAVAILABLE (24), not in 2.
  static let cli: [Refused] = [
    Refused(arguments: ["--bogus", "health"], names: "--bogus"),
    Refused(arguments: ["--bogus"], names: "--bogus"),
    Refused(arguments: ["health", "--service"], names: "--service"),
    Refused(arguments: ["health", "extra"], names: "extra"),
    Refused(arguments: ["--timeout", "soon", "health"], names: "--timeout"),
    Refused(arguments: ["--timeout", "0s", "health"], names: "--timeout"),
    Refused(arguments: ["--timeout", "999999999999999999m", "health"], names: "--timeout"),
    Refused(arguments: ["--act-as", "-3", "whoami"], names: "--act-as"),
    Refused(arguments: ["--json=yes", "health"], names: "--json"),
    Refused(arguments: ["--api-key", "a", "--api-key", "b", "whoami"], names: "--api-key"),
    Refused(arguments: ["--tls=yes", "health"], names: "--tls"),
    Refused(arguments: ["--tls", "health", "--tls"], names: "--tls"),
    Refused(arguments: ["--ca-file", "--tls", "health"], names: "--ca-file"),
    Refused(arguments: ["--ca-file=", "health"], names: "--ca-file"),
    Refused(arguments: ["--cert", "no-such-client.pem", "health"], names: "no-such-client.pem"),
    Refused(arguments: ["health", "--key"], names: "--key"),
    Refused(arguments: ["whoami", "--api-key"], names: "--api-key"),
    Refused(arguments: ["whoami", "me"], names: "me"),
    Refused(arguments: ["partners", "search", "acme", "--page-size", "lots"], names: "--page-size"),
    Refused(arguments: ["partners", "get", "12345", "67890"], names: "67890"),
    Refused(arguments: ["bus", "list", "--page-size", "-1"], names: "--page-size"),
    Refused(arguments: ["programmes", "list", "--bu", "europe"], names: "--bu"),
    Refused(arguments: ["webhooks", "list", "--bogus"], names: "--bogus"),
    Refused(arguments: ["webhooks", "list", "--kind", "sideways"], names: "--kind"),
    Refused(arguments: ["webhooks", "get"], names: "webhooks get"),
    Refused(
      arguments: ["webhooks", "create", "--url", "https://example.com/h", "--generate-secret", "--events", "reward.issued", "--database", "x"],
      names: "--database"),
    Refused(arguments: ["webhooks", "create", "--generate-secret=yes"], names: "--generate-secret"),
    Refused(arguments: ["webhooks", "update", "wh_1", "--url", "https://example.com/other"], names: "--url"),
    Refused(arguments: ["webhooks", "pause", "wh_1", "--expected-version", "v2"], names: "--expected-version"),
    Refused(arguments: ["webhooks", "delete", "wh_1", "wh_2"], names: "wh_2"),
    Refused(arguments: ["events", "types", "--scope", "everything"], names: "--scope"),
    Refused(arguments: ["events", "publish", "--bu", "one", "--type", "reward.issued", "--data", "{}"], names: "--bu"),
    Refused(arguments: ["events", "publish", "--bu", "1", "--type", "reward.issued", "--data", "{}", "--retries", "3"], names: "--retries"),
    Refused(arguments: ["logs", "list", "wh_1", "--status", "lost"], names: "--status"),
    Refused(arguments: ["logs", "list", "wh_1", "--since", "yesterday"], names: "--since"),
    Refused(arguments: ["logs", "get", "wh_1", "--status", "failed", "evt_1"], names: "--status"),
    Refused(arguments: ["logs", "search", "evt_1", "evt_2"], names: "evt_2"),
    Refused(arguments: ["logs", "tail", "wh_1", "wh_2"], names: "wh_2"),
    Refused(arguments: ["logs", "recover", "wh_1", "--since", "-5"], names: "--since"),
    Refused(arguments: ["logs", "redeliver", "wh_1"], names: "logs redeliver"),
    Refused(arguments: ["verify", "--secret", "whsec_x", "--body", "{}", "--tolerance", "forever"], names: "--tolerance"),
    Refused(arguments: ["integrations", "create-webhook", "--programme", "p", "--all-bus"], names: "--all-bus"),
  ]

  @Test("hookwire refuses unknown options, missing and bad values and stray arguments with exit status 2, naming the flag", arguments: cli)
  func cliRefuses(_ case: Refused) async throws {
    let result = try await runProcess("hookwire", `case`.arguments + ["--server", "127.0.0.1:1"])
    #expect(result.status == 2, "stderr: \(result.stderr)")
    #expect(result.firstErrorLine.contains("error:"), "stderr: \(result.stderr)")
    #expect(result.firstErrorLine.contains(`case`.names), "stderr: \(result.stderr)")
  }

  @Test("hookwire refuses a --server that is not a host name or address and a port with exit status 2, naming --server", arguments: [
    "127.0.0.1:0", "127.0.0.1", "::1:7700", "exa mple.com:7700", ":7700", "example.com:", "example.com:+80", "example.com:65536",
    "-example.com:7700", "example..com:7700", "example.com:7700 ", "[example.com]:7700", "[::1:7700", "127.1:7700", "host_name:7700",
  ])
  func cliRefusesServer(_ address: String) async throws {
    let result = try await runProcess("hookwire", ["--server", address, "health"])
    #expect(result.status == 2, "stderr: \(result.stderr)")
    #expect(result.firstErrorLine.contains("--server"), "stderr: \(result.stderr)")
  }

  static let bench: [Refused] = [
    Refused(arguments: ["codec", "--iterations", "5"], names: "--iterations"),
    Refused(arguments: ["codec", "--bogus", "1"], names: "--bogus"),
    Refused(arguments: ["codec", "--runs"], names: "--runs"),
    Refused(arguments: ["codec", "stray"], names: "stray"),
    Refused(arguments: ["codec", "--message", "partner"], names: "--message"),
    Refused(arguments: ["rpc", "--server", "nowhere"], names: "--server"),
    Refused(arguments: ["rpc", "--concurrency", "lots"], names: "--concurrency"),
    Refused(arguments: ["webhooks", "--duration", "0"], names: "--duration"),
    Refused(arguments: ["http", "--receiver", "carrier-pigeon"], names: "--receiver"),
    Refused(arguments: ["delivery", "--sender", "smtp"], names: "--sender"),
    Refused(arguments: ["delivery", "--events", "10", "--events", "20"], names: "--events"),
    Refused(arguments: ["search", "--partners", "many"], names: "--partners"),
    Refused(arguments: ["logsearch", "--data-dir="], names: "--data-dir"),
    Refused(arguments: ["logsearch", "--rows", "1"], names: "--rows"),
  ]

  @Test("hookwire-bench refuses unknown options and out-of-bounds values with exit status 2, naming the flag, instead of ignoring or clamping them",
    arguments: bench)
  func benchRefuses(_ case: Refused) async throws {
    let directory = try Self.emptyDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let result = try await runProcess("hookwire-bench", `case`.arguments, in: directory)
    #expect(result.status == 2, "stderr: \(result.stderr)")
    #expect(result.firstErrorLine.contains(`case`.names), "stderr: \(result.stderr)")
    #expect(result.stdout.isEmpty)
  }

  @Test("--help still works and exits 0 on every executable and command, writing nothing", arguments: [
    ("hookwire-server", ["--help"]), ("hookwire-server", ["admin", "--help"]), ("hookwire-server", ["admin", "create-bu", "--help"]),
    ("hookwire", ["--help"]), ("hookwire", ["webhooks", "create", "--help"]), ("hookwire", ["logs", "get", "-h"]),
    ("hookwire-bench", ["--help"]),
  ])
  func help(_ executable: String, _ arguments: [String]) async throws {
    let directory = try Self.emptyDirectory()
    defer { try? FileManager.default.removeItem(at: directory) }
    let result = try await runProcess(executable, arguments, in: directory)
    #expect(result.status == 0, "stderr: \(result.stderr)")
    #expect(result.stdout.contains("usage: "))
    #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path).isEmpty)
  }

  static func emptyDirectory() throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hookwire-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    return directory
  }
}
