import Foundation
import Testing

/// The real binaries over loopback TCP: the server as operators run it and
/// the CLI as they use it.
@Suite("End to end", .serialized)
struct EndToEndTests {
  @Test("the server answers the CLI's health check and exits 0 on SIGTERM, logging start and stop")
  func healthAndSigterm() async throws {
    try await withServer { server in
      let result = try await runCLI(["health", "--server", "127.0.0.1:\(server.port)"])
      #expect(result.status == 0)
      #expect(result.stdout == "SERVING\n")
      let json = try await runCLI(["--json", "health", "--server", "127.0.0.1:\(server.port)"])
      #expect(json.stdout == "{\"service\":\"\",\"status\":\"SERVING\"}\n")
      #expect(await server.stop() == 0)
      #expect(server.log.contains("listening on 127.0.0.1:\(server.port)"))
      #expect(server.log.contains("stopped"))
    }
  }

  @Test("the CLI exits 10 + the status code: 15 NOT_FOUND, 24 UNAVAILABLE; 2 for usage mistakes")
  func exitCodes() async throws {
    try await withServer { server in
      let missing = try await runCLI(["health", "--service", "nope", "--server", "127.0.0.1:\(server.port)"])
      #expect(missing.status == 15)
      #expect(missing.stderr.contains("NOT_FOUND"))
      let port = server.port
      #expect(await server.stop() == 0)
      let down = try await runCLI(["health", "--server", "127.0.0.1:\(port)"])
      #expect(down.status == 24)
      #expect(down.stderr.contains("UNAVAILABLE"))
      let usage = try await runCLI(["health", "--timeout", "soon"])
      #expect(usage.status == 2)
    }
  }

  @Test("HOOKWIRE_SERVER is the default address")
  func environmentServer() async throws {
    try await withServer { server in
      let process = try await runProcess("hookwire", ["health"], environment: ["HOOKWIRE_SERVER": "127.0.0.1:\(server.port)"])
      #expect(process.status == 0)
      #expect(await server.stop() == 0)
    }
  }

  @Test("a bad --listen value is a usage error, not a crash")
  func badListen() async throws {
    let process = try await runProcess("hookwire-server", ["--listen", "nonsense"])
    #expect(process.status == 2)
  }

  @Test("operators bootstrap with admin commands; the CLI then works with the key, until it is revoked")
  func adminBootstrap() async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hookwire-admin-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    func admin(_ arguments: [String]) async throws -> String { try await runAdmin(arguments, dataDirectory: directory) }
    let europe = try await admin(["create-bu", "--name", "Europe"])
    let americas = try await admin(["create-bu", "--name", "Americas"])
    #expect(try await admin(["create-programme", "--bu", americas, "--name", "Rewards USA", "--id", "prog_us"]) == "prog_us")
    let channel = try await admin(["create-partner", "--name", "Northwind Loyalty", "--kind", "channel", "--bu", americas, "--id", "12346"])
    let global = try await admin(["create-partner", "--name", "Globex", "--kind", "global", "--bus", "\(europe),\(americas)"])
    let key = try await admin(["create-key", "--partner", global])
    #expect(key.hasPrefix("hwk_"))
    #expect(try await admin(["list-partners"]).contains("Northwind Loyalty"))

    try await withServer(arguments: ["--key-cache-ttl", "0"], dataDirectory: directory) { server in
      let address = "127.0.0.1:\(server.port)"
      let whoami = try await runCLI(["whoami", "--server", address, "--api-key", key])
      #expect(whoami.status == 0)
      #expect(whoami.stdout.contains("Globex"))
      let search = try await runCLI(["--json", "partners", "search", "north", "--server", address, "--api-key", key])
      #expect(search.stdout.contains("\"id\":\(channel)"))
      let programmes = try await runCLI(["programmes", "list", "--act-as", channel, "--server", address, "--api-key", key])
      #expect(programmes.stdout.contains("prog_us"))
      let prefix = String(key.split(separator: "_")[1])
      _ = try await admin(["revoke-key", "--key-prefix", prefix])
      let revoked = try await runCLI(["whoami", "--server", address, "--api-key", key])
      #expect(revoked.status == 26)
      #expect(await server.stop() == 0)
      let bad = try await runProcess("hookwire-server", ["admin", "create-partner", "--name", "X", "--kind", "sideways", "--data-dir", directory.path])
      #expect(bad.status == 2)
    }
  }

  @Test("--demo seeds once and prints each partner's key once")
  func demo() async throws {
    try await withServer(arguments: ["--demo"]) { server in
      #expect(await server.stop() == 0)
      try await withServer(arguments: ["--demo"], dataDirectory: server.dataDirectory) { again in
        #expect(again.log.contains("demo data already present"))
        #expect(await again.stop() == 0)
      }
    }
  }

  @Test("the CLI manages webhooks: create prints the secret once, URL and secret stay immutable, list shows both sections")
  func webhooksCLI() async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hookwire-cli-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let setup = try await runProcess("hookwire-server", ["admin", "create-bu", "--name", "Europe", "--data-dir", directory.path])
    #expect(setup.status == 0)
    _ = try await runProcess("hookwire-server", ["admin", "create-programme", "--bu", "1", "--name", "Gold", "--id", "prog_gold", "--data-dir", directory.path])
    _ = try await runProcess("hookwire-server", ["admin", "create-partner", "--name", "Acme", "--kind", "channel", "--bu", "1", "--id", "12345", "--data-dir", directory.path])
    let key = try await runProcess("hookwire-server", ["admin", "create-key", "--partner", "12345", "--data-dir", directory.path]).stdout
      .trimmingCharacters(in: .whitespacesAndNewlines)
    try await withServer(dataDirectory: directory) { server in
      let base = ["--server", "127.0.0.1:\(server.port)", "--api-key", key]
      let created = try await runCLI(base + ["webhooks", "create", "--url", "https://hooks.example.com/in", "--generate-secret", "--events", "reward.issued"])
      #expect(created.status == 0)
      #expect(created.stdout.contains("secret: whsec_"))
      let id = String(created.stdout.prefix { $0 != "\t" })
      let immutable = try await runCLI(base + ["webhooks", "update", id, "--url", "https://elsewhere.example"])
      #expect(immutable.status == 2)
      #expect(immutable.stderr.contains("cannot be changed"))
      let updated = try await runCLI(base + ["webhooks", "update", id, "--add-events", "points.earned"])
      #expect(updated.stdout.contains("points.earned,reward.issued"))
      let programme = try await runCLI(base + ["integrations", "create-webhook", "--programme", "prog_gold", "--url", "https://p.example/h", "--generate-secret", "--events", "invoice.issued"])
      #expect(programme.status == 13, "a partner-only event on a programme webhook is INVALID_ARGUMENT (10 + 3)")
      let listed = try await runCLI(base + ["--json", "webhooks", "list"])
      #expect(listed.stdout.contains("{\"id\":\"\(id)\",\"kind\":\"GLOBAL\""))
      #expect(!listed.stdout.contains("whsec_"))
      let deleted = try await runCLI(base + ["webhooks", "delete", id, "--yes"])
      #expect(deleted.status == 0)
      #expect(try await runCLI(base + ["webhooks", "get", id]).status == 15)
      #expect(await server.stop() == 0)
    }
  }
}
