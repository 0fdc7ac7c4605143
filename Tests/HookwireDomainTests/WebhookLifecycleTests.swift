@testable import HookwireDomain
import HookwireStore
import Synchronization
import Testing

/// Webhook management as use cases: creation rules, and what pausing,
/// resuming and deleting do to deliveries and to the due-work signal.
@Suite("Webhook lifecycle")
struct WebhookLifecycleTests {
  /// Counts the signals raised.
  final class CountingSignal: DueWorkSignal {
    let count = Atomic<Int>(0)
    func workIsDue() { count.add(1, ordering: .relaxed) }
  }

  /// A partner in one unit with one webhook subscribed to `points.earned`
  /// and one event published to it, on in-memory stores at a fixed time.
  struct World {
    let webhooks = InMemoryWebhookStore()
    let partners = InMemoryPartnerStore()
    let events: InMemoryEventStore
    let signal = CountingSignal()
    let lifecycle: WebhookLifecycle
    let scope: CallerScope
    let webhook: Webhook

    static let now: Int64 = 1_700_000_000_000
    static let credentials = WebhookCredentials(
      newID: { "wh_test" }, newSecretBytes: { Array(repeating: 7, count: 32) }, seal: { $0.reversed() })

    init() async throws {
      events = InMemoryEventStore(webhooks: webhooks, partners: partners)
      let unit = try await partners.createBusinessUnit(name: "Europe")
      let partner = try await partners.createPartner(id: 100, name: "Acme", kind: .channel, buID: unit.id, reach: .units([unit.id]))
      scope = CallerScope(principal: .partner(partner, keyPrefix: "hwk_k"), actingAs: nil)
      let directory = WebhookDirectory(webhooks: webhooks, credentials: Self.credentials, clock: .fixed(Self.now))
      lifecycle = WebhookLifecycle(directory: directory, events: events, dueWork: signal)
      let draft = WebhookDirectory.Draft(
        kind: .global, buID: unit.id, allBUs: false, programmeID: nil, payloadURL: "https://example.com/hooks", secret: "",
        generateSecret: true, events: ["points.earned"], description: "")
      (webhook, _) = try await directory.create(draft, in: scope)
      let new = NewEvent(buID: unit.id, programmeID: nil, type: "points.earned", payloadJSON: "{}", eventID: "", idempotencyKey: "")
      _ = try await events.publish([new], publisher: "rewards", nowMs: Self.now)
    }

    var status: DeliveryStatus? {
      get async throws { try await events.deliveries(ofWebhook: webhook.id, filter: LogFilter(), pageSize: 10, pageToken: "").items.first?.status }
    }
  }

  enum Step: String, CustomStringConvertible {
    case pause, resume, delete
    var description: String { rawValue }
  }

  @Test("each sequence of changes leaves the webhook, its delivery and the signal as the rules say", arguments: [
    // (steps, webhook state after, delivery status after, signals raised)
    ([], Webhook.State.active, DeliveryStatus.pending, 0),
    ([.pause], .paused, .held, 0),
    ([.pause, .resume], .active, .pending, 1),
    ([.resume], .active, .pending, 1),
    ([.pause, .pause], .paused, .held, 0),
    ([.delete], nil, .cancelled, 0),
    ([.pause, .delete], nil, .cancelled, 0),
  ] as [([Step], Webhook.State?, DeliveryStatus, Int)])
  func sequences(steps: [Step], state: Webhook.State?, status: DeliveryStatus, signals: Int) async throws {
    let world = try await World()
    for step in steps {
      switch step {
      case .pause: _ = try await world.lifecycle.pause(world.webhook.id, expectedVersion: nil, in: world.scope)
      case .resume: _ = try await world.lifecycle.resume(world.webhook.id, expectedVersion: nil, in: world.scope)
      case .delete:
        let (id, cancelled) = try await world.lifecycle.delete(world.webhook.id, expectedVersion: nil, in: world.scope)
        #expect(id == world.webhook.id && cancelled == 1)
      }
    }
    #expect(try await world.webhooks.webhook(id: world.webhook.id)?.state == state)
    #expect(try await world.status == status)
    #expect(world.signal.count.load(ordering: .relaxed) == signals)
  }

