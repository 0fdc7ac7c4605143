import Foundation
import HookwireClient
import HookwirePostgres
import HookwireTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Several real `hookwire-server` processes on one real PostgreSQL
/// database: what one server writes the others serve, deliveries are made
/// once while every engine runs and taken over when a server dies, the
/// schema is migrated once however many servers start together, bad
/// settings are refused with a reason, and a database outage costs calls
/// but no acknowledged event.
///
/// Measured figures are printed as `PostgresScaleOut: …` lines.
@Suite("PostgreSQL scale-out", .serialized, .enabled(if: PostgresTestServer.isAvailable))
struct PostgresScaleOutTests {
  /// `delivery.succeeded` as the stores record it.
  static let succeeded = 2

  @Test("a webhook created through one server is listed, updated and deleted through another, and the first sees each change")
  func webhookAcrossServers() async throws {
    let deployment = try await PostgresDeployment.make()
    try await withTeardown { teardown in
      teardown.add { await deployment.remove() }
      let servers = try await deployment.startServers(["a", "b"])
      let (a, b) = (servers[0], servers[1])
      teardown.add { _ = await a.stop() }
      teardown.add { _ = await b.stop() }
      func cli(_ server: ServerProcess, _ arguments: [String]) async throws -> ProcessResult {
        try await runCLI(["--server", "127.0.0.1:\(server.port)", "--api-key", deployment.partnerKey] + arguments)
      }
      let created = try await cli(a, ["--json", "webhooks", "create", "--url", "http://127.0.0.1:9/hooks", "--generate-secret", "--events", "reward.issued"])
      #expect(created.status == 0, "create through A: \(created.stderr)")
      let id = try #require(created.stdout.range(of: #"wh_[a-z2-7]+"#, options: .regularExpression).map { String(created.stdout[$0]) })
      // A reads it once, so a cache of A's may hold it from here on.
      #expect(try await cli(a, ["webhooks", "get", id]).stdout.contains("\treward.issued\t"))

      let listed = try await cli(b, ["--json", "webhooks", "list"])
      #expect(listed.stdout.contains(#""id":"\#(id)""#), "B lists A's webhook: \(listed.stdout) \(listed.stderr)")
      let updated = try await cli(b, ["webhooks", "update", id, "--add-events", "points.earned"])
      #expect(updated.stdout.contains("points.earned,reward.issued"), "update through B: \(updated.stdout) \(updated.stderr)")
      let updateSeen = ContinuousClock.now
      let seesUpdate = await PostgresDeployment.waitUntil(within: .seconds(5)) {
        try await cli(a, ["webhooks", "get", id]).stdout.contains("points.earned,reward.issued")
      }
      #expect(seesUpdate, "A still serves the webhook as it was before B's update")
      let updateLag = ContinuousClock.now - updateSeen

      let deleted = try await cli(b, ["webhooks", "delete", id, "--yes"])
      #expect(deleted.status == 0, "delete through B: \(deleted.stderr)")
      let deleteSeen = ContinuousClock.now
      let seesDelete = await PostgresDeployment.waitUntil(within: .seconds(5)) { try await cli(a, ["webhooks", "get", id]).status == 15 }
      #expect(seesDelete, "A still serves the webhook B deleted")
      report("A served B's update after \(updateLag), B's delete after \(ContinuousClock.now - deleteSeen) (each one CLI call or more)")
      #expect(await a.stop() == 0)
      #expect(await b.stop() == 0)
    }
  }

