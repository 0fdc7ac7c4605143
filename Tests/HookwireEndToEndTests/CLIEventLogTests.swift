import Foundation
import HookwireTestSupport
import Testing

@testable import hookwire

/// `hookwire logs …` through the real binaries, on SQLite and (when its
/// programs are installed) PostgreSQL: a receiver finds a delivery by the
/// `webhook-id` it got, a deleted webhook's log stays readable to whoever
/// could read it, and held redeliveries print the server's reason.
@Suite("CLI event logs", .serialized)
struct CLIEventLogTests {
  /// Where the server keeps its data.
  enum Backend: String, CaseIterable, Sendable {
    case sqlite, postgres

    /// The backends this machine can run.
    static var available: [Backend] { PostgresTestServer.isAvailable ? allCases : [.sqlite] }
  }

  /// A server delivering to loopback, Europe's Acme (12345) and Americas'
  /// Northwind (12346) with their keys, and a service key.
  struct World {
    var acme: [String]
    var northwind: [String]
    var service: [String]
    var acmeKey: String
  }

  static let serverArguments = ["--allow-http-targets", "--allow-private-targets", "127.0.0.0/8", "--key-cache-ttl", "0"]

  static func withWorld(_ backend: Backend, _ body: (World) async throws -> Void) async throws {
    try await withTeardown { teardown in
      let admin: @Sendable ([String]) async throws -> String
      var arguments = serverArguments
      var dataDirectory: URL?
      let acmeKey: String
      let serviceKey: String
      switch backend {
      case .sqlite:
        let directory = try TemporaryDirectory(prefix: "hookwire-logs")
        teardown.add { directory.remove() }
        let url = URL(fileURLWithPath: directory.path)
        (acmeKey, serviceKey) = try await bootstrapAcme(dataDirectory: url)
        admin = { try await runAdmin($0, dataDirectory: url) }
        dataDirectory = url
      case .postgres:
        let deployment = try await PostgresDeployment.make()
        teardown.add { await deployment.remove() }
        (acmeKey, serviceKey) = (deployment.partnerKey, deployment.serviceKey)
        admin = { try await runAdmin($0, database: deployment.databaseURL) }
        arguments = deployment.serverArguments(node: "a", ["--key-cache-ttl", "0"])
      }
      _ = try await admin(["create-bu", "--name", "Americas"])
      _ = try await admin(["create-partner", "--name", "Northwind", "--kind", "channel", "--bu", "2", "--id", "12346"])
      let northwindKey = try await admin(["create-key", "--partner", "12346"])
      let server = try await ServerProcess.start(arguments: arguments, dataDirectory: dataDirectory)
      teardown.add { _ = await server.stop() }
      let address = ["--server", "127.0.0.1:\(server.port)"]
      try await body(World(
        acme: address + ["--api-key", acmeKey], northwind: address + ["--api-key", northwindKey], service: address + ["--api-key", serviceKey],
        acmeKey: acmeKey))
    }
  }

  /// Creates Acme's webhook for `reward.issued` delivering to `receiver`; returns its id.
  static func webhook(_ world: World, _ receiver: TestReceiver) async throws -> String {
    let created = try await runCLI(world.acme + ["webhooks", "create", "--url", "http://127.0.0.1:\(receiver.port)/in", "--generate-secret", "--events", "reward.issued"])
    #expect(created.status == 0, "stderr: \(created.stderr)")
    return String(created.stdout.prefix { $0 != "\t" })
  }