  @Test("a disabled webhook is not paused (resume re-enables it, clearing the reason); changes are stamped by the clock")
  func disabledWebhook() async throws {
    let world = try await World()
    let author = ChangeAuthor(partnerID: 100, callerPartnerID: 0, keyPrefix: "hookwire", atMs: 0)
    _ = try await world.webhooks.update(id: world.webhook.id, expectedVersion: nil, by: author) {
      $0.state = .disabled
      $0.disabledReason = "gone"
    }
    await #expect(throws: DomainError(.precondition, "webhook wh_test is disabled (gone); resume it to re-enable")) {
      try await world.lifecycle.pause(world.webhook.id, expectedVersion: nil, in: world.scope)
    }
    let resumed = try await world.lifecycle.resume(world.webhook.id, expectedVersion: nil, in: world.scope)
    #expect(resumed.state == .active && resumed.disabledReason.isEmpty)
    #expect(resumed.updatedBy == ChangeAuthor(partnerID: 100, callerPartnerID: 100, keyPrefix: "hwk_k", atMs: World.now))
  }

  @Test("a stale expected version changes nothing: the webhook stays, its delivery stays open, no signal")
  func staleVersion() async throws {
    let world = try await World()
    await #expect(throws: DomainError.self) {
      try await world.lifecycle.resume(world.webhook.id, expectedVersion: 99, in: world.scope)
    }
    await #expect(throws: DomainError.self) {
      try await world.lifecycle.delete(world.webhook.id, expectedVersion: 99, in: world.scope)
    }
    #expect(try await world.status == .pending)
    #expect(world.signal.count.load(ordering: .relaxed) == 0)
  }

  @Test("an events change is set alone, or add and/or remove; neither or both is refused", arguments: [
    ([], [], [], nil),
    (["a"], [], [], WebhookLifecycle.EventsChange.set(["a"])),
    ([], ["a"], [], .edit(add: ["a"], remove: [])),
    ([], [], ["b"], .edit(add: [], remove: ["b"])),
    ([], ["a"], ["b"], .edit(add: ["a"], remove: ["b"])),
    (["a"], ["b"], [], nil),
    (["a"], [], ["b"], nil),
  ] as [([String], [String], [String], WebhookLifecycle.EventsChange?)])
  func eventsChange(set: [String], add: [String], remove: [String], expected: WebhookLifecycle.EventsChange?) {
    let change = try? WebhookLifecycle.EventsChange.from(set: set, add: add, remove: remove)
    #expect(change == expected)
    #expect(WebhookLifecycle.EventsChange.edit(add: ["c"], remove: ["a"]).applied(to: ["a", "b"]) == ["b", "c"])
  }

  @Test("creation: a secret or generate_secret, not both nor neither; the secret is sealed, its last four shown", arguments: [
    ("", true, true), ("whsec_" + String(repeating: "A", count: 32), false, true),
    ("whsec_" + String(repeating: "A", count: 32), true, false), ("", false, false),
  ])
  func creation(secret: String, generate: Bool, accepted: Bool) async throws {
    let store = InMemoryWebhookStore()
    let directory = WebhookDirectory(webhooks: store, credentials: World.credentials, clock: .fixed(5))
    let partner = Partner(id: 1, name: "Acme", kind: .channel, buID: 3, reach: .units([3]), createdAtMs: 0)
    let draft = WebhookDirectory.Draft(
      kind: .global, buID: 3, allBUs: false, programmeID: nil, payloadURL: "https://example.com", secret: secret, generateSecret: generate,
      events: ["points.earned"], description: "")
    let result = try? await directory.create(draft, in: CallerScope(principal: .partner(partner, keyPrefix: "k"), actingAs: nil))
    #expect((result != nil) == accepted)
    guard let (webhook, plain) = result else { return }
    #expect(webhook.id == "wh_test" && webhook.secretHint == String(plain.suffix(4)) && webhook.createdBy.atMs == 5)
    #expect(try await store.encryptedSecret(id: webhook.id) == Array(plain.utf8).reversed())
  }
}