  /// Half the events are published through each server, so both engines
  /// are woken for work and contend for the same due deliveries (each
  /// event fans out to both webhooks, whichever server took it).
  @Test("events published through two servers are delivered exactly once per webhook while both servers' engines contend for them")
  func exactlyOnceWithTwoEngines() async throws {
    let deployment = try await PostgresDeployment.make()
    // A short pause per answer keeps deliveries leased long enough to be seen.
    let receiver = try TestReceiver { _, _ in .init(status: 200, body: "ok", delay: .milliseconds(20)) }
    try await withTeardown { teardown in
      teardown.add { await deployment.remove() }
      teardown.add { receiver.stop() }
      let servers = try await deployment.startServers(["a", "b"])
      let (a, b) = (servers[0], servers[1])
      teardown.add { _ = await a.stop() }
      teardown.add { _ = await b.stop() }
      let clientA = try RPCClient(host: "127.0.0.1", port: a.port)
      teardown.add { await clientA.close() }
      let clientB = try RPCClient(host: "127.0.0.1", port: b.port)
      teardown.add { await clientB.close() }
      // One webhook made through each server.
      _ = try await createWebhook(clientA, receiver.url("/one"), deployment.partnerKey)
      _ = try await createWebhook(clientB, receiver.url("/two"), deployment.partnerKey)

      let eventCount = 50
      let (eventsA, eventsB) = (Events.Client(wrapping: clientA), Events.Client(wrapping: clientB))
      let service = Self.metadata(deployment.serviceKey)
      // Three publishers on each server.
      let publishing = Task {
        try await withThrowingTaskGroup(of: Void.self) { group in
          for worker in 0..<6 {
            group.addTask {
              for marker in stride(from: worker, to: eventCount, by: 6) {
                try await Self.publish(worker % 2 == 0 ? eventsA : eventsB, service, marker: marker, timeout: .seconds(10))
              }
            }
          }
          try await group.waitForAll()
        }
      }

      // Which server held each delivery, as far as sampling the leases shows.
      var leasedBy: [String: String] = [:]
      let finished = await PostgresDeployment.waitUntil(within: .seconds(30), every: .milliseconds(10)) {
        for row in try await deployment.texts("SELECT delivery_id::text, leased_by::text FROM delivery_leases") {
          if let id = row[0], let node = row[1] { leasedBy[id] = node }
        }
        return try await deployment.integer("SELECT count(*) FROM deliveries WHERE status = \(Self.succeeded)") == Int64(2 * eventCount)
      }
      try await publishing.value
      #expect(finished, "not every delivery succeeded within 30 s; A's log:\n\(a.log.suffix(2_000))\nB's log:\n\(b.log.suffix(2_000))")
      let requests = receiver.requests
      var perDelivery: [String: Int] = [:]
      var markers: Set<String> = []
      for request in requests {
        perDelivery[request.headers["webhook-id"] ?? "", default: 0] += 1
        markers.insert("\(request.path) \(Self.marker(request) ?? -1)")
      }
      let expected = Set((0..<eventCount).flatMap { ["/one \($0)", "/two \($0)"] })
      #expect(markers == expected, "\(expected.subtracting(markers).count) (webhook, event) pairs were not delivered")
      #expect(perDelivery.count == 2 * eventCount)
      let repeated = perDelivery.filter { $0.value > 1 }
      #expect(repeated.isEmpty, "\(repeated.count) deliveries arrived more than once: \(repeated.prefix(5))")
      let attempts = try await deployment.integer("SELECT count(*) FROM attempts")
      #expect(attempts == Int64(2 * eventCount))
      let byNode = Dictionary(grouping: leasedBy.values) { $0 }.mapValues(\.count)
      #expect(byNode.keys.sorted() == ["a", "b"], "not both servers were seen holding deliveries: \(byNode)")
      report(
        "\(eventCount) events × 2 webhooks: \(requests.count) requests, \(perDelivery.count) distinct webhook-ids, \(repeated.count) repeated, "
          + "\(attempts) attempts logged; deliveries seen leased by node: \(byNode.sorted { $0.key < $1.key })")
      await clientA.close()
      await clientB.close()
      #expect(await a.stop() == 0)
      #expect(await b.stop() == 0)
    }
  }

