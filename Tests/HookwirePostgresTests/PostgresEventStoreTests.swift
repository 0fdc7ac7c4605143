import HookwireDomain
import HookwirePostgres
import HookwireStore
import HookwireTestSupport
import Synchronization
import Testing

/// What only a shared database asks of the event store: servers (nodes)
/// with pools of their own claim due deliveries without ever attempting one
/// at once, keep the per-webhook limit between them, take over a lapsed
/// lease, publish idempotently against each other, and hear each other's
/// attempts.
@Suite("PostgreSQL event store across servers", .enabled(if: PostgresTestServer.isAvailable))
struct PostgresEventStoreTests {
  /// Two nodes, `a` and `b`, each a store over a pool of its own on one
  /// fresh, migrated database seeded with business unit 1, channel partner
  /// 100 and active global webhooks of unit 1 subscribed to `reward.issued`.
  struct Nodes {
    let a: PostgresEventStore
    let b: PostgresEventStore
    let database: PostgresDatabase
    let url: PostgresURL
  }

  static func withNodes<T>(
    webhooks: [String] = ["wh_1"], lease: Duration = .seconds(30), perWebhookLimit: Int = 1_000, _ body: (Nodes) async throws -> T
  ) async throws -> T {
    try await withTwoPools { first, second, url in
      try await seed(first, webhooks: webhooks)
      let a = PostgresEventStore(database: first, leases: DeliveryLeases(node: "node-a", duration: lease, perWebhookLimit: perWebhookLimit))
      let b = PostgresEventStore(database: second, leases: DeliveryLeases(node: "node-b", duration: lease, perWebhookLimit: perWebhookLimit))
      return try await body(Nodes(a: a, b: b, database: first, url: url))
    }
  }

  /// Rows the partner and webhook stores would write, in plain SQL.
  static func seed(_ database: PostgresDatabase, webhooks: [String]) async throws {
    try await database.write { connection in
      try connection.query("INSERT INTO business_units (id, name, created_at_ms) VALUES (1, 'Europe', 0)")
      try connection.query(
        "INSERT INTO partners (id, name, name_key, kind, bu_id, all_bus, created_at_ms) VALUES (100, 'Acme', 'acme', $1, 1, false, 0)",
        .integer(Partner.Kind.channel.rawValue))
      for id in webhooks {
        try connection.query("""
          INSERT INTO webhooks (id, kind, partner_id, bu_id, all_bus, programme_id, payload_url, events, secret, secret_hint, state,
            disabled_reason, version, description, created_by_partner, created_by_caller, created_by_key, created_at_ms,
            updated_by_partner, updated_by_caller, updated_by_key, updated_at_ms, deleted_at_ms)
          VALUES ($1, $2, 100, 1, false, NULL, $3, 'reward.issued', $4, 'abcd', $5, '', 1, '', 100, 100, 'test', 0,
            100, 100, 'test', 0, NULL)
          """, .text(id), .integer(Webhook.Kind.global.rawValue), .text("https://example.com/\(id)"), .bytes([0xA]),
          .integer(Webhook.State.active.rawValue))
      }
    }
  }

