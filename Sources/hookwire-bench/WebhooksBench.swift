import Foundation
import HookwireClient
import HookwireCrypto
import HookwirePosix
import HookwireServer
import HookwireStore

/// GetWebhook and CreateWebhook (durable: fsync per group commit) against a
/// server in another process with a fresh SQLite database, beside the no-op
/// echo of the same run.
enum WebhooksBench {
  static func run(_ options: BenchOptions) {
    let duration = options.int("duration", default: 5)
    let levels = options.int("concurrency").map { [$0] } ?? [16, 64]
    guard let (server, port, key, webhookID) = startServer(loops: options.int("server-loops", default: 1)) else {
      print("webhooks error=server_did_not_start")
      return
    }
    defer { ChildServer.stop(server) }
    let auth = [MetadataEntry(key: "authorization", value: Array("Bearer \(key)".utf8))]
    let workloads: [(String, LoadGenerator.Workload)] = [
      // The echo needs a key too, so the baseline pays for authentication as the RPCs do.
      ("noop_echo", .init(method: LoadGenerator.Workload.echo.method, request: LoadGenerator.Workload.echo.request, metadata: auth)),
      ("get_webhook", .init(
        method: Webhooks.Method.GetWebhook.descriptor.path, request: GetWebhookRequest(webhookID: webhookID).serializedBytes(), metadata: auth)),
      ("create_webhook", .init(
        method: Webhooks.Method.CreateWebhook.descriptor.path,
        request: CreateWebhookRequest(
          payloadURL: "https://hooks.partner-example.com/v2/webhooks/ingest", secret: "whsec_" + Data(repeating: 9, count: 32).base64EncodedString(),
          events: ["reward.issued", "points.earned"]).serializedBytes(),
        metadata: auth)),
    ]
    for concurrency in levels {
      for (name, workload) in workloads {
        guard let result = LoadGenerator.run(
          host: "127.0.0.1", port: port, connections: 1, inFlightPerConnection: concurrency, seconds: duration,
          cpuSampler: nil, workload: workload)
        else {
          print("webhooks op=\(name) concurrency=\(concurrency) error=load_failed")
          continue
        }
        print(String(
          format: "webhooks op=%@ concurrency=%d duration_s=%d calls=%d qps=%.0f p50_us=%.0f p99_us=%.0f",
          name, concurrency, duration, result.calls, result.qps, result.p50, result.p99))
      }
    }
  }

  /// Starts `hookwire-bench webhooks-server`; returns it, its port, a key and a webhook id.
  static func startServer(loops: Int) -> (Process, Int, String, String)? {
    guard let (process, fields) = ChildServer.start(["webhooks-server", "--loops", String(loops)], readyPrefix: "ready "),
      fields.count == 3, let port = Int(fields[0])
    else { return nil }
    return (process, port, fields[1], fields[2])
  }

  /// The server side: a fresh data directory with one partner, its key and
  /// one webhook; prints `ready PORT KEY WEBHOOK_ID`.
  static func serve(_ options: BenchOptions) async {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hookwire-bench-webhooks-\(UUID().uuidString)")
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      let database = try Database(path: directory.appendingPathComponent("hookwire.sqlite").path, migrations: DatabaseMigrations.migrations)
      let partners = SQLitePartnerStore(database: database)
      let webhooks = SQLiteWebhookStore(database: database)
      let secrets = try SecretBox(key: Crypto.randomBytes(32))
      let bu = try await partners.createBusinessUnit(name: "Europe").id
      _ = try await partners.createPartner(id: 12345, name: "Acme Rewards", kind: .channel, buID: bu, reach: .units([bu]))
      let key = try await partners.createAPIKey(for: .partner(12345)).plaintext
      var configuration = RPCServer.Configuration()
      configuration.port = 0
      configuration.loops = options.int("loops", default: 1)
      let service = WebhooksService(webhooks: webhooks, partners: partners, secrets: secrets)
      let server = RPCServer(
        configuration: configuration, services: [service, DiagnosticsService()],
        interceptors: [AuthInterceptor(store: partners)], requestGuard: RequestBounds.standard, log: ServerLog(enabled: false))
      let port = try server.start()
      let client = try RPCClient(host: "127.0.0.1", port: port)
      var metadata = Metadata()
      metadata.add("authorization", "Bearer \(key)")
      let created = try await Webhooks.Client(wrapping: client).createWebhook(
        CreateWebhookRequest(payloadURL: "https://hooks.example.com/in", generateSecret: true, events: ["reward.issued"]), metadata: metadata)
      await client.close()
      print("ready \(port) \(key) \(created.webhook?.id ?? "")")
      fflush(nil)
      signal(SIGTERM, SIG_DFL)
      while true { try? await Task.sleep(for: .seconds(3_600)) }
    } catch {
      print("error=\(error)")
    }
  }
}