  @Test("a key revoked with the admin command is refused by every server within a second, though each had it cached")
  func revocationReachesEveryServer() async throws {
    let deployment = try await PostgresDeployment.make()
    try await withTeardown { teardown in
      teardown.add { await deployment.remove() }
      // A cached key would stay good for a minute without the servers hearing of the revocation.
      let servers = try await deployment.startServers(["a", "b"], ["--key-cache-ttl", "60"])
      let (a, b) = (servers[0], servers[1])
      teardown.add { _ = await a.stop() }
      teardown.add { _ = await b.stop() }
      let clients = try [RPCClient(host: "127.0.0.1", port: a.port), RPCClient(host: "127.0.0.1", port: b.port)]
      teardown.add { for client in clients { await client.close() } }
      let key = try await runAdmin(["create-key", "--partner", "12345"], database: deployment.databaseURL)
      let metadata = Self.metadata(key)
      for client in clients {
        let whoami = try await Partners.Client(wrapping: client).whoAmI(WhoAmIRequest(), metadata: metadata)
        #expect(whoami.caller?.id == 12345)
      }

      let prefix = String(key.split(separator: "_")[1])
      _ = try await runAdmin(["revoke-key", "--key-prefix", prefix], database: deployment.databaseURL)
      let revoked = ContinuousClock.now
      // Both servers are asked at once, each until it refuses the key.
      let latencies = await withTaskGroup(of: (Int, Duration?).self) { group in
        for (index, client) in clients.enumerated() {
          group.addTask { (index, await Self.refusal(of: metadata, by: client, since: revoked)) }
        }
        var latencies: [Duration?] = [nil, nil]
        for await (index, latency) in group { latencies[index] = latency }
        return latencies
      }
      report("revoked key refused after A: \(latencies[0].map { "\($0)" } ?? "never"), B: \(latencies[1].map { "\($0)" } ?? "never") (from the admin command's exit)")
      for latency in latencies {
        #expect(latency.map { $0 < .seconds(1) } == true, "a server still accepted the revoked key a second after the admin command")
      }
      for client in clients { await client.close() }
      #expect(await a.stop() == 0)
      #expect(await b.stop() == 0)
    }
  }

  /// The attempts a live tail has streamed so far.
  final class Tail: Sendable {
    let attempts = Mutex<[HookwireAPI.DeliveryAttempt]>([])
    var eventIDs: Set<String> { Set(attempts.withLock { $0.map(\.eventID) }) }
  }

