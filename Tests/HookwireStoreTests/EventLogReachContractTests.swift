import HookwireDomain
import Testing

/// What a receiver, an operator and an integrator reach in the event log,
/// run against every store: a delivery found by its own id, a deleted
/// webhook's log kept with what its access rule needs, and redeliveries
/// and recoveries held while the webhook is paused or disabled.
@Suite("Event store contract: delivery ids, deleted webhooks' logs, holds")
struct EventLogReachContractTests {
  typealias Fixture = EventDeliveryContractTests

  @Test("search takes a delivery id (the webhook-id header) as well as an event id, within the units given, paged", arguments: StoreKind.available)
  func searchByDeliveryID(_ kind: StoreKind) async throws {
    let stores = try await Fixture.make(kind)
    defer { stores.cleanup() }
    let toA = try await Fixture.publish(stores, "evt_1", at: 1_000)
    let toB = try #require(try await stores.events.eventLog(webhookID: "wh_b", eventID: "evt_1")).0
    func found(_ id: String, _ reach: Reach) async throws -> [String] {
      try await walkPages { try await stores.events.search(eventID: id, buIDs: reach, pageSize: 1, pageToken: $0) }.map(\.id)
    }
    #expect(try await found(toA.id, .all) == [toA.id])
    #expect(try await found(toB.id, .units([World.europe])) == [toB.id])
    #expect(try await found(toA.id, .units([World.asia])) == [], "a delivery outside the units given is not found")
    #expect(try await found("evt_1", .all) == [toA.id, toB.id].sorted(), "an event id still finds every delivery of the event")
    #expect(try await found("dlv_missing", .all) == [])
    // An event a publisher named like a delivery: both are found, in id order.
    _ = try await stores.events.publish([World.event(toA.id)], publisher: "rewards", nowMs: 2_000)
    #expect(try await found(toA.id, .all).count == 3)
    #expect(try await stores.events.delivery(id: toA.id) == toA)
    #expect(try await stores.events.delivery(id: "dlv_missing") == nil)
  }

  @Test("a deleted webhook keeps its row for its log: found with when and by whom; not read, listed, signed for or fanned out to", arguments: StoreKind.available)
  func deletedWebhookKeepsItsLog(_ kind: StoreKind) async throws {
    let stores = try await Fixture.make(kind)
    defer { stores.cleanup() }
    let delivered = try await Fixture.publish(stores, "evt_1", at: 1_000, to: "wh_b")
    _ = try await stores.events.record(Fixture.attempt(delivered, 1, at: 1_001, ok: true), status: .succeeded, nextAttemptAtMs: 0)
    _ = try await Fixture.publish(stores, "evt_2", at: 1_100, to: "wh_b")
    let live = try #require(try await stores.webhooks.loggedWebhook(id: "wh_b"))
    let read = try await stores.webhooks.webhook(id: "wh_b")
    #expect(live.deletedAtMs == nil && live.webhook == read)

    let deleter = World.author(World.twoUnits, at: 5_000)
    try await stores.webhooks.delete(id: "wh_b", expectedVersion: nil, by: deleter)
    _ = try await stores.events.setOpenDeliveries(ofWebhook: "wh_b", to: .cancelled, nowMs: 5_000)
    let tombstone = try #require(try await stores.webhooks.loggedWebhook(id: "wh_b"))
    #expect(tombstone.deletedAtMs == 5_000 && tombstone.isDeleted)
    #expect(tombstone.webhook.updatedBy == deleter && tombstone.webhook.version == live.webhook.version + 1)
    var unchanged = tombstone.webhook
    unchanged.updatedBy = live.webhook.updatedBy
    unchanged.version = live.webhook.version
    #expect(unchanged == live.webhook, "owner, unit, programme and the rest stay as they were")
    #expect(try await stores.webhooks.webhook(id: "wh_b") == nil)
    #expect(try await stores.webhooks.encryptedSecret(id: "wh_b") == nil)
    let listed = try await stores.webhooks.list(kind: .global, buID: World.europe, allBUOwners: [World.channel], pageSize: 10, pageToken: "")
    #expect(listed.items.map(\.id) == ["wh_a"])
    #expect(try await stores.webhooks.loggedWebhook(id: "wh_never") == nil)

    // Its log reads as before; new events pass it by.
    let log = try await walkPages { try await stores.events.deliveries(ofWebhook: "wh_b", filter: LogFilter(), pageSize: 1, pageToken: $0) }
    #expect(log.map(\.eventID) == ["evt_2", "evt_1"] && log.map(\.status) == [.cancelled, .succeeded])
    #expect(try await stores.events.eventLog(webhookID: "wh_b", eventID: "evt_1")?.2.count == 1)
    _ = try await stores.events.publish([World.event("evt_3")], publisher: "rewards", nowMs: 6_000)
    #expect(try await stores.events.eventLog(webhookID: "wh_b", eventID: "evt_3") == nil)
    #expect(try await stores.events.search(eventID: "evt_1", buIDs: .all, pageSize: 10, pageToken: "").items.count == 2)
    await expectDomainError(.conflict) { try await stores.webhooks.create(World.webhook("wh_b"), encryptedSecret: [1]) }

    // Until retention removes the deliveries; the row stays, so the id is never reused.
    #expect(try await stores.events.prune(before: 2_000) == 2)
    #expect(try await stores.events.deliveries(ofWebhook: "wh_b", filter: LogFilter(), pageSize: 10, pageToken: "").items.isEmpty)
    #expect(try await stores.webhooks.loggedWebhook(id: "wh_b")?.deletedAtMs == 5_000)
  }

