import HookwireDomain
import Testing

/// The delivery half of the `EventStore` contract (due work, attempts,
/// holds), run against every implementation.
@Suite("Event store contract: deliveries")
struct EventDeliveryContractTests {
  /// The seeded world with two active webhooks of Europe, `wh_a` and `wh_b`.
  static func make(_ kind: StoreKind) async throws -> StoreTrio {
    let stores = try await StoreTrio.make(kind)
    do {
      try await World.seed(stores.partners)
      try await stores.webhooks.create(World.webhook("wh_a"), encryptedSecret: [0xA])
      try await stores.webhooks.create(World.webhook("wh_b"), encryptedSecret: [0xB])
    } catch {
      stores.cleanup()
      throw error
    }
    return stores
  }

  /// Publishes `id` at `nowMs`; returns its delivery to `webhook`.
  static func publish(_ stores: StoreTrio, _ id: String, at nowMs: Int64, to webhook: String = "wh_a") async throws -> Delivery {
    _ = try await stores.events.publish([World.event(id)], publisher: "rewards", nowMs: nowMs)
    let (delivery, _, _) = try #require(try await stores.events.eventLog(webhookID: webhook, eventID: id))
    return delivery
  }

  static func attempt(_ delivery: Delivery, _ number: Int, at ms: Int64, ok: Bool, trigger: DeliveryAttempt.Trigger = .scheduled) -> DeliveryAttempt {
    DeliveryAttempt(
      deliveryID: delivery.id, webhookID: delivery.webhookID, eventID: delivery.eventID, eventType: delivery.eventType, number: number,
      trigger: trigger, attemptedAtMs: ms, httpStatus: ok ? 200 : 500, latencyMs: 3, responseExcerpt: ok ? "ok" : "boom",
      error: ok ? "" : "HTTP 500", succeeded: ok)
  }

  static func due(_ stores: StoreTrio, at ms: Int64, limit: Int = 100, excluding: Set<String> = []) async throws -> [String] {
    try await stores.events.dueDeliveries(nowMs: ms, limit: limit, excluding: excluding).map(\.delivery.eventID)
  }

  @Test("due deliveries: due by time, oldest first, limited, skipping those excluded, with what the sender needs", arguments: StoreKind.available)
  func dueDeliveries(_ kind: StoreKind) async throws {
    let stores = try await Self.make(kind)
    defer { stores.cleanup() }
    #expect(try await stores.events.nextDueMs() == nil)
    let first = try await Self.publish(stores, "evt_1", at: 1_000)
    _ = try await Self.publish(stores, "evt_2", at: 2_000)
    #expect(try await Self.due(stores, at: 999).isEmpty)
    #expect(try await Self.due(stores, at: 1_000) == ["evt_1", "evt_1"])
    let later = try await stores.events.dueDeliveries(nowMs: 5_000, limit: 100, excluding: [])
    #expect(later.map(\.delivery.eventID) == ["evt_1", "evt_1", "evt_2", "evt_2"])
    #expect(try await stores.events.dueDeliveries(nowMs: 5_000, limit: 3, excluding: []).count == 3)
    #expect(try await Self.due(stores, at: 5_000, limit: 2, excluding: [first.id]) == ["evt_1", "evt_2"])
    let sent = try #require(later.first { $0.delivery.id == first.id })
    #expect(sent.payloadURL == "https://example.com/wh_a" && sent.payloadJSON == #"{"id":"evt_1"}"#)
    #expect(sent.publishedAtMs == 1_000 && sent.encryptedSecret == [0xA] && !sent.manual && sent.delivery.status == .pending)
    #expect(try await stores.events.nextDueMs() == 1_000)
  }

