import Foundation
import HookwireDomain
import Testing

/// The event-log half of the `EventStore` contract (listing, search,
/// redelivery, retention), run against every implementation.
@Suite("Event store contract: the event log")
struct EventLogContractTests {
  typealias Fixture = EventDeliveryContractTests

  @Test("a webhook's log is newest first, filtered, and its pages walk every delivery once; forged tokens are INVALID_ARGUMENT", arguments: StoreKind.available)
  func logPagingAndFilters(_ kind: StoreKind) async throws {
    let stores = try await Fixture.make(kind)
    defer { stores.cleanup() }
    // Several per millisecond, so order within one is tested too.
    var published: [String] = []
    for index in 0..<13 {
      let id = "evt_\(String(format: "%02d", index))"
      let type = index % 3 == 0 ? "points.earned" : "reward.issued"
      _ = try await stores.events.publish([World.event(id, type: type)], publisher: "rewards", nowMs: 1_000 + Int64(index / 4))
      published.append(id)
    }
    _ = try await stores.webhooks.update(id: "wh_a", expectedVersion: nil, by: World.author(World.channel)) {
      $0.events = ["points.earned", "reward.issued"]
    }
    let walked = try await walkPages { token in
      try await stores.events.deliveries(ofWebhook: "wh_a", filter: LogFilter(), pageSize: 4, pageToken: token)
    }
    let subscribed = published.enumerated().filter { $0.offset % 3 != 0 }.map(\.element)
    #expect(walked.map(\.eventID) == subscribed.reversed())
    let first = try #require(walked.last)
    _ = try await stores.events.record(Fixture.attempt(first, 1, at: 2_000, ok: true), status: .succeeded, nextAttemptAtMs: 0)
    func ids(_ filter: LogFilter) async throws -> [String] {
      try await walkPages { try await stores.events.deliveries(ofWebhook: "wh_a", filter: filter, pageSize: 3, pageToken: $0) }.map(\.eventID)
    }
    let table: [(LogFilter, [String])] = [
      (LogFilter(status: .succeeded), [first.eventID]),
      (LogFilter(status: .pending, eventType: "reward.issued", sinceMs: 1_001, untilMs: 1_003), ["evt_11", "evt_10", "evt_08", "evt_07", "evt_05", "evt_04"]),
      (LogFilter(eventType: "points.earned"), []),
      (LogFilter(sinceMs: 1_002), ["evt_11", "evt_10", "evt_08"]),
      (LogFilter(untilMs: 1_001), ["evt_02", "evt_01"]),
      (LogFilter(untilMs: 1_000), []),
    ]
    for (filter, expected) in table { #expect(try await ids(filter) == expected, "\(filter)") }
    for token in ["garbage", "AAAA", Paging.token(after: "not a cursor")] {
      await expectDomainError(.invalid, "token \(token)") {
        _ = try await stores.events.deliveries(ofWebhook: "wh_a", filter: LogFilter(), pageSize: 4, pageToken: token)
      }
    }
  }

  @Test("search finds an event's deliveries only within the business units given, paged", arguments: StoreKind.available)
  func searchAcrossReach(_ kind: StoreKind) async throws {
    let stores = try await Fixture.make(kind)
    defer { stores.cleanup() }
    try await stores.webhooks.create(World.webhook("wh_all", partner: World.everywhere, bu: World.asia, allBUs: true), encryptedSecret: [1])
    _ = try await stores.events.publish([World.event("evt_eu"), World.event("evt_asia", bu: World.asia)], publisher: "rewards", nowMs: 1_000)
    func hooks(_ event: String, _ reach: Reach) async throws -> [String] {
      try await walkPages { try await stores.events.search(eventID: event, buIDs: reach, pageSize: 1, pageToken: $0) }.map(\.webhookID).sorted()
    }
    let table: [(String, Reach, [String])] = [
      ("evt_eu", .all, ["wh_a", "wh_all", "wh_b"]), ("evt_eu", .units([World.europe]), ["wh_a", "wh_all", "wh_b"]),
      ("evt_eu", .units([World.americas, World.asia]), []), ("evt_eu", .units([]), []),
      ("evt_asia", .units([World.asia]), ["wh_all"]), ("evt_missing", .all, []),
    ]
    for (event, reach, expected) in table { #expect(try await hooks(event, reach) == expected, "\(event) within \(reach)") }
    await expectDomainError(.invalid) { _ = try await stores.events.search(eventID: "evt_eu", buIDs: .all, pageSize: 1, pageToken: "zz") }
  }

  @Test("redeliver schedules a manual attempt now (a held one stays held); recover reschedules failures since a time", arguments: StoreKind.available)
  func redeliverAndRecover(_ kind: StoreKind) async throws {
    let stores = try await Fixture.make(kind)
    defer { stores.cleanup() }
    var failed: [Delivery] = []
    for (index, at) in [Int64(1_000), 2_000, 3_000].enumerated() {
      let delivery = try await Fixture.publish(stores, "evt_\(index)", at: at)
      _ = try await stores.events.record(Fixture.attempt(delivery, 1, at: at + 1, ok: false), status: .failed, nextAttemptAtMs: 0)
      failed.append(delivery)
    }
    let again = try await stores.events.redeliver(webhookID: "wh_a", eventID: "evt_0", nowMs: 5_000, audit: World.audit("wh_a", at: 5_000))
    #expect(again.status == .retrying && again.nextAttemptAtMs == 5_000 && again.id == failed[0].id)
    let due = try await stores.events.dueDeliveries(nowMs: 5_000, limit: 10, excluding: []).filter { $0.delivery.webhookID == "wh_a" }
    #expect(due.map(\.delivery.eventID) == ["evt_0"] && due.first?.manual == true)
    #expect(try await stores.events.recoverFailed(webhookID: "wh_a", sinceMs: 2_000, nowMs: 6_000, audit: World.audit("wh_a", at: 6_000)) == 2)
    let recovered = try await stores.events.dueDeliveries(nowMs: 6_000, limit: 10, excluding: []).filter { $0.delivery.webhookID == "wh_a" }
    #expect(recovered.map(\.delivery.eventID).sorted() == ["evt_0", "evt_1", "evt_2"] && recovered.allSatisfy(\.manual))
    _ = try await stores.events.record(Fixture.attempt(failed[1], 2, at: 6_001, ok: true, trigger: .manual), status: .succeeded, nextAttemptAtMs: 0)
    let log = try #require(try await stores.events.eventLog(webhookID: "wh_a", eventID: "evt_1"))
    #expect(log.2.map(\.trigger) == [.scheduled, .manual])
    // Held stays held; cancelled and unknown are NOT_FOUND.
    _ = try await stores.events.setOpenDeliveries(ofWebhook: "wh_b", to: .held, nowMs: 7_000)
    #expect(try await stores.events.redeliver(webhookID: "wh_b", eventID: "evt_0", nowMs: 7_000, audit: World.audit("wh_b", at: 7_000)).status == .held)
    _ = try await stores.events.setOpenDeliveries(ofWebhook: "wh_b", to: .cancelled, nowMs: 7_000)
    await expectDomainError(.notFound) { _ = try await stores.events.redeliver(webhookID: "wh_b", eventID: "evt_0", nowMs: 8_000, audit: World.audit("wh_b", at: 8_000)) }
    await expectDomainError(.notFound) { _ = try await stores.events.redeliver(webhookID: "wh_a", eventID: "evt_missing", nowMs: 8_000, audit: World.audit("wh_a", at: 8_000)) }
    #expect(try await stores.events.recoverFailed(webhookID: "wh_b", sinceMs: 0, nowMs: 8_000, audit: World.audit("wh_b", at: 8_000)) == 0)
  }

  @Test("prune removes finished deliveries older than the cutoff and the old events left without any; open ones stay", arguments: StoreKind.available)
  func prune(_ kind: StoreKind) async throws {
    let stores = try await Fixture.make(kind)
    defer { stores.cleanup() }
    try await stores.webhooks.delete(id: "wh_b", expectedVersion: nil, by: World.author(World.channel))
    let statuses: [(String, DeliveryStatus)] = [("evt_ok", .succeeded), ("evt_failed", .failed), ("evt_retry", .retrying), ("evt_open", .pending)]
    for (id, status) in statuses {
      let delivery = try await Fixture.publish(stores, id, at: 1_000)
      if status != .pending {
        _ = try await stores.events.record(Fixture.attempt(delivery, 1, at: 1_001, ok: status == .succeeded), status: status, nextAttemptAtMs: 9_000)
      }
    }
    // Held deliveries are open too.
    #expect(try await stores.events.setOpenDeliveries(ofWebhook: "wh_a", to: .held, nowMs: 1_500) == 2)
    let late = try await Fixture.publish(stores, "evt_late", at: 5_000)
    _ = try await stores.events.record(Fixture.attempt(late, 1, at: 5_001, ok: true), status: .succeeded, nextAttemptAtMs: 0)
    _ = try await stores.events.publish([World.event("evt_orphan", bu: World.asia)], publisher: "rewards", nowMs: 1_000)
    #expect(try await stores.events.prune(before: 2_000) == 2)
    for (event, kept) in [("evt_ok", false), ("evt_failed", false), ("evt_retry", true), ("evt_open", true), ("evt_late", true)] {
      #expect((try await stores.events.eventLog(webhookID: "wh_a", eventID: event) != nil) == kept, "\(event)")
    }
    let orphanGone = try await stores.events.publish([World.event("evt_orphan", bu: World.asia)], publisher: "other", nowMs: 3_000)
    #expect(orphanGone.first?.duplicate == false, "an event left without deliveries is removed, its id free again")
    _ = try await stores.events.setOpenDeliveries(ofWebhook: "wh_a", to: .cancelled, nowMs: 6_000)
    #expect(try await stores.events.prune(before: 2_000) == 2, "cancelled deliveries are finished too")
    #expect(try await stores.events.eventLog(webhookID: "wh_a", eventID: "evt_late") != nil)
    #expect(try await stores.events.prune(before: 10_000) == 1)
  }
}