  /// Publishes a `reward.issued` event in Europe; returns its id.
  static func publish(_ world: World) async throws -> String {
    let published = try await runCLI(world.service + ["events", "publish", "--bu", "1", "--type", "reward.issued", "--data", #"{"points":5}"#])
    #expect(published.status == 0, "stderr: \(published.stderr)")
    return String(published.stdout.prefix { $0 != "\t" })
  }

  @Test("`logs search` takes the webhook-id header a receiver got and finds that one delivery", arguments: Backend.available)
  func searchByDeliveryID(_ backend: Backend) async throws {
    let receiver = try TestReceiver()
    defer { receiver.stop() }
    try await Self.withWorld(backend) { world in
      for _ in 0..<2 { _ = try await Self.webhook(world, receiver) }
      let event = try await Self.publish(world)
      #expect(try await CLIDeliveryConventionsTests.eventually { receiver.requests.count == 2 })
      let request = try #require(receiver.requests.first { $0.path == "/in" && $0.headers["hookwire-event-id"] == event })
      let deliveryID = try #require(request.headers["webhook-id"])
      #expect(deliveryID.hasPrefix("dlv_"))

      let found = try await runCLI(world.acme + ["logs", "search", deliveryID])
      #expect(found.status == 0, "stderr: \(found.stderr)")
      let lines = found.stdout.split(separator: "\n")
      #expect(lines.count == 1 && lines.first?.contains("\t\(event)\t") == true, "\(found.stdout)")
      let json = try await runCLI(world.acme + ["--json", "logs", "search", deliveryID])
      #expect(json.stdout.contains(#""delivery_id":"\#(deliveryID)""#), "\(json.stdout)")
      // The event id still finds both webhooks' deliveries; another unit's partner finds neither.
      #expect(try await runCLI(world.acme + ["logs", "search", event]).stdout.split(separator: "\n").count == 2)
      #expect(try await runCLI(world.northwind + ["logs", "search", deliveryID]).stdout.isEmpty)
      let empty = try await runCLI(world.acme + ["logs", "search", ""])
      #expect(empty.status == 13 && empty.stderr.contains("INVALID_ARGUMENT: <id> is required"), "\(empty.stderr)")
    }
  }

  @Test("a deleted webhook's log stays readable by id, under the same rule, marked deleted; it is listed nowhere and gets nothing new", arguments: Backend.available)
  func deletedWebhookLog(_ backend: Backend) async throws {
    let receiver = try TestReceiver()
    defer { receiver.stop() }
    try await Self.withWorld(backend) { world in
      let webhook = try await Self.webhook(world, receiver)
      let event = try await Self.publish(world)
      #expect(try await CLIDeliveryConventionsTests.eventually { receiver.requests.count == 1 })
      #expect(try await CLIDeliveryConventionsTests.eventually {
        try await runCLI(world.acme + ["logs", "list", webhook]).stdout.contains("\tsucceeded\t")
      })
      let deleted = try await runCLI(world.acme + ["webhooks", "delete", webhook, "--yes"])
      #expect(deleted.status == 0, "stderr: \(deleted.stderr)")

      let listed = try await runCLI(world.acme + ["logs", "list", webhook])
      #expect(listed.status == 0, "stderr: \(listed.stderr)")
      #expect(listed.stdout.hasPrefix("\(webhook)\t\(event)\treward.issued\tsucceeded\t"), "\(listed.stdout)")
      #expect(listed.stderr.contains("webhook \(webhook) was deleted at 20"), "\(listed.stderr)")
      let json = try await runCLI(world.acme + ["--json", "logs", "list", webhook])
      #expect(json.stdout.range(of: #""webhook_deleted_at":"20\d\d-"#, options: .regularExpression) != nil, "\(json.stdout)")
      let got = try await runCLI(world.acme + ["logs", "get", webhook, event])
      #expect(got.status == 0 && got.stdout.contains("payload: {\"points\":5}") && got.stderr.contains("was deleted"), "\(got.stdout) \(got.stderr)")
      let searched = try await runCLI(world.acme + ["logs", "search", event])
      #expect(searched.stdout.contains(webhook) && searched.stderr.contains("was deleted"), "\(searched.stdout) \(searched.stderr)")

      let outside = try await runCLI(world.northwind + ["logs", "list", webhook])
      #expect(outside.status == 17, "stdout: \(outside.stdout) stderr: \(outside.stderr)")
      #expect(try await runCLI(world.acme + ["logs", "list", "wh_never"]).status == 15)
      let dashboard = try await runCLI(world.acme + ["webhooks", "list"])
      #expect(dashboard.status == 0 && !dashboard.stdout.contains(webhook), "\(dashboard.stdout)")
      let redelivered = try await runCLI(world.acme + ["logs", "redeliver", webhook, event])
      #expect(redelivered.status == 19 && redelivered.stderr.contains("was deleted"), "\(redelivered.stderr)")

      let later = try await Self.publish(world)
      let again = try await runCLI(world.acme + ["logs", "list", webhook])
      #expect(!again.stdout.contains(later) && again.stdout.contains(event), "\(again.stdout)")
      #expect(receiver.requests.count == 1)
    }
  }

  @Test("redeliver and recover to a paused webhook print the server's reason: who paused it, and when", arguments: [Backend.sqlite])
  func heldRedeliveryPrintsTheServersReason(_ backend: Backend) async throws {
    let receiver = try TestReceiver()
    defer { receiver.stop() }
    try await Self.withWorld(backend) { world in
      let webhook = try await Self.webhook(world, receiver)
      let event = try await Self.publish(world)
      #expect(try await CLIDeliveryConventionsTests.eventually { receiver.requests.count == 1 })
      #expect(try await runCLI(world.acme + ["webhooks", "pause", webhook]).status == 0)
      let prefix = world.acmeKey.split(separator: "_").dropFirst().first.map(String.init) ?? ""
      let held = try await runCLI(world.acme + ["logs", "redeliver", webhook, event])
      #expect(held.status == 0 && held.stdout.hasPrefix("held\t\(webhook)\t\(event)\treward.issued\theld\t"), "\(held.stdout)")
      #expect(held.stderr.contains("held: webhook \(webhook) is paused (last changed by partner 12345 with key \(prefix) at 20"), "\(held.stderr)")
      #expect(held.stderr.contains("resume it with 'hookwire webhooks resume \(webhook)'"))
      let json = try await runCLI(world.acme + ["--json", "logs", "recover", webhook])
      #expect(json.stdout.contains(#""held":true"#) && json.stdout.contains("last changed by partner 12345"), "\(json.stdout)")
    }
  }

  @Test("the log commands' server messages name the command's own arguments and flags", arguments: [
    ("event_id is required", "hookwire logs search", "<id> is required"),
    ("`event_id` exceeds its bound of 128 bytes", "hookwire logs search", "`<id>` exceeds its bound of 128 bytes"),
    ("`event_id` exceeds its bound of 128 bytes", "hookwire logs get", "`<event-id>` exceeds its bound of 128 bytes"),
    ("`event_type` exceeds its bound of 64 bytes", "hookwire logs list", "`--type` exceeds its bound of 64 bytes"),
    ("`page_token` exceeds its bound of 2048 bytes", "hookwire logs search", "`--page-token` exceeds its bound of 2048 bytes"),
    ("`webhook_id` exceeds its bound of 128 bytes", "hookwire logs tail", "`<webhook-id>` exceeds its bound of 128 bytes"),
    ("since_ms must not be negative", "hookwire logs recover", "--since must not be negative"),
  ])
  func logVocabulary(_ message: String, _ path: String, _ expected: String) {
    #expect(FieldVocabulary.translate(message, for: path) == expected)
  }
}