  @Test("only an active webhook's deliveries are due: pausing, disabling or deleting it stops them", arguments: StoreKind.available)
  func onlyActiveWebhooksDue(_ kind: StoreKind) async throws {
    let stores = try await Self.make(kind)
    defer { stores.cleanup() }
    _ = try await Self.publish(stores, "evt_1", at: 1_000)
    let author = World.author(World.channel)
    _ = try await stores.webhooks.update(id: "wh_a", expectedVersion: nil, by: author) { $0.state = .paused }
    let table: [(Webhook.State, [String])] = [(.paused, ["wh_b"]), (.disabled, ["wh_b"]), (.active, ["wh_a", "wh_b"])]
    for (state, expected) in table {
      _ = try await stores.webhooks.update(id: "wh_a", expectedVersion: nil, by: author) { $0.state = state }
      let due = try await stores.events.dueDeliveries(nowMs: 9_000, limit: 10, excluding: []).map(\.delivery.webhookID).sorted()
      #expect(due == expected, "\(state)")
    }
    try await stores.webhooks.delete(id: "wh_b", expectedVersion: nil, by: author)
    #expect(try await stores.events.dueDeliveries(nowMs: 9_000, limit: 10, excluding: []).map(\.delivery.webhookID) == ["wh_a"])
    _ = try await stores.webhooks.update(id: "wh_a", expectedVersion: nil, by: author) { $0.state = .paused }
    #expect(try await stores.events.nextDueMs() == nil)
  }

  @Test("record moves the delivery and logs the attempt; failing-since is the first failure since the last success", arguments: StoreKind.available)
  func recordAndFailingSince(_ kind: StoreKind) async throws {
    let stores = try await Self.make(kind)
    defer { stores.cleanup() }
    let one = try await Self.publish(stores, "evt_1", at: 1_000)
    #expect(try await stores.events.record(Self.attempt(one, 1, at: 1_100, ok: false), status: .retrying, nextAttemptAtMs: 6_100) == 1_100)
    #expect(try await Self.due(stores, at: 6_099).filter { $0 == "evt_1" }.count == 1, "wh_b's is still due; wh_a's waits")
    #expect(try await stores.events.nextDueMs() == 1_000)
    let other = try await Self.publish(stores, "evt_2", at: 2_000)
    #expect(try await stores.events.record(Self.attempt(other, 1, at: 2_100, ok: false), status: .retrying, nextAttemptAtMs: 9_000) == 1_100)
    #expect(try await stores.events.record(Self.attempt(one, 2, at: 6_100, ok: true), status: .succeeded, nextAttemptAtMs: 0) == nil)
    #expect(try await stores.events.record(Self.attempt(other, 2, at: 9_000, ok: false), status: .failed, nextAttemptAtMs: 0) == 9_000)
    let (delivery, event, attempts) = try #require(try await stores.events.eventLog(webhookID: "wh_a", eventID: "evt_1"))
    #expect(delivery.status == .succeeded && delivery.attempts == 2 && delivery.lastAttemptAtMs == 6_100 && delivery.lastHTTPStatus == 200)
    #expect(event.id == "evt_1" && event.publishedAtMs == 1_000)
    #expect(attempts.map(\.number) == [1, 2] && attempts.map(\.succeeded) == [false, true] && attempts[0].error == "HTTP 500")
    let dueA = try await stores.events.dueDeliveries(nowMs: 100_000, limit: 10, excluding: []).filter { $0.delivery.webhookID == "wh_a" }
    #expect(dueA.isEmpty, "succeeded and failed deliveries are never due")
    #expect(try await stores.events.eventLog(webhookID: "wh_a", eventID: "evt_missing") == nil)
  }

  @Test("an attempt number recorded again replaces its entry: one entry per number, in number order, and the delivery shows the last report", arguments: StoreKind.available)
  func recordSameNumberReplaces(_ kind: StoreKind) async throws {
    let stores = try await Self.make(kind)
    defer { stores.cleanup() }
    let one = try await Self.publish(stores, "evt_1", at: 1_000)
    _ = try await stores.events.record(Self.attempt(one, 1, at: 1_100, ok: false), status: .retrying, nextAttemptAtMs: 2_000)
    _ = try await stores.events.record(Self.attempt(one, 2, at: 2_100, ok: false), status: .retrying, nextAttemptAtMs: 3_000)
    // Attempt 2 reported again, now a success: it replaces the first report.
    _ = try await stores.events.record(Self.attempt(one, 2, at: 2_200, ok: true), status: .succeeded, nextAttemptAtMs: 0)
    let (delivery, _, attempts) = try #require(try await stores.events.eventLog(webhookID: "wh_a", eventID: "evt_1"))
    #expect(attempts.map(\.number) == [1, 2])
    #expect(attempts.map(\.succeeded) == [false, true])
    #expect(attempts.map(\.attemptedAtMs) == [1_100, 2_200])
    #expect(delivery.attempts == 2 && delivery.status == .succeeded && delivery.lastAttemptAtMs == 2_200 && delivery.lastHTTPStatus == 200)
    // Reported out of order, attempts still read in number order.
    let other = try await Self.publish(stores, "evt_2", at: 3_000)
    _ = try await stores.events.record(Self.attempt(other, 2, at: 3_200, ok: false), status: .retrying, nextAttemptAtMs: 4_000)
    _ = try await stores.events.record(Self.attempt(other, 1, at: 3_100, ok: false), status: .retrying, nextAttemptAtMs: 4_000)
    let (_, _, reordered) = try #require(try await stores.events.eventLog(webhookID: "wh_a", eventID: "evt_2"))
    #expect(reordered.map(\.number) == [1, 2])
  }

