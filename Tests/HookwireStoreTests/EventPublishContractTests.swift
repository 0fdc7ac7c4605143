import HookwireDomain
import Testing

/// The publishing half of the `EventStore` contract (fan-out and
/// idempotency), run against every implementation.
@Suite("Event store contract: publishing")
struct EventPublishContractTests {
  /// The seeded world with one webhook of every reach, subscribed to `reward.issued`.
  static func make(_ kind: StoreKind) async throws -> StoreTrio {
    let stores = try await StoreTrio.make(kind)
    do {
      try await World.seed(stores.partners)
      let hooks = [
        World.webhook("wh_eu"), World.webhook("wh_us", bu: World.americas),
        World.webhook("wh_two", partner: World.twoUnits, allBUs: true),
        World.webhook("wh_every", partner: World.everywhere, bu: World.asia, allBUs: true),
        World.webhook("wh_prog", programme: World.programme),
        World.webhook("wh_other_type", events: ["points.earned"]),
      ]
      for hook in hooks { try await stores.webhooks.create(hook, encryptedSecret: Array(hook.id.utf8)) }
    } catch {
      stores.cleanup()
      throw error
    }
    return stores
  }

  /// The webhooks an event got a delivery for.
  static func targets(_ stores: StoreTrio, _ eventID: String) async throws -> [String] {
    try await stores.events.search(eventID: eventID, buIDs: .all, pageSize: 100, pageToken: "").items.map(\.webhookID).sorted()
  }

  @Test("one delivery per matching webhook: single-BU global, all-BU whose owner reaches the unit, the programme's", arguments: StoreKind.available)
  func fanOut(_ kind: StoreKind) async throws {
    let stores = try await Self.make(kind)
    defer { stores.cleanup() }
    let table: [(NewEvent, [String])] = [
      (World.event("evt_eu", bu: World.europe), ["wh_eu", "wh_every", "wh_two"]),
      (World.event("evt_us", bu: World.americas), ["wh_every", "wh_two", "wh_us"]),
      (World.event("evt_asia", bu: World.asia), ["wh_every"]),
      (World.event("evt_prog", bu: World.europe, programme: World.programme), ["wh_eu", "wh_every", "wh_prog", "wh_two"]),
      (World.event("evt_other_prog", bu: World.europe, programme: "prog_other"), ["wh_eu", "wh_every", "wh_two"]),
      (World.event("evt_unsubscribed", bu: World.europe, type: "member.updated"), []),
    ]
    for (event, expected) in table {
      let result = try await stores.events.publish([event], publisher: "rewards", nowMs: 1_000)
      #expect(result.map(\.deliveries) == [expected.count], "\(event.eventID)")
      #expect(try await Self.targets(stores, event.eventID) == expected, "\(event.eventID)")
    }
  }

  @Test("an event type matches a subscription exactly: no wildcard, no case folding, no partial name", arguments: StoreKind.available)
  func exactTypeMatch(_ kind: StoreKind) async throws {
    let stores = try await Self.make(kind)
    defer { stores.cleanup() }
    let types = ["reward.issued", "reward_issued", "REWARD.ISSUED", "reward.issue", "points.earned", "points%earned", "reward"]
    let events = types.enumerated().map { World.event("evt_\($0.offset)", bu: World.asia, type: $0.element) }
    let results = try await stores.events.publish(events, publisher: "rewards", nowMs: 1_000)
    #expect(zip(types, results).filter { $0.1.deliveries > 0 }.map(\.0) == ["reward.issued"])
  }

