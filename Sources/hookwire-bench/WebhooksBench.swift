import Foundation
import HookwireClient
import HookwireCrypto
import HookwirePosix
import HookwireServer
import HookwirePostgres
import HookwireStore

/// GetWebhook and CreateWebhook (durable: acknowledged after the commit
/// of its group, one fsync) against a server in another process with a
/// fresh database — SQLite, or a scratch database on a PostgreSQL server —
/// beside the no-op echo of the same run.
enum WebhooksBench {
  static func run(_ options: BenchOptions) async {
    let database: BenchDatabase
    let run: BenchDatabase.Run
    do {
      database = try BenchDatabase(options.string("database"))
      run = try await database.prepareRun("webhooks")
    } catch {
      error.exit()
    }
    await measure(options, run: run)
    await run.finish()
  }

  private static func measure(_ options: BenchOptions, run: BenchDatabase.Run) async {
    let duration = options.int("duration", default: 5)
    let levels = options.int("concurrency").map { [$0] } ?? [16, 64]
    let label = "webhooks database=\(run.database.kind)"
    guard
      let server = ControlledChild(
        command: "webhooks-server", ["--loops", String(options.int("server-loops", default: 1))] + run.arguments, readyPrefix: "ready ",
        environment: run.environment),
      server.fields.count == 3, let port = Int(server.fields[0])
    else {
      print("\(label) error=server_did_not_start")
      return
    }
    let (key, webhookID) = (server.fields[1], server.fields[2])
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
          print("\(label) op=\(name) concurrency=\(concurrency) error=load_failed")
          continue
        }
        var line = String(
          format: "%@ op=%@ concurrency=%d duration_s=%d calls=%d qps=%.0f p50_us=%.0f p99_us=%.0f",
          label, name, concurrency, duration, result.calls, result.qps, result.p50, result.p99)
        // Each create is acknowledged only after its group's commit.
        if name == "create_webhook" { line += String(format: " durable_creates_per_s=%.0f", result.qps) }
        print(line)
      }
    }
    await server.stop(grace: .seconds(5))
  }

  /// The server side: a fresh database (`--database`) with one partner, its
  /// key and one webhook; prints `ready PORT KEY WEBHOOK_ID`. With
  /// `--control stdin` it removes its SQLite directory and exits when its
  /// standard input ends.
  static func serve(_ options: BenchOptions) async {
    let opened: BenchDatabase.Opened
    do {
      let database = try BenchDatabase.received(options.string("database"))
      opened = try await database.openStores(label: "webhooks", node: PostgresStores.defaultNode(), perWebhookLimit: 4)
    } catch {
      print("error=\(error)")
      fflush(nil)
      exit(1)
    }
    do {
      let (partners, webhooks, secrets) = (opened.stores.partners, opened.stores.webhooks, opened.stores.secrets)
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
      if options.string("control") == "stdin" { removeAtEndOfInput(opened) }
      while true { try? await Task.sleep(for: .seconds(3_600)) }
    } catch {
      print("error=\(error)")
      fflush(nil)
      opened.remove()
      exit(1)
    }
  }

  /// Waits, on a thread of its own, for standard input to end; then
  /// removes what the stores left on disk and exits.
  private static func removeAtEndOfInput(_ opened: BenchDatabase.Opened) {
    let thread = Thread {
      while readLine() != nil {}
      opened.remove()
      exit(0)
    }
    thread.name = "bench-control"
    thread.start()
  }
}
