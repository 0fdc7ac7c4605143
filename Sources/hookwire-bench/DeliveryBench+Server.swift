import Foundation
import HookwireClient
import HookwireDelivery
import HookwireDomain
import HookwireHTTP
import HookwirePosix
import HookwirePostgres
import HookwireServer

extension DeliveryBench {
  /// The server side (`delivery-server`): RPC and delivery engine
  /// (loopback allowed) on the stores of `--database`. With `--seed yes`
  /// (the default) it makes a partner with `--webhooks` webhooks to the
  /// receiver and prints `ready PORT SERVICE_KEY PARTNER_KEY IDS…`; with
  /// `--seed no` it joins a database another server seeded and prints
  /// `ready PORT`. With `--control stdin` it answers `ids FILE` (writes the
  /// delivery ids its sender saw to FILE) with `ids posts=N unique=N`, and
  /// removes its SQLite directory and exits when its standard input ends.
  static func serve(_ options: BenchOptions) async {
    // The server's allocator settings unless `--malloc default` asks for glibc's own.
    if options.string("malloc") != "default" { MemoryTuning.apply() }
    let opened: BenchDatabase.Opened
    do {
      let database = try BenchDatabase.received(options.string("database"))
      opened = try await database.openStores(
        label: "delivery", node: options.string("node") ?? PostgresStores.defaultNode(), perWebhookLimit: options.int("per-webhook", default: 4))
    } catch {
      print("error=\(error)")
      fflush(nil)
      exit(1)
    }
    do {
      var configuration = HookwireApplication.Configuration()
      configuration.server.port = 0
      configuration.server.loops = 1
      var delivery = DeliveryEngine.Configuration()
      delivery.maxInFlight = options.int("in-flight", default: 64)
      delivery.perWebhookLimit = options.int("per-webhook", default: 4)
      delivery.pollInterval = .milliseconds(100)
      configuration.delivery = delivery
      configuration.allowedPrivateTargets = TargetGuard.allowList("127.0.0.0/8") ?? []
      configuration.allowHTTPTargets = true
      configuration.log = ServerLog(enabled: false)
      // Without `--connections`, the client's own default per endpoint.
      var clientConfiguration = HTTPClient.Configuration()
      if let connections = options.int("connections") { clientConfiguration.maxConnectionsPerHost = connections }
      let sender = SeenDeliveries(
        wrapping: options.string("sender") == "null" ? NullSender()
          : try ClientSender(configuration: clientConfiguration, caFile: options.string("ca-file")))
      let application = try HookwireApplication(configuration: configuration, stores: opened.stores, sender: sender)
      if options.string("seed") == "no" {
        print("ready \(application.port)")
      } else {
        let (serviceKey, partnerKey, ids) = try await seed(
          opened.stores.partners, port: application.port, webhooks: options.int("webhooks", default: 16),
          target: "\(options.string("scheme") ?? "http")://127.0.0.1:\(options.int("receiver-port", default: 0))/hooks")
        print("ready \(application.port) \(serviceKey) \(partnerKey) \(ids.joined(separator: " "))")
      }
      fflush(nil)
      signal(SIGTERM, SIG_DFL)
      if options.string("control") == "stdin" { answerControl(sender: sender, opened: opened) }
      await application.run()
    } catch {
      print("error=\(error)")
      fflush(nil)
      opened.remove()
      exit(1)
    }
  }

  /// A business unit, a channel partner with a key, a service key, and
  /// `webhooks` webhooks to `target/N` created through the RPC server on `port`.
  private static func seed(
    _ partners: any PartnerStore, port: Int, webhooks: Int, target: String
  ) async throws -> (service: String, partner: String, ids: [String]) {
    let bu = try await partners.createBusinessUnit(name: "Europe").id
    _ = try await partners.createPartner(id: 12345, name: "Acme Rewards", kind: .channel, buID: bu, reach: .units([bu]))
    let partnerKey = try await partners.createAPIKey(for: .partner(12345)).plaintext
    let serviceKey = try await partners.createAPIKey(for: .service("bench")).plaintext
    let client = try RPCClient(host: "127.0.0.1", port: port)
    var ids: [String] = []
    for index in 0..<webhooks {
      let created = try await Webhooks.Client(wrapping: client).createWebhook(
        CreateWebhookRequest(payloadURL: "\(target)/\(index)", generateSecret: true, events: ["reward.issued"]),
        metadata: ["authorization": .string("Bearer \(partnerKey)")])
      ids.append(created.webhook?.id ?? "")
    }
    await client.close()
    return (serviceKey, partnerKey, ids)
  }

  /// Answers `ids FILE` lines on standard input, on a thread of its own
  /// (reading blocks); at the input's end removes what the stores left on
  /// disk and exits.
  private static func answerControl(sender: SeenDeliveries, opened: BenchDatabase.Opened) {
    let thread = Thread {
      while let line = readLine() {
        guard line.hasPrefix("ids ") else { continue }
        let path = String(line.dropFirst(4))
        do {
          try sender.write(to: path)
          let (posts, unique) = sender.counts
          print("ids posts=\(posts) unique=\(unique)")
        } catch {
          print("ids error=cannot_write")
        }
        fflush(nil)
      }
      opened.remove()
      exit(0)
    }
    thread.name = "bench-control"
    thread.start()
  }
}