  /// Server A is kept from attempting anything by stopping its process
  /// (SIGSTOP) while B delivers: the attempts its tail then streams can
  /// only be B's.
  @Test("a live tail on one server streams the attempts another server made")
  func tailSeesOtherServersAttempts() async throws {
    let deployment = try await PostgresDeployment.make()
    let receiver = try TestReceiver()
    try await withTeardown { teardown in
      teardown.add { await deployment.remove() }
      teardown.add { receiver.stop() }
      let servers = try await deployment.startServers(["a", "b"])
      let (a, b) = (servers[0], servers[1])
      teardown.add { _ = await a.stop() }
      teardown.add { _ = await b.stop() }
      let clientA = try RPCClient(host: "127.0.0.1", port: a.port)
      teardown.add { await clientA.close() }
      let clientB = try RPCClient(host: "127.0.0.1", port: b.port)
      teardown.add { await clientB.close() }
      let webhookID = try await createWebhook(clientB, receiver.url("/tail"), deployment.partnerKey)

      let tail = Tail()
      let logs = EventLogs.Client(wrapping: clientA)
      let partner = Self.metadata(deployment.partnerKey)
      let tailing = Task {
        try await logs.tailDeliveries(TailDeliveriesRequest(webhookID: webhookID), metadata: partner) { stream in
          for try await attempt in stream { tail.attempts.withLock { $0.append(attempt) } }
        }
      }
      teardown.add { tailing.cancel() }
      // The tail is attached once it shows an attempt (either server's); until
      // then another event is published every 0.3 s, as one may come first.
      let service = Self.metadata(deployment.serviceKey)
      let eventsA = Events.Client(wrapping: clientA)
      var lastWarmUp = ContinuousClock.now - .seconds(1)
      let attached = await PostgresDeployment.waitUntil(within: .seconds(15)) {
        if !tail.eventIDs.isEmpty { return true }
        if ContinuousClock.now - lastWarmUp > .milliseconds(300) {
          lastWarmUp = ContinuousClock.now
          try await Self.publish(eventsA, service, marker: -1)
        }
        return false
      }
      try #require(attached, "A's tail showed no attempt")
      let quiet = await PostgresDeployment.waitUntil(within: .seconds(10)) {
        try await deployment.integer("SELECT (SELECT count(*) FROM delivery_leases) + (SELECT count(*) FROM deliveries WHERE status <> \(Self.succeeded))") == 0
      }
      try #require(quiet, "the first delivery did not settle")

      kill(a.process.processIdentifier, SIGSTOP)
      teardown.add { kill(a.process.processIdentifier, SIGCONT) }
      var published: Set<String> = []
      for marker in 0..<10 {
        let response = try await Events.Client(wrapping: clientB).publishEvent(
          PublishEventRequest(buID: 1, eventType: "reward.issued", payloadJSON: #"{"marker":\#(marker)}"#), metadata: service)
        published.insert(response.event?.id ?? "")
      }
      let deliveries = try await deployment.integer("SELECT count(*) FROM deliveries")
      let deliveredByB = await PostgresDeployment.waitUntil(within: .seconds(15)) {
        try await deployment.integer("SELECT count(*) FROM deliveries d WHERE d.status = \(Self.succeeded) AND NOT EXISTS (SELECT 1 FROM delivery_leases l WHERE l.delivery_id = d.id)") == deliveries
      }
      if !deliveredByB {
        let sessions = try await deployment.texts(
          "SELECT state, wait_event_type || ':' || wait_event, left(query, 100) FROM pg_stat_activity WHERE datname = current_database()")
        Issue.record("B did not deliver the events while A was stopped; sessions: \(sessions)\nB's log:\n\(b.log.suffix(2_000))")
      }
      // One attempt per delivery, all logged while A could run nothing.
      #expect(try await deployment.integer("SELECT count(*) FROM attempts") == deliveries)
      #expect(tail.eventIDs.isDisjoint(with: published), "A's tail streamed while A was stopped")
      kill(a.process.processIdentifier, SIGCONT)
      let resumed = ContinuousClock.now

      let streamed = await PostgresDeployment.waitUntil(within: .seconds(10)) { published.isSubset(of: tail.eventIDs) }
      #expect(streamed, "A's tail showed \(published.intersection(tail.eventIDs).count) of B's 10 attempts; A's log:\n\(a.log.suffix(2_000))")
      let fromB = tail.attempts.withLock { $0.filter { published.contains($0.eventID) } }
      #expect(fromB.allSatisfy { $0.httpStatus == 200 && $0.succeeded && $0.attemptNumber == 1 })
      report("A's tail streamed \(fromB.count) of B's 10 attempts within \(ContinuousClock.now - resumed) of A resuming")
      tailing.cancel()
      await clientA.close()
      await clientB.close()
      #expect(await a.stop() == 0)
      #expect(await b.stop() == 0)
    }
  }

  /// The markers of the events a server acknowledged, each with the server's name.
  final class Acknowledged: Sendable {
    let markers = Mutex<[Int: String]>([:])
    var count: Int { markers.withLock { $0.count } }
  }

  @Test("when one of two servers is killed under load, the other delivers every acknowledged event once the lease runs out")
  func failover() async throws {
    let deployment = try await PostgresDeployment.make()
    // Answers take a while, so deliveries are in flight when A dies.
    let receiver = try TestReceiver { _, _ in .init(status: 200, body: "ok", delay: .milliseconds(60)) }
    try await withTeardown { teardown in
      teardown.add { await deployment.remove() }
      teardown.add { receiver.stop() }
      let lease = 2
      let servers = try await deployment.startServers(["a", "b"], lease: lease)
      let (a, b) = (servers[0], servers[1])
      teardown.add { _ = await a.stop() }
      teardown.add { _ = await b.stop() }
      let clientA = try RPCClient(host: "127.0.0.1", port: a.port)
      teardown.add { await clientA.close() }
      let clientB = try RPCClient(host: "127.0.0.1", port: b.port)
      teardown.add { await clientB.close() }
      _ = try await createWebhook(clientA, receiver.url("/one"), deployment.partnerKey)
      _ = try await createWebhook(clientB, receiver.url("/two"), deployment.partnerKey)

      // Four publishers, two on each server, 50 events each, paced over a few seconds.
      let acknowledged = Acknowledged()
      let service = Self.metadata(deployment.serviceKey)
      let publishers = (0..<4).map { worker in
        let (events, name) = worker < 2 ? (Events.Client(wrapping: clientA), "a") : (Events.Client(wrapping: clientB), "b")
        return Task {
          for index in 0..<50 {
            let marker = worker * 1_000 + index
            do {
              _ = try await events.publishEvent(
                PublishEventRequest(buID: 1, eventType: "reward.issued", payloadJSON: #"{"marker":\#(marker)}"#),
                metadata: service, options: CallOptions(timeout: .seconds(5)))
              acknowledged.markers.withLock { $0[marker] = name }
            } catch {
              return
            }
            try? await Task.sleep(for: .milliseconds(15))
          }
        }
      }
      // A dies halfway through, while it holds deliveries (leased, their requests sent or about to be).
      var inFlight: Int64 = 0
      let halfway = await PostgresDeployment.waitUntil(within: .seconds(20), every: .milliseconds(5)) {
        guard acknowledged.count >= 100 else { return false }
        inFlight = try await deployment.integer("SELECT count(*) FROM delivery_leases WHERE leased_by = 'a'")
        return inFlight > 0
      }
      #expect(halfway, "A held no deliveries while the events were published")
      let killed = ContinuousClock.now
      #expect(await a.stop(signal: SIGKILL) != 0, "A should have died of SIGKILL")
      for publisher in publishers { await publisher.value }
      let acked = acknowledged.markers.withLock { $0 }

      let wanted = Set(acked.keys.flatMap { ["/one \($0)", "/two \($0)"] })
      let allDelivered = await PostgresDeployment.waitUntil(within: .seconds(lease) + .seconds(20), every: .milliseconds(50)) {
        wanted.isSubset(of: Self.pathsAndMarkers(receiver))
      }
      let failoverTime = ContinuousClock.now - killed
      let missing = wanted.subtracting(Self.pathsAndMarkers(receiver))
      #expect(allDelivered && missing.isEmpty, "\(missing.count) acknowledged deliveries never arrived; B's log:\n\(b.log.suffix(2_000))")
      let requests = receiver.requests
      let distinct = Set(requests.compactMap { $0.headers["webhook-id"] })
      report(
        "failover: \(acked.count) events acknowledged (\(acked.values.filter { $0 == "a" }.count) by A), A held \(inFlight) leases when killed; "
          + "all \(wanted.count) deliveries arrived \(failoverTime) after the kill (lease \(lease) s); \(requests.count) requests, "
          + "\(distinct.count) distinct webhook-ids, \(requests.count - distinct.count) duplicates")
      await clientA.close()
      await clientB.close()
      #expect(await b.stop() == 0)
    }
  }

  /// A is stopped (SIGSTOP) right as its claim is granted the claim lock,
  /// which the test held until then: A's session sits idle in the claim's
  /// transaction, holding the lock every server's claims take, as a server
  /// frozen mid-claim (paused, descheduled) does.
  @Test("a server stopped in the middle of a claim holds up the other server's deliveries no longer than the lease")
  func frozenClaimer() async throws {
    let deployment = try await PostgresDeployment.make()
    let receiver = try TestReceiver()
    try await withTeardown { teardown in
      teardown.add { await deployment.remove() }
      teardown.add { receiver.stop() }
      let lease = 2
      let servers = try await deployment.startServers(["a", "b"], lease: lease)
      let (a, b) = (servers[0], servers[1])
      teardown.add { _ = await a.stop() }
      teardown.add { _ = await b.stop() }
      let clientB = try RPCClient(host: "127.0.0.1", port: b.port)
      teardown.add { await clientB.close() }
      _ = try await createWebhook(clientB, receiver.url("/frozen"), deployment.partnerKey)

      // B is stopped first, so the claim waiting for the test's lock is A's.
      kill(b.process.processIdentifier, SIGSTOP)
      teardown.add { kill(b.process.processIdentifier, SIGCONT) }
      try await deployment.holdClaimLock()
      let waiting = await PostgresDeployment.waitUntil(within: .seconds(10)) {
        try await deployment.integer(
          "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = 'advisory'") > 0
      }
      try #require(waiting, "A's engine never waited for the claim lock")
      kill(a.process.processIdentifier, SIGSTOP)
      teardown.add { kill(a.process.processIdentifier, SIGCONT) }
      try await deployment.releaseClaimLock()
      let frozen = await PostgresDeployment.waitUntil(within: .seconds(5)) {
        try await deployment.integer(
          "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'") > 0
      }
      try #require(frozen, "A's claim did not get the lock while A was stopped")

      kill(b.process.processIdentifier, SIGCONT)
      let published = ContinuousClock.now
      try await Self.publish(Events.Client(wrapping: clientB), Self.metadata(deployment.serviceKey), marker: 1)
      let delivered = await PostgresDeployment.waitUntil(within: .seconds(15)) { !receiver.requests.isEmpty }
      let stall = ContinuousClock.now - published
      #expect(delivered, "B delivered nothing while A was stopped holding the claim lock")
      #expect(stall < .seconds(lease) + .seconds(5), "B's delivery waited \(stall)")
      kill(a.process.processIdentifier, SIGCONT)
      // A lost its claim's session; it connects again and serves on.
      let clientA = try RPCClient(host: "127.0.0.1", port: a.port)
      teardown.add { await clientA.close() }
      let served = await PostgresDeployment.waitUntil(within: .seconds(10)) {
        try await Self.publish(Events.Client(wrapping: clientA), Self.metadata(deployment.serviceKey), marker: 2, timeout: .seconds(2))
        return true
      }
      #expect(served, "A does not serve after it resumed:\n\(a.log.suffix(2_000))")
      let second = await PostgresDeployment.waitUntil(within: .seconds(10)) { receiver.requests.count >= 2 }
      #expect(second, "the event published through A after it resumed was not delivered")
      report("a server stopped holding the claim lock held up the other's delivery for \(stall) (lease \(lease) s)")
      await clientA.close()
      await clientB.close()
      #expect(await a.stop() == 0)
      #expect(await b.stop() == 0)
    }
  }

  @Test("five servers started at once on an empty database all come up, and the schema is migrated once")
  func migrationRace() async throws {
    let url = try await PostgresDeployment.makeDatabase()
    let deployment = try await PostgresDeployment.bare(databaseURL: url)
    try await withTeardown { teardown in
      teardown.add { await deployment.remove() }
      let servers = try await deployment.startServers(["n1", "n2", "n3", "n4", "n5"])
      teardown.add { for server in servers { _ = await server.stop() } }
      #expect(servers.count == 5)
      for server in servers { #expect(server.log.contains("listening on 127.0.0.1:\(server.port)")) }
      let latest = Int64(PostgresSchema.migrations.last?.version ?? 0)
      let versions = try await deployment.integers(
        "SELECT max(version)::bigint, count(*), count(DISTINCT version) FROM \(PostgresDatabase.migrationsTable)")
      #expect(versions.first == [latest, Int64(PostgresSchema.migrations.count), Int64(PostgresSchema.migrations.count)])
      for server in servers { #expect(await server.stop() == 0) }
    }
  }

  @Test("an unreachable database and another server's key file exit 1 with a reason; a malformed URL exits 2 naming --database")
  func badDatabaseSettings() async throws {
    let url = try await PostgresDeployment.makeDatabase()
    let deployment = try await PostgresDeployment.bare(databaseURL: url)
    try await withTeardown { teardown in
      teardown.add { await deployment.remove() }
      let keyFile = deployment.file("unreachable.key")
      let started = ContinuousClock.now
      async let unreachable = runProcess(
        "hookwire-server", ["--listen", "127.0.0.1:0", "--database", "postgres://nobody@127.0.0.1:1/x", "--secret-key-file", keyFile], timeout: 30)
      async let malformed = runProcess(
        "hookwire-server", ["--listen", "127.0.0.1:0", "--database", "postgres://user@127.0.0.1:notaport/db", "--secret-key-file", keyFile])

      // The first server on the database records its key; one with another key is refused.
      let first = try await deployment.startServer(node: "first")
      teardown.add { _ = await first.stop() }
      #expect(await first.stop() == 0)
      let otherKey = deployment.file("other.key")
      try PostgresDeployment.writeSecretKey(to: otherKey)
      let differentStarted = ContinuousClock.now
      let different = try await runProcess(
        "hookwire-server", ["--listen", "127.0.0.1:0", "--database", url, "--secret-key-file", otherKey], timeout: 30)
      let differentTime = ContinuousClock.now - differentStarted

      let refused = try await unreachable
      let unreachableTime = ContinuousClock.now - started
      let lines = refused.stderr.split(separator: "\n")
      #expect(refused.status == 1, "unreachable database: \(refused.stderr)")
      #expect(lines.count == 1 && refused.stderr.contains("127.0.0.1:1"), "a one-line reason naming the database, not: \(refused.stderr)")
      #expect(unreachableTime < .seconds(15))

      let usage = try await malformed
      #expect(usage.status == 2)
      #expect(usage.firstErrorLine.contains("--database"), "the first line names --database: \(usage.firstErrorLine)")

      #expect(different.status == 1, "another key file: \(different.stderr)")
      #expect(different.stderr.split(separator: "\n").count == 1 && different.stderr.contains("secret key file is not the one"), "\(different.stderr)")
      #expect(differentTime < .seconds(15))
      report(
        "unreachable database refused after \(unreachableTime): \(refused.stderr.trimmingCharacters(in: .whitespacesAndNewlines)); "
          + "another key refused after \(differentTime)")
    }
  }

  /// An endpoint that fails (503) while unhealthy, and remembers the
  /// markers it acknowledged (200).
  final class Endpoint: Sendable {
    let healthy = Atomic<Bool>(true)
    let acknowledged = Mutex<Set<Int>>([])

    func answer(_ request: TestReceiver.Request) -> TestReceiver.Response {
      guard healthy.load(ordering: .relaxed) else { return .init(status: 503) }
      if let marker = PostgresScaleOutTests.marker(request) { _ = acknowledged.withLock { $0.insert(marker) } }
      return .init(status: 200, body: "ok")
    }

    func delivered(_ markers: some Sequence<Int>) -> Bool { acknowledged.withLock { $0.isSuperset(of: markers) } }
  }

  @Test("while the database is down calls fail UNAVAILABLE and the server stays up; once it is back calls succeed and nothing acknowledged is lost")
  func databaseOutage() async throws {
    let postgres = try await PostgresTestServer.start()
    let endpoint = Endpoint()
    let receiver = try TestReceiver { request, _ in endpoint.answer(request) }
    try await withTeardown { teardown in
      teardown.add { await postgres.remove() }
      teardown.add { receiver.stop() }
      let deployment = try await PostgresDeployment.make(databaseURL: try await postgres.makeDatabase())
      teardown.add { await deployment.remove() }
      // Every call authenticates against the database: no cached key hides the outage.
      let server = try await deployment.startServer(node: "solo", lease: 2, ["--key-cache-ttl", "0"])
      teardown.add { _ = await server.stop() }
      let client = try RPCClient(host: "127.0.0.1", port: server.port)
      teardown.add { await client.close() }
      _ = try await createWebhook(client, receiver.url("/hooks"), deployment.partnerKey)
      let events = Events.Client(wrapping: client)
      let service = Self.metadata(deployment.serviceKey)

      for marker in 0..<5 { try await Self.publish(events, service, marker: marker) }
      let healthyDelivered = await PostgresDeployment.waitUntil(within: .seconds(10)) { endpoint.delivered(0..<5) }
      #expect(healthyDelivered)
      // These five are acknowledged but still failing when the database goes.
      endpoint.healthy.store(false, ordering: .relaxed)
      for marker in 5..<10 { try await Self.publish(events, service, marker: marker) }
      let failing = await PostgresDeployment.waitUntil(within: .seconds(10)) {
        Set(receiver.requests.compactMap(Self.marker)).isSuperset(of: 5..<10)
      }
      #expect(failing)
      #expect(!endpoint.delivered(5..<10))

      try await postgres.stop()
      let outage = ContinuousClock.now
      var codes: [String] = []
      do {
        try await Self.publish(events, service, marker: 1_000)
        codes.append("OK")
      } catch let error as RPCError {
        codes.append(error.code.name)
      }
      do {
        _ = try await Partners.Client(wrapping: client).whoAmI(WhoAmIRequest(), metadata: Self.metadata(deployment.partnerKey))
        codes.append("OK")
      } catch let error as RPCError {
        codes.append(error.code.name)
      }
      let cli = try await runCLI([
        "--server", "127.0.0.1:\(server.port)", "--api-key", deployment.serviceKey, "events", "publish", "--bu", "1", "--type", "reward.issued",
        "--data", #"{"marker":1001}"#,
      ])
      #expect(codes == ["UNAVAILABLE", "UNAVAILABLE"], "calls during the outage ended \(codes)")
      #expect(cli.status == 24, "the CLI's publish during the outage: \(cli.status) \(cli.stderr)")
      let failedWithin = ContinuousClock.now - outage
      #expect(server.process.isRunning, "the server exited during the outage:\n\(server.log.suffix(2_000))")

      endpoint.healthy.store(true, ordering: .relaxed)
      try await postgres.restart()
      let back = ContinuousClock.now
      var recovered: Int?
      for marker in 2_000..<2_100 where recovered == nil && ContinuousClock.now - back < .seconds(20) {
        do {
          try await Self.publish(events, service, marker: marker, timeout: .seconds(2))
          recovered = marker
        } catch {
          try await Task.sleep(for: .milliseconds(50))
        }
      }
      let recoveryTime = ContinuousClock.now - back
      #expect(recovered != nil, "no publish succeeded within 20 s of the database's return:\n\(server.log.suffix(2_000))")
      let wanted = Set(0..<10).union(recovered.map { [$0] } ?? [])
      let delivered = await PostgresDeployment.waitUntil(within: .seconds(20), every: .milliseconds(50)) { endpoint.delivered(wanted) }
      let lost = wanted.subtracting(endpoint.acknowledged.withLock { $0 })
      #expect(delivered, "acknowledged events never delivered after the outage: \(lost.sorted()); log:\n\(server.log.suffix(2_000))")
      report(
        "outage: the three calls failed within \(failedWithin) (\(codes + ["CLI \(cli.status)"])); the first publish succeeded \(recoveryTime) "
          + "after PostgreSQL was back; all 10 events acknowledged before the outage delivered")
      await client.close()
      #expect(await server.stop() == 0)
    }
  }

  // MARK: - Helpers

  /// Call metadata authenticating with `key`.
  static func metadata(_ key: String) -> Metadata { ["authorization": .string("Bearer \(key)")] }

  /// Publishes a `reward.issued` event carrying `marker`.
  static func publish(_ events: Events.Client<RPCClient>, _ service: Metadata, marker: Int, timeout: Duration = .seconds(5)) async throws {
    _ = try await events.publishEvent(
      PublishEventRequest(buID: 1, eventType: "reward.issued", payloadJSON: #"{"marker":\#(marker)}"#), metadata: service,
      options: CallOptions(timeout: timeout))
  }

  /// How long after `since` the server behind `client` first refuses
  /// `metadata`'s key as UNAUTHENTICATED; nil when it still accepts it 5 s on.
  static func refusal(of metadata: Metadata, by client: RPCClient, since: ContinuousClock.Instant) async -> Duration? {
    var refusedAt: Duration?
    _ = await PostgresDeployment.waitUntil(within: .seconds(5), every: .milliseconds(5)) {
      do {
        _ = try await Partners.Client(wrapping: client).whoAmI(WhoAmIRequest(), metadata: metadata, options: CallOptions(timeout: .seconds(2)))
        return false
      } catch let error as RPCError where error.code == .unauthenticated {
        refusedAt = ContinuousClock.now - since
        return true
      }
    }
    return refusedAt
  }

  /// `path marker` of every request `receiver` got.
  static func pathsAndMarkers(_ receiver: TestReceiver) -> Set<String> {
    Set(receiver.requests.map { "\($0.path) \(marker($0) ?? -1)" })
  }

  /// The `marker` of a delivery's payload.
  static func marker(_ request: TestReceiver.Request) -> Int? {
    let body = String(decoding: request.body, as: UTF8.self)
    guard let range = body.range(of: #""marker":"#) else { return nil }
    return Int(body[range.upperBound...].prefix { $0 == "-" || $0.isNumber })
  }

  /// Creates a `reward.issued` webhook for Acme to `url`; returns its id.
  func createWebhook(_ client: RPCClient, _ url: String, _ partnerKey: String) async throws -> String {
    let response = try await Webhooks.Client(wrapping: client).createWebhook(
      CreateWebhookRequest(payloadURL: url, generateSecret: true, events: ["reward.issued"]), metadata: Self.metadata(partnerKey))
    return try #require(response.webhook?.id)
  }

  /// Prints a measured figure where the test run's output shows it.
  func report(_ line: String) { print("PostgresScaleOut: \(line)") }
}
