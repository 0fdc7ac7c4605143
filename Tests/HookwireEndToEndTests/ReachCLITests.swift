import Foundation
import Testing

/// The attack's own commands, with the real CLI against the real server:
/// acting as a wider partner is refused, and an oversized value comes back
/// as an ordinary error rather than a frame the CLI cannot read.
@Suite("Reach and bounds through the CLI", .serialized)
struct ReachCLITests {
  @Test("`--act-as` a partner that reaches more units than the caller is PERMISSION_DENIED (exit 17) and creates nothing")
  func actingAsAWiderPartnerIsRefused() async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hookwire-reach-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    for name in ["Europe", "Americas", "Asia"] { _ = try await runAdmin(["create-bu", "--name", name], dataDirectory: directory) }
    _ = try await runAdmin(["create-partner", "--name", "Globex", "--kind", "global", "--all-bus", "--bu", "1", "--id", "20001"], dataDirectory: directory)
    _ = try await runAdmin(["create-partner", "--name", "Initech", "--kind", "global", "--bus", "1,2", "--id", "20002"], dataDirectory: directory)
    let initech = try await runAdmin(["create-key", "--partner", "20002"], dataDirectory: directory)
    let globex = try await runAdmin(["create-key", "--partner", "20001"], dataDirectory: directory)
    try await withServer(arguments: ["--allow-http-targets", "--allow-private-targets", "127.0.0.0/8"], dataDirectory: directory) { server in
      let address = ["--server", "127.0.0.1:\(server.port)"]

      let widened = try await runCLI(
        address + ["--api-key", initech, "--act-as", "20001", "webhooks", "create", "--url", "http://127.0.0.1:9/x", "--events", "reward.issued",
          "--all-bus", "--generate-secret"])
      #expect(widened.status == 17, "stderr: \(widened.stderr)")
      #expect(widened.stderr.contains("PERMISSION_DENIED"))
      let listed = try await runCLI(address + ["--api-key", globex, "--json", "webhooks", "list"])
      #expect(listed.status == 0)
      #expect(!listed.stdout.contains("wh_"), "a webhook was created while acting: \(listed.stdout)")
      // Within reach it works: Globex may act as Initech.
      let narrowed = try await runCLI(
        address + ["--api-key", globex, "--act-as", "20002", "webhooks", "create", "--url", "http://127.0.0.1:9/x", "--events", "reward.issued",
          "--all-bus", "--generate-secret"])
      #expect(narrowed.status == 0, "stderr: \(narrowed.stderr)")
    }
  }

  @Test("`webhooks get` with a 100,000-byte id fails NOT_FOUND (exit 15) with a bounded message, not frame_too_large")
  func oversizedIDIsAnOrdinaryError() async throws {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hookwire-bound-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    let (partnerKey, _) = try await bootstrapAcme(dataDirectory: directory)
    try await withServer(dataDirectory: directory) { server in
      let result = try await runCLI(["--server", "127.0.0.1:\(server.port)", "--api-key", partnerKey, "webhooks", "get", String(repeating: "w", count: 100_000)])
      #expect(result.status == 15 || result.status == 13, "stderr: \(result.stderr.prefix(200))")
      #expect(result.stderr.utf8.count < 1_200)
    }
  }
}
