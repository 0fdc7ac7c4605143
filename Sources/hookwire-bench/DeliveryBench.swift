import HookwireDelivery
import Foundation
import HookwireClient
import HookwireCrypto
import HookwireDomain
import HookwireServer
import HookwireStore
import HookwireHTTP
import HookwirePosix
import HookwireTLS
import HookwireTestSupport

/// End to end: publish → signed POST received by a local keep-alive
/// receiver → attempt logged, with the server (RPC + delivery engine) in
/// another process on a fresh SQLite database.
enum DeliveryBench {
  static func run(_ options: BenchOptions) async {
    let events = options.int("events", default: 20_000)
    let webhookCount = options.int("webhooks", default: 16)
    // `--scheme https`: the receiver answers over TLS with a certificate
    // from a CA made for the run, which the server is told to trust.
    let https = options.string("scheme") == "https"
    var authorityFile: String?
    var tls: TLSContext?
    let certificates = https ? try? TemporaryDirectory(prefix: "hookwire-bench-tls") : nil
    defer { certificates?.remove() }
    if https {
      guard let certificates, let authority = try? TestCertificateAuthority(directory: certificates.path),
        let issued = try? authority.issue(names: ["localhost"], ipAddresses: ["127.0.0.1"]),
        let context = try? TLSContext(server: TLSServerConfiguration(certificateChainFile: issued.certificateFile, privateKeyFile: issued.keyFile))
      else { return print("delivery error=tls_setup") }
      authorityFile = authority.certificateFile
      tls = context
    }
    guard let receiver = try? LoopReceiver(tls: tls) else { return print("delivery error=receiver") }
    // `--sender null`: the engine answers every attempt with 200 without
    // HTTP, which measures the engine and the store alone.
    let nullSender = options.string("sender") == "null"
    let extra = [
      "--in-flight", String(options.int("in-flight", default: 64)), "--per-webhook", String(options.int("per-webhook", default: 4)),
      "--sender", nullSender ? "null" : "http", "--malloc", options.string("malloc") ?? "tuned",
    ] + (options.string("connections").map { ["--connections", $0] } ?? []) + (authorityFile.map { ["--scheme", "https", "--ca-file", $0] } ?? [])
    guard let (server, port, serviceKey, partnerKey, webhookIDs) = startServer(receiverPort: receiver.port, webhooks: webhookCount, extra: extra) else {
      return print("delivery error=server_did_not_start")
    }
    defer { ChildServer.stop(server) }
    do {
      let client = try RPCClient(host: "127.0.0.1", port: port)
      let publisher = Events.Client(wrapping: client)
      let service: Metadata = ["authorization": .string("Bearer \(serviceKey)")]
      let started = ContinuousClock.now
      let cpuAtStart = RPCBench.cpuMicroseconds(of: server.processIdentifier)
      let ownCPUAtStart = RPCBench.ownCPUMicroseconds()
      // 8 publishers, 100 events per call.
      try await withThrowingTaskGroup(of: Void.self) { group in
        for worker in 0..<8 {
          group.addTask {
            var index = worker * 100
            while index < events {
              let count = min(100, events - index)
              let batch = (0..<count).map { offset in
                PublishEventRequest(buID: 1, eventType: "reward.issued", payloadJSON: #"{"member":"m_\#(index + offset)","points":50}"#)
              }
              _ = try await publisher.publishEvents(PublishEventsRequest(events: batch), metadata: service)
              index += 800
            }
          }
        }
        try await group.waitForAll()
      }
      let published = ContinuousClock.now - started
      let expected = events * webhookCount
      let deadline = ContinuousClock.now + .seconds(600)
      while !nullSender && receiver.count.load(ordering: .relaxed) < expected && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
      let received = ContinuousClock.now - started
      // Logged: every delivery of every webhook has a succeeded attempt.
      let logs = EventLogs.Client(wrapping: client)
      let partner: Metadata = ["authorization": .string("Bearer \(partnerKey)")]
      var logged = false
      while !logged && ContinuousClock.now < deadline {
        logged = true
        for id in webhookIDs {
          let open = try await logs.listEventLogs(ListEventLogsRequest(webhookID: id, pageSize: 1, status: .pending), metadata: partner)
          let retrying = try await logs.listEventLogs(ListEventLogsRequest(webhookID: id, pageSize: 1, status: .retrying), metadata: partner)
          if !open.entries.isEmpty || !retrying.entries.isEmpty {
            logged = false
            break
          }
        }
        if !logged { try await Task.sleep(for: .milliseconds(20)) }
      }
      let finished = ContinuousClock.now - started
      let serverCPU = RPCBench.cpuMicroseconds(of: server.processIdentifier) - cpuAtStart
      // The receiver, the publishers and the log polling, in this process.
      let ownCPU = RPCBench.ownCPUMicroseconds() - ownCPUAtStart
      await client.close()
      await receiver.stop()
      print(String(
        format: "delivery sender=%@ scheme=%@ malloc=%@ webhooks=%d events=%d deliveries=%d received=%d publish_s=%.2f received_s=%.2f logged_s=%.2f deliveries_per_s=%.0f server_cpu_us_per_delivery=%.1f bench_cpu_us_per_delivery=%.1f",
        nullSender ? "null" : "http", https ? "https" : "http", options.string("malloc") == "default" ? "default" : "tuned", webhookCount, events, expected, receiver.count.load(ordering: .relaxed), published.seconds, received.seconds,
        finished.seconds, Double(expected) / finished.seconds, Double(serverCPU) / Double(expected), Double(ownCPU) / Double(expected)))
    } catch {
      print("delivery error=\"\(error)\"")
    }
  }

  static func startServer(receiverPort: Int, webhooks: Int, extra: [String]) -> (Process, Int, String, String, [String])? {
    let arguments = ["delivery-server", "--receiver-port", String(receiverPort), "--webhooks", String(webhooks)] + extra
    guard let (process, fields) = ChildServer.start(arguments, readyPrefix: "ready "), fields.count >= 4, let port = Int(fields[0]) else {
      return nil
    }
    return (process, port, fields[1], fields[2], Array(fields[3...]))
  }

  /// The server side: RPC, delivery engine (loopback allowed), a partner
  /// with `--webhooks` webhooks to the receiver; prints `ready PORT SERVICE_KEY PARTNER_KEY IDS…`.
  static func serve(_ options: BenchOptions) async {
    // The server's allocator settings unless `--malloc default` asks for glibc's own.
    if options.string("malloc") != "default" { MemoryTuning.apply() }
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hookwire-bench-delivery-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: directory) }
    do {
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      let database = try Database(path: directory.appendingPathComponent("hookwire.sqlite").path, migrations: DatabaseMigrations.migrations)
      let stores = HookwireApplication.Stores.sqlite(database, secrets: try SecretBox(key: Crypto.randomBytes(32)))
      let partners = stores.partners
      let bu = try await partners.createBusinessUnit(name: "Europe").id
      _ = try await partners.createPartner(id: 12345, name: "Acme Rewards", kind: .channel, buID: bu, reach: .units([bu]))
      let partnerKey = try await partners.createAPIKey(for: .partner(12345)).plaintext
      let serviceKey = try await partners.createAPIKey(for: .service("bench")).plaintext
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
      let sender: any HTTPSender = options.string("sender") == "null" ? NullSender()
        : try ClientSender(configuration: clientConfiguration, caFile: options.string("ca-file"))
      let application = try HookwireApplication(configuration: configuration, stores: stores, sender: sender)
      let client = try RPCClient(host: "127.0.0.1", port: application.port)
      var ids: [String] = []
      let receiverPort = options.int("receiver-port", default: 0)
      for index in 0..<options.int("webhooks", default: 16) {
        let created = try await Webhooks.Client(wrapping: client).createWebhook(
          CreateWebhookRequest(payloadURL: "\(options.string("scheme") ?? "http")://127.0.0.1:\(receiverPort)/hooks/\(index)", generateSecret: true, events: ["reward.issued"]),
          metadata: ["authorization": .string("Bearer \(partnerKey)")])
        ids.append(created.webhook?.id ?? "")
      }
      await client.close()
      print("ready \(application.port) \(serviceKey) \(partnerKey) \(ids.joined(separator: " "))")
      fflush(nil)
      signal(SIGTERM, SIG_DFL)
      await application.run()
    } catch {
      print("error=\(error)")
    }
  }
}

/// Answers every attempt with 200 at once, so a run measures the engine and
/// the store without HTTP.
struct NullSender: HTTPSender {
  func post(to target: CheckedTarget, headers: [(String, String)], body: [UInt8], timeout: Duration) async -> HTTPOutcome {
    HTTPOutcome(status: 200)
  }
}