  @Test("redeliver and recover hold the deliveries of a paused or disabled webhook; resuming releases them due now", arguments: StoreKind.available)
  func redeliveryIsHeldWhileTheWebhookHolds(_ kind: StoreKind) async throws {
    let stores = try await Fixture.make(kind)
    defer { stores.cleanup() }
    for (index, at) in [Int64(1_000), 2_000].enumerated() {
      for webhook in ["wh_a", "wh_b"] {
        let delivery = try await Fixture.publish(stores, "evt_\(index)", at: at, to: webhook)
        _ = try await stores.events.record(Fixture.attempt(delivery, 1, at: at + 1, ok: false), status: .failed, nextAttemptAtMs: 0)
      }
    }
    // Disabled by the platform, as the engine does it: its deliveries stay where they were.
    _ = try await stores.webhooks.update(id: "wh_a", expectedVersion: nil, by: World.author(World.channel)) {
      $0.state = .disabled
      $0.disabledReason = "the endpoint answered 410 Gone"
    }
    _ = try await stores.webhooks.update(id: "wh_b", expectedVersion: nil, by: World.author(World.channel)) { $0.state = .paused }
    let again = try await stores.events.redeliver(webhookID: "wh_a", eventID: "evt_0", nowMs: 5_000, audit: World.audit("wh_a", at: 5_000))
    #expect(again.status == .held && again.nextAttemptAtMs == 5_000)
    #expect(try await stores.events.recoverFailed(webhookID: "wh_b", sinceMs: 0, nowMs: 5_000, audit: World.audit("wh_b", at: 5_000)) == 2)
    let heldB = try await stores.events.deliveries(ofWebhook: "wh_b", filter: LogFilter(), pageSize: 10, pageToken: "").items
    #expect(heldB.map(\.status) == [.held, .held])
    #expect(try await Fixture.due(stores, at: 10_000).isEmpty)

    _ = try await stores.webhooks.update(id: "wh_b", expectedVersion: nil, by: World.author(World.channel)) { $0.state = .active }
    #expect(try await stores.events.setOpenDeliveries(ofWebhook: "wh_b", to: .pending, nowMs: 6_000) == 2)
    #expect(try await Fixture.due(stores, at: 6_000).sorted() == ["evt_0", "evt_1"])
    // Active again: a redelivery is scheduled, not held.
    #expect(try await stores.events.redeliver(webhookID: "wh_b", eventID: "evt_0", nowMs: 7_000, audit: World.audit("wh_b", at: 7_000)).status == .retrying)
    #expect(try await stores.events.recoverFailed(webhookID: "wh_a", sinceMs: 0, nowMs: 7_000, audit: World.audit("wh_a", at: 7_000)) == 1)
    #expect(try await stores.events.eventLog(webhookID: "wh_a", eventID: "evt_1")?.0.status == .held)
  }
}