  @Test("open deliveries are held, released due now, or cancelled; finished ones never change", arguments: StoreKind.available)
  func holdReleaseCancel(_ kind: StoreKind) async throws {
    let stores = try await Self.make(kind)
    defer { stores.cleanup() }
    let done = try await Self.publish(stores, "evt_done", at: 1_000)
    _ = try await stores.events.record(Self.attempt(done, 1, at: 1_001, ok: true), status: .succeeded, nextAttemptAtMs: 0)
    let retrying = try await Self.publish(stores, "evt_retry", at: 2_000)
    _ = try await stores.events.record(Self.attempt(retrying, 1, at: 2_001, ok: false), status: .retrying, nextAttemptAtMs: 50_000)
    _ = try await Self.publish(stores, "evt_new", at: 3_000)
    func statuses() async throws -> [String: DeliveryStatus] {
      let page = try await stores.events.deliveries(ofWebhook: "wh_a", filter: LogFilter(), pageSize: 10, pageToken: "")
      return Dictionary(uniqueKeysWithValues: page.items.map { ($0.eventID, $0.status) })
    }
    #expect(try await stores.events.setOpenDeliveries(ofWebhook: "wh_a", to: .held, nowMs: 4_000) == 2)
    #expect(try await statuses() == ["evt_done": .succeeded, "evt_retry": .held, "evt_new": .held])
    #expect(try await stores.events.dueDeliveries(nowMs: 100_000, limit: 10, excluding: []).allSatisfy { $0.delivery.webhookID == "wh_b" })
    // An attempt in flight when the hold came keeps the hold, unless it succeeded.
    _ = try await stores.events.record(Self.attempt(retrying, 2, at: 4_001, ok: false), status: .retrying, nextAttemptAtMs: 60_000)
    #expect(try await statuses()["evt_retry"] == .held)
    #expect(try await stores.events.setOpenDeliveries(ofWebhook: "wh_a", to: .pending, nowMs: 5_000) == 2)
    #expect(try await statuses() == ["evt_done": .succeeded, "evt_retry": .pending, "evt_new": .pending])
    let due = try await stores.events.dueDeliveries(nowMs: 5_000, limit: 10, excluding: []).filter { $0.delivery.webhookID == "wh_a" }
    #expect(due.map(\.delivery.eventID).sorted() == ["evt_new", "evt_retry"], "released deliveries are due at once")
    _ = try await stores.events.setOpenDeliveries(ofWebhook: "wh_a", to: .held, nowMs: 6_000)
    _ = try await Self.publish(stores, "evt_open", at: 6_500)
    #expect(try await stores.events.setOpenDeliveries(ofWebhook: "wh_a", to: .cancelled, nowMs: 7_000) == 3)
    #expect(try await statuses() == ["evt_done": .succeeded, "evt_retry": .cancelled, "evt_new": .cancelled, "evt_open": .cancelled])
    _ = try await stores.events.record(Self.attempt(retrying, 3, at: 7_001, ok: false), status: .retrying, nextAttemptAtMs: 8_000)
    #expect(try await statuses()["evt_retry"] == .cancelled, "a cancelled delivery stays cancelled")
    #expect(try await stores.events.setOpenDeliveries(ofWebhook: "wh_b", to: .held, nowMs: 7_000) == 4, "another webhook is apart")
  }
}