  @Test("a paused or disabled webhook's deliveries are held; a deleted webhook gets none", arguments: StoreKind.available)
  func pausedHeldDeletedNone(_ kind: StoreKind) async throws {
    let stores = try await Self.make(kind)
    defer { stores.cleanup() }
    _ = try await stores.webhooks.update(id: "wh_eu", expectedVersion: nil, by: World.author(World.channel)) { $0.state = .paused }
    _ = try await stores.webhooks.update(id: "wh_prog", expectedVersion: nil, by: World.author(World.channel)) { $0.state = .disabled }
    try await stores.webhooks.delete(id: "wh_two", expectedVersion: nil, by: World.author(World.twoUnits))
    _ = try await stores.events.publish([World.event("evt_1", programme: World.programme)], publisher: "rewards", nowMs: 1_000)
    let deliveries = try await stores.events.search(eventID: "evt_1", buIDs: .all, pageSize: 10, pageToken: "").items
    let statuses = Dictionary(uniqueKeysWithValues: deliveries.map { ($0.webhookID, $0.status) })
    #expect(statuses == ["wh_eu": .held, "wh_prog": .held, "wh_every": .pending])
  }

  @Test("a repeated event id or (publisher, key) returns the first event as a duplicate with no deliveries", arguments: StoreKind.available)
  func idempotency(_ kind: StoreKind) async throws {
    let stores = try await Self.make(kind)
    defer { stores.cleanup() }
    let first = try await stores.events.publish([World.event("evt_1", key: "k1")], publisher: "rewards", nowMs: 1_000)[0]
    #expect(!first.duplicate && first.deliveries == 3 && first.event.publishedAtMs == 1_000)
    var again = World.event("evt_1")
    again.payloadJSON = #"{"changed":true}"#
    let byID = try await stores.events.publish([again], publisher: "rewards", nowMs: 2_000)[0]
    #expect(byID == PublishResult(event: first.event, duplicate: true, deliveries: 0))
    // By key: a new id (or none) with the same publisher and key is the first event.
    for id in ["", "evt_2"] {
      let byKey = try await stores.events.publish([World.event(id, key: "k1")], publisher: "rewards", nowMs: 3_000)[0]
      #expect(byKey == PublishResult(event: first.event, duplicate: true, deliveries: 0), "id '\(id)'")
    }
    // Another publisher's key is its own.
    let other = try await stores.events.publish([World.event("", key: "k1")], publisher: "billing", nowMs: 4_000)[0]
    #expect(!other.duplicate && other.event.id.hasPrefix("evt_") && other.event.id != "evt_1" && other.deliveries == 3)
    // Within one batch, too.
    let batch = try await stores.events.publish([World.event("evt_3"), World.event("evt_3")], publisher: "rewards", nowMs: 5_000)
    #expect(batch.map(\.duplicate) == [false, true] && batch.map(\.deliveries) == [3, 0])
    #expect(try await Self.targets(stores, "evt_3").count == 3)
  }

  @Test("another publisher's event id is ALREADY_EXISTS, even when the key is one of the caller's own events", arguments: StoreKind.available)
  func eventIDOfAnotherPublisher(_ kind: StoreKind) async throws {
    let stores = try await Self.make(kind)
    defer { stores.cleanup() }
    var secret = World.event("evt_shared")
    secret.payloadJSON = #"{"secret":1}"#
    _ = try await stores.events.publish([secret], publisher: "rewards", nowMs: 1_000)
    await #expect(throws: EventIDs.taken("evt_shared")) {
      _ = try await stores.events.publish([World.event("evt_shared")], publisher: "billing", nowMs: 2_000)
    }
    // The id is checked before the key, so the answer never depends on
    // which event a store happens to find first (16 keys: 16 chances).
    let keys = (0..<16).map { "k\($0)" }
    _ = try await stores.events.publish(keys.map { World.event("evt_mine_\($0)", key: $0) }, publisher: "billing", nowMs: 1_000)
    for key in keys {
      await #expect(throws: EventIDs.taken("evt_shared"), "key \(key)") {
        _ = try await stores.events.publish([World.event("evt_shared", key: key)], publisher: "billing", nowMs: 2_000)
      }
    }
    let again = try await stores.events.publish([World.event("evt_shared")], publisher: "rewards", nowMs: 3_000)
    #expect(again.first?.duplicate == true && again.first?.event.payloadJSON == #"{"secret":1}"#)
  }
}
