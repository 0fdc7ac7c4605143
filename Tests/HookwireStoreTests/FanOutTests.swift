import Foundation
import HookwireDomain
import HookwireStore
import Testing

/// The fan-out rule, the same on every event store: an event reaches a
/// webhook subscribed to exactly its type, never a look-alike.
@Suite("Fan-out")
struct FanOutTests {
  static func author(_ partner: Int64) -> ChangeAuthor {
    ChangeAuthor(partnerID: partner, callerPartnerID: partner, keyPrefix: "test", atMs: 1)
  }

  /// Europe with one channel partner and its webhook subscribed to `events`,
  /// over the chosen store; returns the event store and a cleanup.
  static func make(_ kind: StoreKind, events: [String]) async throws -> (any EventStore, @Sendable () -> Void) {
    let webhook: (Int64) -> Webhook = { partner in
      Webhook(
        id: "wh_fanout", kind: .global, partnerID: partner, buID: 1, allBUs: false, programmeID: nil, payloadURL: "https://example.com/h",
        events: events, secretHint: "abcd", description: "", createdBy: author(partner), updatedBy: author(partner))
    }
    switch kind {
    case .memory:
      let partners = InMemoryPartnerStore()
      let bu = try await partners.createBusinessUnit(name: "Europe")
      let partner = try await partners.createPartner(id: 12345, name: "Acme", kind: .channel, buID: bu.id, reach: .units([bu.id]))
      let webhooks = InMemoryWebhookStore()
      try await webhooks.create(webhook(partner.id), encryptedSecret: [1])
      return (InMemoryEventStore(webhooks: webhooks, partners: partners), {})
    case .sqlite:
      let directory = FileManager.default.temporaryDirectory.appendingPathComponent("hookwire-fanout-\(UUID().uuidString)")
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      let database = try Database(path: directory.appendingPathComponent("hookwire.sqlite").path, migrations: HookwireSchema.migrations)
      let partners = SQLitePartnerStore(database: database)
      let bu = try await partners.createBusinessUnit(name: "Europe")
      let partner = try await partners.createPartner(id: 12345, name: "Acme", kind: .channel, buID: bu.id, reach: .units([bu.id]))
      try await SQLiteWebhookStore(database: database).create(webhook(partner.id), encryptedSecret: [1])
      return (SQLiteEventStore(database: database), {
        database.close()
        try? FileManager.default.removeItem(at: directory)
      })
    }
  }

  @Test("an event type matches a subscription exactly: no wildcard, no case folding, no partial name", arguments: StoreKind.allCases)
  func exactTypeMatch(_ kind: StoreKind) async throws {
    let (store, cleanup) = try await Self.make(kind, events: ["points.earned", "reward.issued"])
    defer { cleanup() }
    let types = ["reward.issued", "reward_issued", "REWARD.ISSUED", "reward.issue", "points.earned", "points%earned", "reward"]
    let events = types.enumerated().map { index, type in
      NewEvent(buID: 1, programmeID: nil, type: type, payloadJSON: "{}", eventID: "evt_\(index)", idempotencyKey: "")
    }
    let results = try await store.publish(events, publisher: "test", nowMs: 1_000)
    let delivered = zip(types, results).filter { $0.1.deliveries > 0 }.map(\.0)
    #expect(delivered == ["reward.issued", "points.earned"])
  }

  @Test("an event id another publisher used is ALREADY_EXISTS, and that publisher's event is not returned", arguments: StoreKind.allCases)
  func eventIDsOfAnotherPublisher(_ kind: StoreKind) async throws {
    let (store, cleanup) = try await Self.make(kind, events: ["reward.issued"])
    defer { cleanup() }
    let first = NewEvent(buID: 1, programmeID: nil, type: "reward.issued", payloadJSON: #"{"secret":1}"#, eventID: "evt_shared", idempotencyKey: "")
    _ = try await store.publish([first], publisher: "rewards-engine", nowMs: 1_000)
    var other = first
    other.payloadJSON = "{}"
    await #expect(throws: EventIDs.taken("evt_shared")) { _ = try await store.publish([other], publisher: "billing", nowMs: 2_000) }
    // The same publisher again is an idempotent repeat.
    let again = try await store.publish([other], publisher: "rewards-engine", nowMs: 3_000)
    #expect(again.first?.duplicate == true && again.first?.event.payloadJSON == #"{"secret":1}"#)
  }
}