  static func event(_ id: String, key: String = "") -> NewEvent {
    NewEvent(buID: 1, programmeID: nil, type: "reward.issued", payloadJSON: #"{"id":"\#(id)"}"#, eventID: id, idempotencyKey: key)
  }

  static func attempt(_ delivery: Delivery, number: Int = 1, at ms: Int64, ok: Bool = true) -> DeliveryAttempt {
    DeliveryAttempt(
      deliveryID: delivery.id, webhookID: delivery.webhookID, eventID: delivery.eventID, eventType: delivery.eventType, number: number,
      trigger: .scheduled, attemptedAtMs: ms, httpStatus: ok ? 200 : 500, latencyMs: 2, responseExcerpt: ok ? "ok" : "boom",
      error: ok ? "" : "HTTP 500", succeeded: ok)
  }

  /// Claims as an engine does, `rounds` times: each claim excludes (and so
  /// renews) everything this node claimed before, as if all were in flight.
  static func claimRepeatedly(_ store: PostgresEventStore, at nowMs: Int64, limit: Int, rounds: Int) async throws -> [[String]] {
    var held: Set<String> = []
    var claims: [[String]] = []
    for _ in 0..<rounds {
      let ids = try await store.dueDeliveries(nowMs: nowMs, limit: limit, excluding: held).map(\.delivery.id)
      claims.append(ids)
      held.formUnion(ids)
    }
    return claims
  }

  @Test("two nodes claiming at once never get the same delivery while leases live, and together get every one")
  func claimsAreDisjointAndComplete() async throws {
    try await Self.withNodes { nodes in
      let published = try await nodes.a.publish((0..<200).map { Self.event("evt_\($0)") }, publisher: "rewards", nowMs: 1_000)
      #expect(published.map(\.deliveries).reduce(0, +) == 200)
      async let fromA = Self.claimRepeatedly(nodes.a, at: 2_000, limit: 16, rounds: 15)
      async let fromB = Self.claimRepeatedly(nodes.b, at: 2_000, limit: 16, rounds: 15)
      let (claimsA, claimsB) = try await (fromA, fromB)
      let a = claimsA.flatMap { $0 }
      let b = claimsB.flatMap { $0 }
      #expect(Set(a).count == a.count && Set(b).count == b.count, "a node never gets what it has in flight")
      #expect(Set(a).isDisjoint(with: b))
      #expect(Set(a).union(b).count == 200)
      #expect(try await nodes.b.dueDeliveries(nowMs: 2_000, limit: 500, excluding: Set(b)).isEmpty, "a's leases still hold against b")
    }
  }

  @Test("the per-webhook limit holds across nodes: at most 4 in flight to one webhook until an attempt is recorded")
  func perWebhookLimitAcrossNodes() async throws {
    try await Self.withNodes(perWebhookLimit: 4) { nodes in
      _ = try await nodes.a.publish((0..<50).map { Self.event("evt_\($0)") }, publisher: "rewards", nowMs: 1_000)
      async let fromA = Self.claimRepeatedly(nodes.a, at: 2_000, limit: 50, rounds: 6)
      async let fromB = Self.claimRepeatedly(nodes.b, at: 2_000, limit: 50, rounds: 6)
      let (claimsA, claimsB) = try await (fromA, fromB)
      var heldA = Set(claimsA.flatMap { $0 })
      var heldB = Set(claimsB.flatMap { $0 })
      #expect(heldA.count + heldB.count == 4)
      // One attempt recorded frees one slot, for whichever node claims next.
      let (node, holder) = heldA.isEmpty ? (nodes.b, heldB) : (nodes.a, heldA)
      let finished = try #require(holder.first)
      let (delivery, _, _) = try #require(try await node.eventLog(webhookID: "wh_1", eventID: Self.eventID(of: finished, in: node)))
      _ = try await node.record(Self.attempt(delivery, at: 2_100), status: .succeeded, nextAttemptAtMs: 0)
      if node === nodes.a { heldA.remove(finished) } else { heldB.remove(finished) }
      let newB = try await nodes.b.dueDeliveries(nowMs: 2_200, limit: 50, excluding: heldB).map(\.delivery.id)
      heldB.formUnion(newB)
      let newA = try await nodes.a.dueDeliveries(nowMs: 2_200, limit: 50, excluding: heldA).map(\.delivery.id)
      #expect(newB.count == 1 && newA.isEmpty)
      #expect(heldA.count + heldB.count == 4 && heldA.isDisjoint(with: heldB))
    }
  }

  /// The event of delivery `id`, read through the log.
  static func eventID(of id: String, in store: PostgresEventStore) async throws -> String {
    let page = try await store.deliveries(ofWebhook: "wh_1", filter: LogFilter(), pageSize: 100, pageToken: "")
    return try #require(page.items.first { $0.id == id }).eventID
  }

  @Test("a lease a node left behind is taken by another once it lapses, and that node's next due time is the lease's end")
  func lapsedLeaseIsTakenOver() async throws {
    try await Self.withNodes(lease: .milliseconds(300)) { nodes in
      _ = try await nodes.a.publish((0..<3).map { Self.event("evt_\($0)") }, publisher: "rewards", nowMs: 1_000)
      let left = try await nodes.a.dueDeliveries(nowMs: 2_000, limit: 10, excluding: []).map(\.delivery.id)
      #expect(left.count == 3)
      #expect(try await nodes.a.dueDeliveries(nowMs: 2_000, limit: 10, excluding: []).map(\.delivery.id) == left, "a node's own claim again")
      #expect(try await nodes.b.dueDeliveries(nowMs: 2_299, limit: 10, excluding: []).isEmpty)
      #expect(try await nodes.b.nextDueMs() == 2_300, "b wakes when a's lease lapses")
      #expect(try await nodes.a.nextDueMs() == 1_000)
      let taken = try await nodes.b.dueDeliveries(nowMs: 2_300, limit: 10, excluding: []).map(\.delivery.id)
      #expect(taken == left)
      #expect(try await nodes.a.dueDeliveries(nowMs: 2_301, limit: 10, excluding: []).isEmpty, "b holds them now")
    }
  }

  @Test("a lease lapses in real time too: b takes what a left once the lease has passed, not before")
  func lapsedLeaseInRealTime() async throws {
    try await Self.withNodes(lease: .milliseconds(300)) { nodes in
      let clock = DomainClock.system
      _ = try await nodes.a.publish([Self.event("evt_1")], publisher: "rewards", nowMs: clock.nowMs())
      let claimedAt = clock.nowMs()
      let left = try await nodes.a.dueDeliveries(nowMs: claimedAt, limit: 10, excluding: []).map(\.delivery.id)
      #expect(left.count == 1)
      var taken: [String] = []
      var takenAt = claimedAt
      // Polls until b takes it: on a loaded machine each claim may be slow.
      while taken.isEmpty && clock.nowMs() - claimedAt < 10_000 {
        takenAt = clock.nowMs()
        taken = try await nodes.b.dueDeliveries(nowMs: takenAt, limit: 10, excluding: []).map(\.delivery.id)
        if taken.isEmpty { try await Task.sleep(for: .milliseconds(25)) }
      }
      #expect(taken == left)
      #expect(takenAt - claimedAt >= 300 && takenAt - claimedAt < 10_000)
    }
  }

  @Test("a redelivery of a delivery leased to a node stays that node's: the other cannot take it, the holder's next claim returns it as manual")
  func redeliveryKeepsTheLease() async throws {
    try await Self.withNodes { nodes in
      _ = try await nodes.a.publish([Self.event("evt_1")], publisher: "rewards", nowMs: 1_000)
      let claimed = try #require(try await nodes.a.dueDeliveries(nowMs: 2_000, limit: 10, excluding: []).first)
      #expect(!claimed.manual)
      let author = ChangeAuthor(partnerID: 100, callerPartnerID: 100, keyPrefix: "test", atMs: 3_000)
      let webhook = Webhook(
        id: "wh_1", kind: .global, partnerID: 100, buID: 1, allBUs: false, programmeID: nil, payloadURL: "https://example.com/wh_1",
        events: ["reward.issued"], secretHint: "abcd", description: "", createdBy: author, updatedBy: author)
      let redelivered = try await nodes.b.redeliver(
        webhookID: "wh_1", eventID: "evt_1", nowMs: 3_000, audit: AuditContext(author: author, webhook: webhook))
      #expect(redelivered.status == .retrying && redelivered.nextAttemptAtMs == 3_000)
      #expect(try await nodes.b.dueDeliveries(nowMs: 3_000, limit: 10, excluding: []).isEmpty)
      let again = try await nodes.a.dueDeliveries(nowMs: 3_000, limit: 10, excluding: [])
      #expect(again.map(\.delivery.id) == [claimed.delivery.id] && again.first?.manual == true)
    }
  }

  @Test("the same event published by two nodes at once is stored once, with one delivery per webhook; the other call is a duplicate")
  func concurrentPublishIsIdempotent() async throws {
    try await Self.withNodes(webhooks: ["wh_1", "wh_2"]) { nodes in
      for round in 0..<20 {
        // By key (ids assigned, so they differ), and by id.
        let byKey = Self.event("", key: "k\(round)")
        let byID = Self.event("evt_\(round)")
        for new in [byKey, byID] {
          async let fromA = nodes.a.publish([new], publisher: "rewards", nowMs: 1_000)
          async let fromB = nodes.b.publish([new], publisher: "rewards", nowMs: 1_000)
          let (a, b) = try await (fromA[0], fromB[0])
          #expect(a.duplicate != b.duplicate, "round \(round)")
          #expect(a.event == b.event)
          #expect([a.deliveries, b.deliveries].sorted() == [0, 2])
        }
      }
      // Whole batches at once, in the same order.
      let batch = (0..<50).map { Self.event("", key: "batch\($0)") }
      async let fromA = nodes.a.publish(batch, publisher: "rewards", nowMs: 2_000)
      async let fromB = nodes.b.publish(batch, publisher: "rewards", nowMs: 2_000)
      let (a, b) = try await (fromA, fromB)
      #expect(zip(a, b).allSatisfy { $0.event == $1.event && $0.duplicate != $1.duplicate })
      let counts = try await nodes.database.read { connection in
        try connection.query("SELECT (SELECT count(*) FROM events), (SELECT count(*) FROM deliveries)").first.map {
          (try $0.int(0), try $0.int(1))
        }
      }
      #expect(counts?.0 == 90 && counts?.1 == 180)
    }
  }

  static func isNotification(_ event: PostgresListener.Event) -> Bool {
    if case .notification = event { return true }
    return false
  }

  @Test("record announces the attempt on the change channel, and another node reads the attempt it names")
  func recordAnnouncesTheAttempt() async throws {
    try await Self.withNodes { nodes in
      let heard = EventLog<PostgresListener.Event>()
      let listener = PostgresListener(url: nodes.url, channels: [PostgresChanges.channel], onEvent: heard.append)
      defer { Task { await listener.close() } }
      #expect(await heard.first(within: .seconds(5)) { $0 == .listening } != nil)
      _ = try await nodes.a.publish([Self.event("evt_1")], publisher: "rewards", nowMs: 1_000)
      let due = try #require(try await nodes.a.dueDeliveries(nowMs: 2_000, limit: 10, excluding: []).first)
      let attempt = Self.attempt(due.delivery, at: 2_100, ok: false)
      #expect(try await nodes.a.record(attempt, status: .retrying, nextAttemptAtMs: 9_000) == 2_100)
      let notice = await heard.first(within: .seconds(5), where: Self.isNotification)
      guard case .notification(let channel, let payload)? = notice else {
        Issue.record("no notification: \(heard.events)")
        return
      }
      #expect(channel == PostgresChanges.channel && payload == "attempt:node-a \(due.delivery.id) 1")
      let named = try #require(PostgresEventStore.attemptNotice(payload))
      #expect(named.node == "node-a" && named.deliveryID == due.delivery.id && named.number == 1)
      let logged = try #require(try await nodes.b.loggedAttempt(deliveryID: named.deliveryID, number: named.number))
      #expect(logged.attempt == attempt && logged.buID == 1)
      #expect(try await nodes.b.loggedAttempt(deliveryID: named.deliveryID, number: 2) == nil)
      #expect(try await nodes.b.dueDeliveries(nowMs: 9_000, limit: 10, excluding: []).map(\.delivery.id) == [due.delivery.id], "the lease went with the record")
    }
  }
}
