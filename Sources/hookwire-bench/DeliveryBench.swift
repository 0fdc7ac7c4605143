import Foundation
import HookwireClient
import HookwireTLS
import HookwireTestSupport

/// End to end: publish → signed POST received by a local keep-alive
/// receiver → attempt logged, with the server (RPC + delivery engine) in
/// another process on a fresh database: SQLite, or a scratch database on a
/// PostgreSQL server. On PostgreSQL `--nodes 2` runs two servers on the
/// same database, and the run counts what each attempted and any delivery
/// attempted twice.
enum DeliveryBench {
  /// What one run is given.
  struct Setup {
    let events: Int
    let webhooks: Int
    let nullSender: Bool
    let https: Bool
    let malloc: String
    /// Child server flags besides the database, node and seeding.
    let extra: [String]
  }

  static func run(_ options: BenchOptions) async {
    let database: BenchDatabase
    do {
      database = try BenchDatabase(options.string("database"))
    } catch {
      error.exit()
    }
    let nodeCounts = options.intList("nodes") ?? [1]
    if case .sqlite = database, nodeCounts.contains(where: { $0 > 1 }) {
      BenchFailure("--nodes above 1 needs --database postgres://…: a SQLite database belongs to one server").exit()
    }
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
      "--receiver-port", String(receiver.port), "--webhooks", String(options.int("webhooks", default: 16)),
      "--in-flight", String(options.int("in-flight", default: 64)), "--per-webhook", String(options.int("per-webhook", default: 4)),
      "--sender", nullSender ? "null" : "http", "--malloc", options.string("malloc") ?? "tuned",
    ] + (options.string("connections").map { ["--connections", $0] } ?? []) + (authorityFile.map { ["--scheme", "https", "--ca-file", $0] } ?? [])
    let setup = Setup(
      events: options.int("events", default: 20_000), webhooks: options.int("webhooks", default: 16), nullSender: nullSender, https: https,
      malloc: options.string("malloc") == "default" ? "default" : "tuned", extra: extra)
    for nodes in nodeCounts {
      let run: BenchDatabase.Run
      do {
        run = try await database.prepareRun("delivery")
      } catch {
        await receiver.stop()
        error.exit()
      }
      await measure(setup, nodes: nodes, run: run, receiver: receiver)
      await run.finish()
    }
    await receiver.stop()
  }

  /// One run: `nodes` servers on the run's database, `events` published
  /// across them, until every delivery is received (HTTP) and logged.
  static func measure(_ setup: Setup, nodes: Int, run: BenchDatabase.Run, receiver: LoopReceiver) async {
    let label = "delivery database=\(run.database.kind) nodes=\(nodes)"
    guard let idsDirectory = try? TemporaryDirectory(prefix: "hookwire-bench-ids") else { return print("\(label) error=temporary_directory") }
    defer { idsDirectory.remove() }
    var servers: [ControlledChild] = []
    // The first server seeds the database; the others join it.
    for node in 1...nodes {
      let arguments = setup.extra + run.arguments + ["--node", "bench-node-\(node)", "--seed", node == 1 ? "yes" : "no"]
      guard let server = ControlledChild(command: "delivery-server", arguments, readyPrefix: "ready ", environment: run.environment),
        let port = server.fields.first.flatMap({ Int($0) }), port > 0, node > 1 || server.fields.count >= 3
      else {
        for server in servers { await server.stop(grace: .seconds(5)) }
        return print("\(label) error=server_did_not_start")
      }
      servers.append(server)
    }
    let first = servers[0].fields
    let (serviceKey, partnerKey, webhookIDs) = (first[1], first[2], Array(first[3...]))
    let ports = servers.map { Int($0.fields[0]) ?? 0 }
    let databaseProcesses = await run.scratch?.serverProcesses() ?? []
    do {
      let clients = try ports.map { try RPCClient(host: "127.0.0.1", port: $0) }
      let service: Metadata = ["authorization": .string("Bearer \(serviceKey)")]
      let receivedAtStart = receiver.count.load(ordering: .relaxed)
      let started = ContinuousClock.now
      let cpuAtStart = servers.map(\.cpuMicroseconds)
      let databaseCPUAtStart = databaseProcesses.map { RPCBench.cpuMicroseconds(of: $0) }
      let ownCPUAtStart = RPCBench.ownCPUMicroseconds()
      // 8 publishers, 100 events per call, spread over the servers.
      let events = setup.events
      try await withThrowingTaskGroup(of: Void.self) { group in
        for worker in 0..<8 {
          let publisher = Events.Client(wrapping: clients[worker % clients.count])
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
      let expected = events * setup.webhooks
      let deadline = ContinuousClock.now + .seconds(600)
      func received() -> Int { receiver.count.load(ordering: .relaxed) - receivedAtStart }
      while !setup.nullSender && received() < expected && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
      let receivedAfter = ContinuousClock.now - started
      try await waitUntilLogged(client: clients[0], partnerKey: partnerKey, webhookIDs: webhookIDs, deadline: deadline)
      let finished = ContinuousClock.now - started
      let serverCPU = zip(servers, cpuAtStart).map { $0.cpuMicroseconds - $1 }.reduce(0, +)
      let databaseCPU = zip(databaseProcesses, databaseCPUAtStart).map { RPCBench.cpuMicroseconds(of: $0) - $1 }.reduce(0, +)
      // The receiver, the publishers and the log polling, in this process.
      let ownCPU = RPCBench.ownCPUMicroseconds() - ownCPUAtStart
      for client in clients { await client.close() }
      let seen = collectSeen(servers, directory: idsDirectory)
      var line = String(
        format: "%@ sender=%@ scheme=%@ malloc=%@ webhooks=%d events=%d deliveries=%d received=%d publish_s=%.2f received_s=%.2f logged_s=%.2f deliveries_per_s=%.0f server_cpu_us_per_delivery=%.1f bench_cpu_us_per_delivery=%.1f",
        label, setup.nullSender ? "null" : "http", setup.https ? "https" : "http", setup.malloc, setup.webhooks, events, expected, received(),
        published.seconds, receivedAfter.seconds, finished.seconds, Double(expected) / finished.seconds, Double(serverCPU) / Double(expected),
        Double(ownCPU) / Double(expected))
      if databaseCPU > 0 {
        // Only readable when the PostgreSQL server runs on this machine.
        line += String(
          format: " postgres_cpu_us_per_delivery=%.1f total_cpu_us_per_delivery=%.1f", Double(databaseCPU) / Double(expected),
          Double(serverCPU + databaseCPU + ownCPU) / Double(expected))
      }
      line += " " + (seen?.fields(expected: expected) ?? "duplicates=unknown")
      print(line)
    } catch {
      print("\(label) error=\"\(error)\"")
    }
    for server in servers { await server.stop(grace: .seconds(5)) }
  }

  /// Waits until every delivery of every webhook has a succeeded attempt
  /// (none pending or retrying), as the partner sees it through `client`.
  private static func waitUntilLogged(client: RPCClient, partnerKey: String, webhookIDs: [String], deadline: ContinuousClock.Instant) async throws {
    let logs = EventLogs.Client(wrapping: client)
    let partner: Metadata = ["authorization": .string("Bearer \(partnerKey)")]
    while ContinuousClock.now < deadline {
      var logged = true
      for id in webhookIDs {
        let open = try await logs.listEventLogs(ListEventLogsRequest(webhookID: id, pageSize: 1, status: .pending), metadata: partner)
        let retrying = try await logs.listEventLogs(ListEventLogsRequest(webhookID: id, pageSize: 1, status: .retrying), metadata: partner)
        if !open.entries.isEmpty || !retrying.entries.isEmpty {
          logged = false
          break
        }
      }
      if logged { return }
      try await Task.sleep(for: .milliseconds(20))
    }
  }

  /// Asks every server for the delivery ids its sender saw; nil when one did not answer.
  private static func collectSeen(_ servers: [ControlledChild], directory: TemporaryDirectory) -> SeenTally? {
    var perNode: [Set<String>] = []
    var posts: [Int] = []
    for (index, server) in servers.enumerated() {
      let file = directory.file("node-\(index + 1).ids")
      guard let answer = server.ask("ids \(file)", answer: "ids", timeout: 30), let count = answer["posts"].flatMap({ Int($0) }),
        let ids = try? SeenDeliveries.read(from: file)
      else { return nil }
      posts.append(count)
      perNode.append(ids)
    }
    return SeenTally(posts: posts, ids: perNode)
  }
}
