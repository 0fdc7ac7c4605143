import HookwireDomain
import Testing

/// The test-event half of the `EventStore` contract (`publishTest`: one
/// event, one delivery, one webhook), run against every implementation.
@Suite("Event store contract: test events")
struct EventTestDeliveryContractTests {
  /// The seeded world with three webhooks that all receive Europe's
  /// `reward.issued` under the fan-out rule, and a paused and a disabled one.
  static func make(_ kind: StoreKind) async throws -> StoreTrio {
    let stores = try await StoreTrio.make(kind)
    do {
      try await World.seed(stores.partners)
      let hooks = [
        World.webhook("wh_eu"), World.webhook("wh_two", partner: World.twoUnits, allBUs: true),
        World.webhook("wh_prog", programme: World.programme),
        World.webhook("wh_paused", state: .paused), World.webhook("wh_disabled", state: .disabled),
      ]
      for hook in hooks { try await stores.webhooks.create(hook, encryptedSecret: Array(hook.id.utf8)) }
    } catch {
      stores.cleanup()
      throw error
    }
    return stores
  }

  static let example = World.event("evt_given", bu: World.europe, key: "key_given")

  @Test("a test event is stored with one delivery, to the webhook named only, due at once with its payload", arguments: StoreKind.available)
  func oneDeliveryToOneWebhook(_ kind: StoreKind) async throws {
    let stores = try await Self.make(kind)
    defer { stores.cleanup() }
    let result = try await stores.events.publishTest(Self.example, webhookID: "wh_eu", publisher: "test:12345", nowMs: 5_000)
    #expect(result.event.id.hasPrefix("evt_") && result.event.id != Self.example.eventID, "the given id was used")
    #expect(result.event.idempotencyKey == "")
    #expect(result.event.buID == World.europe && result.event.type == "reward.issued" && result.event.publishedAtMs == 5_000)
    #expect(result.event.payloadJSON == Self.example.payloadJSON)
    #expect(result.delivery.webhookID == "wh_eu" && result.delivery.eventID == result.event.id)
    #expect(result.delivery.status == .pending && result.delivery.attempts == 0)
    #expect(result.delivery.createdAtMs == 5_000 && result.delivery.nextAttemptAtMs == 5_000)
    // Every other webhook that fan-out would pick got nothing.
    let found = try await stores.events.search(eventID: result.event.id, buIDs: .all, pageSize: 100, pageToken: "")
    #expect(found.items == [result.delivery])
    let logged = try #require(try await stores.events.eventLog(webhookID: "wh_eu", eventID: result.event.id))
    #expect(logged.0 == result.delivery && logged.1 == result.event && logged.2.isEmpty)
    let listed = try await stores.events.deliveries(ofWebhook: "wh_eu", filter: LogFilter(), pageSize: 10, pageToken: "")
    #expect(listed.items.map(\.id) == [result.delivery.id])
    let due = try await stores.events.dueDeliveries(nowMs: 5_000, limit: 10, excluding: [])
    #expect(due.map(\.delivery.id) == [result.delivery.id])
    #expect(due.first?.payloadJSON == Self.example.payloadJSON && due.first?.publishedAtMs == 5_000)
    #expect(due.first?.encryptedSecret == Array("wh_eu".utf8) && due.first?.manual == false)
  }

  @Test("each test is a new event: neither the given id nor the key deduplicates", arguments: StoreKind.available)
  func eachTestIsNew(_ kind: StoreKind) async throws {
    let stores = try await Self.make(kind)
    defer { stores.cleanup() }
    let first = try await stores.events.publishTest(Self.example, webhookID: "wh_two", publisher: "test:20001", nowMs: 1_000)
    let second = try await stores.events.publishTest(Self.example, webhookID: "wh_two", publisher: "test:20001", nowMs: 1_001)
    #expect(first.event.id != second.event.id && first.delivery.id != second.delivery.id)
    let listed = try await stores.events.deliveries(ofWebhook: "wh_two", filter: LogFilter(), pageSize: 10, pageToken: "")
    #expect(listed.items.map(\.id) == [second.delivery.id, first.delivery.id])
    // A publish after a test with the key the test carried is not a duplicate of it.
    let published = try await stores.events.publish([Self.example], publisher: "test:20001", nowMs: 1_002)
    #expect(published.map(\.duplicate) == [false])
  }

  @Test("a test of a paused or disabled webhook is held, not due, and released like any held delivery", arguments: StoreKind.available)
  func heldWhileNotActive(_ kind: StoreKind) async throws {
    let stores = try await Self.make(kind)
    defer { stores.cleanup() }
    let paused = try await stores.events.publishTest(Self.example, webhookID: "wh_paused", publisher: "test:12345", nowMs: 1_000)
    let disabled = try await stores.events.publishTest(Self.example, webhookID: "wh_disabled", publisher: "test:12345", nowMs: 1_000)
    #expect(paused.delivery.status == .held && disabled.delivery.status == .held)
    #expect(try await stores.events.dueDeliveries(nowMs: 2_000, limit: 10, excluding: []).isEmpty)
    _ = try await stores.webhooks.update(id: "wh_paused", expectedVersion: nil, by: World.author(World.channel)) { $0.state = .active }
    #expect(try await stores.events.setOpenDeliveries(ofWebhook: "wh_paused", to: .pending, nowMs: 2_000) == 1)
    #expect(try await stores.events.dueDeliveries(nowMs: 2_000, limit: 10, excluding: []).map(\.delivery.id) == [paused.delivery.id])
  }

  @Test("a webhook that does not exist or was deleted is NOT_FOUND, and nothing is stored", arguments: StoreKind.available)
  func missingWebhook(_ kind: StoreKind) async throws {
    let stores = try await Self.make(kind)
    defer { stores.cleanup() }
    try await stores.webhooks.delete(id: "wh_prog", expectedVersion: nil, by: World.author(World.channel))
    for id in ["wh_none", "wh_prog"] {
      await expectDomainError(.notFound, "\(id)") {
        _ = try await stores.events.publishTest(Self.example, webhookID: id, publisher: "test:12345", nowMs: 1_000)
      }
    }
    #expect(try await stores.events.dueDeliveries(nowMs: 2_000, limit: 10, excluding: []).isEmpty)
    #expect(try await stores.events.deliveries(ofWebhook: "wh_prog", filter: LogFilter(), pageSize: 10, pageToken: "").items.isEmpty)
    #expect(try await stores.events.deliveries(ofWebhook: "wh_none", filter: LogFilter(), pageSize: 10, pageToken: "").items.isEmpty)
  }
}
