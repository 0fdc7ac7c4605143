@testable import HookwireDomain
import HookwireStore
import Testing

/// What a new event must be before anything is stored, over in-memory
/// stores: Europe (BU 1) with programme `prog_gold`, Americas (BU 2).
@Suite("Event publishing")
struct EventPublishingTests {
  struct World {
    let publishing: EventPublishing
    let events: InMemoryEventStore
    let signal = WebhookLifecycleTests.CountingSignal()

    init() async throws {
      let partners = InMemoryPartnerStore()
      let europe = try await partners.createBusinessUnit(name: "Europe")
      _ = try await partners.createBusinessUnit(name: "Americas")
      _ = try await partners.createProgramme(buID: europe.id, name: "Gold", id: "prog_gold")
      events = InMemoryEventStore(webhooks: InMemoryWebhookStore(), partners: partners)
      publishing = EventPublishing(events: events, partners: partners, dueWork: signal, clock: .fixed(1_000))
    }
  }

  static func event(
    bu: Int64 = 1, programme: String? = nil, type: String = "reward.issued", payload: String = #"{"points":5}"#, id: String = "",
    key: String = ""
  ) -> NewEvent {
    NewEvent(buID: bu, programmeID: programme, type: type, payloadJSON: payload, eventID: id, idempotencyKey: key)
  }

  static let refused: [(String, NewEvent, String)] = [
    ("unknown unit", event(bu: 9), "business unit 9 does not exist"),
    ("unit 0", event(bu: 0), "business unit 0 does not exist"),
    ("programme of another unit", event(bu: 2, programme: "prog_gold"), "does not belong to business unit 2"),
    ("unknown programme", event(programme: "prog_none"), "does not belong"),
    ("unknown type", event(type: "reward.exploded"), "unknown event type"),
    ("empty payload", event(payload: ""), "1 byte to 256 KiB"),
    ("payload over 256 KiB", event(payload: "[" + String(repeating: "1,", count: 140_000) + "1]"), "1 byte to 256 KiB"),
    ("trailing comma", event(payload: "[1,]"), "not valid JSON"),
    ("byte-order mark", event(payload: "\u{FEFF}{}"), "not valid JSON"),
    ("event id with a space", event(id: "evt 1"), "event_id must be"),
    ("event id too long", event(id: String(repeating: "e", count: 129)), "event_id must be"),
    ("key with a control character", event(key: "k\u{7}"), "idempotency_key must be"),
  ]

  @Test("an event that breaks a rule is refused as invalid, naming the rule, and no work is signalled", arguments: refused)
  func refusedEvents(_ name: String, _ event: NewEvent, _ reason: String) async throws {
    let world = try await World()
    do {
      _ = try await world.publishing.publish([event], publisher: "engine")
      Issue.record("\(name) was published")
    } catch let error as DomainError {
      #expect(error.code == .invalid, "\(name)")
      #expect(error.message.contains(reason), "\(name): \(error.message)")
    }
    #expect(world.signal.count.load(ordering: .relaxed) == 0)
  }

  @Test("a batch holds 1–100 events; one bad event refuses the whole batch")
  func batches() async throws {
    let world = try await World()
    for size in [0, 101] {
      await #expect(throws: DomainError.self) {
        _ = try await world.publishing.publish(Array(repeating: Self.event(), count: size), publisher: "engine")
      }
    }
    await #expect(throws: DomainError.self) {
      _ = try await world.publishing.publish([Self.event(id: "evt_a"), Self.event(type: "nope")], publisher: "engine")
    }
    let results = try await world.publishing.publish([Self.event(id: "evt_a"), Self.event(programme: "prog_gold", id: "evt_b")], publisher: "engine")
    #expect(results.map(\.event.id) == ["evt_a", "evt_b"])
    #expect(results.allSatisfy { $0.event.publishedAtMs == 1_000 && !$0.duplicate })
    #expect(world.signal.count.load(ordering: .relaxed) == 1, "one signal per stored batch")
  }
}
