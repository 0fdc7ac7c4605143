@testable import HookwireDomain
import HookwireStore
import Synchronization
import Testing

/// Who may listen to which events, and what publishing announces to listeners.
@Suite("Event listening")
struct EventListeningTests {
  /// Announcements as a listener sees them.
  final class Heard: PublishedEventFeed {
    let events = Mutex<[Event]>([])
    func announce(_ events: [Event]) { self.events.withLock { $0 += events } }
    func addObserver(_ observer: @escaping @Sendable (Event) -> Void) -> Int { 0 }
    func removeObserver(_ id: Int) {}
  }

  static let channel = Partner(id: 1, name: "Acme", kind: .channel, buID: 1, reach: .units([1]), createdAtMs: 0)
  static let regional = Partner(id: 2, name: "Initech", kind: .global, buID: 1, reach: .units([1, 2]), createdAtMs: 0)
  static let everywhere = Partner(id: 3, name: "Globex", kind: .global, buID: 1, reach: .all, createdAtMs: 0)
  static let americas = Partner(id: 4, name: "Northwind", kind: .channel, buID: 2, reach: .units([2]), createdAtMs: 0)

  static func scope(_ caller: Partner, actingAs: Partner? = nil) -> CallerScope {
    CallerScope(principal: .partner(caller, keyPrefix: "p\(caller.id)"), actingAs: actingAs)
  }

  static func event(bu: Int64, type: String = "reward.issued") -> Event {
    Event(id: "evt_\(bu)", buID: bu, programmeID: nil, type: type, payloadJSON: "{}", publishedAtMs: 0, idempotencyKey: "")
  }

  @Test("a listener receives the units its dashboard partner reaches, never wider than the real caller", arguments: [
    ("channel", scope(channel), [1]),
    ("global of two units", scope(regional), [1, 2]),
    ("global of every unit", scope(everywhere), [1, 2, 3]),
    ("global acting as a channel partner", scope(everywhere, actingAs: americas), [2]),
    ("global acting as a narrower global one", scope(everywhere, actingAs: regional), [1, 2]),
  ] as [(String, CallerScope, [Int64])])
  func reach(_ name: String, _ scope: CallerScope, _ expected: [Int64]) throws {
    let subscription = try EventListening.subscription(types: [], in: scope)
    #expect([1, 2, 3].filter { subscription.wants(Self.event(bu: $0)) } == expected, "\(name)")
  }

  @Test("a subscription to types takes those types only; service keys, unknown types and too many types are refused")
  func subscriptionRules() throws {
    let some = try EventListening.subscription(types: ["points.earned"], in: Self.scope(Self.channel))
    #expect(some.wants(Self.event(bu: 1, type: "points.earned")))
    #expect(!some.wants(Self.event(bu: 1, type: "reward.issued")))
    let service = CallerScope(principal: .service(name: "rewards-engine", authentication: .apiKey(prefix: "svc")), actingAs: nil)
    #expect(throws: DomainError.self) { try EventListening.subscription(types: [], in: service) }
    #expect(throws: DomainError(.invalid, "unknown event type 'reward.exploded'")) {
      try EventListening.subscription(types: ["reward.exploded"], in: Self.scope(Self.channel))
    }
    #expect(throws: DomainError.self) {
      try EventListening.subscription(types: Array(repeating: "points.earned", count: EventListening.maxTypes + 1), in: Self.scope(Self.channel))
    }
  }

  @Test("publishing announces each newly stored event once, after storing it, and never a duplicate")
  func publishingAnnounces() async throws {
    let partners = InMemoryPartnerStore()
    _ = try await partners.createBusinessUnit(name: "Europe")
    let heard = Heard()
    let events = InMemoryEventStore(webhooks: InMemoryWebhookStore(), partners: partners)
    let publishing = EventPublishing(events: events, partners: partners, dueWork: NoDeliveryWorker(), clock: .fixed(1_000), listeners: heard)
    let first = NewEvent(buID: 1, programmeID: nil, type: "reward.issued", payloadJSON: "{}", eventID: "", idempotencyKey: "k")
    let second = NewEvent(buID: 1, programmeID: nil, type: "points.earned", payloadJSON: "{}", eventID: "", idempotencyKey: "")
    let results = try await publishing.publish([first, second], publisher: "svc")
    _ = try await publishing.publish([first], publisher: "svc")
    #expect(heard.events.withLock { $0 } == results.map(\.event))
    _ = try? await publishing.publish([NewEvent(buID: 9, programmeID: nil, type: "reward.issued", payloadJSON: "{}", eventID: "", idempotencyKey: "")], publisher: "svc")
    #expect(heard.events.withLock { $0.count } == 2, "a refused event was announced")
  }
}
