import HookwireClient
import HookwireDomain
import HookwireServer
import HookwireStore
import HookwireTestSupport
import Synchronization
import Testing

/// `Events.Listen` over loopback TCP, the demo data in memory: Acme = 12345
/// (channel, BU 1), Northwind = 12346 (channel, BU 2), Globex = 20001
/// (global, all BUs), Initech = 20002 (global, BUs 1–2).
@Suite("Listen", .serialized)
struct ListenTests {
  struct World {
    let harness: Harness
    let partners: InMemoryPartnerStore
    let feed: LocalEventFeed
    let keys: [Int64: String]
    let serviceKey: String

    var events: HookwireAPI.Events.Client<RPCClient> { HookwireAPI.Events.Client(wrapping: harness.client) }

    func metadata(_ partner: Int64, actAs: Int64? = nil) -> Metadata { Self.metadata(keys[partner], actAs: actAs) }

    static func metadata(_ key: String?, actAs: Int64? = nil) -> Metadata {
      var metadata = Metadata()
      if let key { metadata.add("authorization", "Bearer \(key)") }
      if let actAs { metadata.add(Metadata.actAsKey, String(actAs)) }
      return metadata
    }

    /// Publishes one event of `type` in `bu` with the service key; returns its id.
    @discardableResult
    func publish(bu: UInt64, _ type: String = "reward.issued") async throws -> String {
      try await events.publishEvent(
        PublishEventRequest(buID: bu, eventType: type, payloadJSON: #"{"n":1}"#), metadata: Self.metadata(serviceKey)
      ).event?.id ?? ""
    }

    /// Waits until `count` listeners are attached (at most 10 s).
    func waitForListeners(_ count: Int) async throws {
      let end = ContinuousClock.now + .seconds(10)
      while feed.observerCount < count {
        guard ContinuousClock.now < end else { throw RPCError(code: .deadlineExceeded, message: "no listener attached") }
        try await Task.sleep(for: .milliseconds(5))
      }
    }
  }

  /// A server with the Events service over in-memory stores; streams
  /// check their key every 100 ms.
  static func withWorld(backlog: Int = EventListening.defaultBacklog, _ body: (World) async throws -> Void) async throws {
    try await withTeardown { teardown in
      let partners = InMemoryPartnerStore()
      var keys: [Int64: String] = [:]
      for account in try await DemoData.seedIfEmpty(partners) { keys[account.partner.id] = account.key.plaintext }
      let serviceKey = try await partners.createAPIKey(for: .service("rewards-engine")).plaintext
      let events = InMemoryEventStore(webhooks: InMemoryWebhookStore(), partners: partners)
      let feed = LocalEventFeed()
      let harness = try await Harness.start(
        .tcp, services: [EventsService(events: events, partners: partners, listeners: feed, listenerBacklog: backlog)],
        interceptors: [AuthInterceptor(store: partners, cacheTTL: .milliseconds(100))])
      teardown.add { await harness.stop() }
      try await body(World(harness: harness, partners: partners, feed: feed, keys: keys, serviceKey: serviceKey))
    }
  }

  /// Listens as `metadata` to `types` until `count` events arrived; returns their ids.
  static func listen(
    _ world: World, _ metadata: Metadata, types: [String] = [], count: Int
  ) -> Task<[ListenedEvent], any Error> {
    let events = world.events
    return Task {
      try await events.listen(ListenRequest(eventTypes: types), metadata: metadata, options: CallOptions(timeout: .seconds(20))) { stream in
        var seen: [ListenedEvent] = []
        for try await event in stream {
          seen.append(event)
          if seen.count == count { break }
        }
        return seen
      }
    }
  }

  @Test("a listener gets each event published after it attached, with its id, type, unit, programme, payload and time")
  func streamsPublishedEvents() async throws {
    try await Self.withWorld { world in
      let listener = Self.listen(world, world.metadata(12345), count: 1)
      try await world.waitForListeners(1)
      let published = try await world.events.publishEvent(
        PublishEventRequest(buID: 1, programmeID: "prog_eu_gold", eventType: "points.earned", payloadJSON: #"{"points":250}"#, idempotencyKey: "k1"),
        metadata: World.metadata(world.serviceKey))
      // Publishing the same key again stores nothing new: no second event.
      _ = try await world.events.publishEvent(
        PublishEventRequest(buID: 1, programmeID: "prog_eu_gold", eventType: "points.earned", payloadJSON: #"{"points":250}"#, idempotencyKey: "k1"),
        metadata: World.metadata(world.serviceKey))
      let event = try #require(try await listener.value.first)
      #expect(event.eventID == published.event?.id)
      #expect(event.eventType == "points.earned")
      #expect(event.buID == 1)
      #expect(event.programmeID == "prog_eu_gold")
      #expect(event.payloadJSON == #"{"points":250}"#)
      #expect(event.publishedAtMs == published.event?.publishedAtMs)
      // Nothing is kept for a listener that has gone.
      try await world.waitForListeners(0)
    }
  }

  @Test("a listener sees only the units its dashboard's webhooks could receive events of", arguments: [
    (12345 as Int64, nil as Int64?, [1] as [UInt64]),
    (12346, nil, [2]),
    (20001, nil, [1, 2, 3]),
    (20002, nil, [1, 2]),
    (20002, 12346, [2]),
    (20001, 12345, [1]),
  ])
  func reach(_ partner: Int64, _ actAs: Int64?, _ expected: [UInt64]) async throws {
    try await Self.withWorld { world in
      // One event per unit, then a marker in the last expected unit: seeing the
      // marker means every earlier event was either streamed or withheld.
      let listener = Self.listen(world, world.metadata(partner, actAs: actAs), count: expected.count + 1)
      try await world.waitForListeners(1)
      for bu in [1, 2, 3] as [UInt64] { try await world.publish(bu: bu) }
      let marker = try await world.publish(bu: expected.last ?? 1, "points.earned")
      let seen = try await listener.value
      #expect(seen.dropLast().map(\.buID) == expected)
      #expect(seen.last?.eventID == marker)
    }
  }

  @Test("a listener asking for types gets only those types")
  func filtersByType() async throws {
    try await Self.withWorld { world in
      let listener = Self.listen(world, world.metadata(12345), types: ["points.earned", "member.enrolled"], count: 2)
      try await world.waitForListeners(1)
      try await world.publish(bu: 1, "reward.issued")
      let first = try await world.publish(bu: 1, "member.enrolled")
      try await world.publish(bu: 1, "reward.redeemed")
      let second = try await world.publish(bu: 1, "points.earned")
      let seen = try await listener.value
      #expect(seen.map(\.eventID) == [first, second])
      #expect(seen.map(\.eventType) == ["member.enrolled", "points.earned"])
    }
  }

  @Test("listening is for partner keys, to catalogue types, a bounded number of them")
  func refusals() async throws {
    try await Self.withWorld { world in
      func status(_ metadata: Metadata, _ types: [String] = []) async -> StatusCode? {
        await code {
          try await world.events.listen(ListenRequest(eventTypes: types), metadata: metadata) { stream in
            for try await _ in stream { break }
          }
        }
      }
      #expect(await status(World.metadata(world.serviceKey)) == .permissionDenied)
      #expect(await status(World.metadata(nil)) == .unauthenticated)
      #expect(await status(world.metadata(12345), ["reward.issued", "no.such_type"]) == .invalidArgument)
      let tooMany = Array(repeating: "reward.issued", count: EventListening.maxTypes + 1)
      #expect(await status(world.metadata(12345), tooMany) == .invalidArgument)
      #expect(await status(world.metadata(12345, actAs: 12346)) == .permissionDenied)
      #expect(world.feed.observerCount == 0)
    }
  }

  @Test("revoking the listener's key ends the stream with UNAUTHENTICATED")
  func endsOnRevoke() async throws {
    try await Self.withWorld { world in
      let key = try await world.partners.createAPIKey(for: .partner(12345))
      let events = world.events
      let listener = Task {
        await code {
          try await events.listen(ListenRequest(), metadata: World.metadata(key.plaintext), options: CallOptions(timeout: .seconds(20))) {
            stream in
            for try await _ in stream {}
          }
        }
      }
      try await world.waitForListeners(1)
      try await world.partners.revokeAPIKey(prefix: key.prefix)
      #expect(await listener.value == .unauthenticated)
      #expect(world.feed.observerCount == 0)
    }
  }

  @Test("a listener that falls more than its backlog behind is ended with RESOURCE_EXHAUSTED saying so")
  func slowListenerIsEnded() async throws {
    let backlog = 4
    try await Self.withWorld(backlog: backlog) { world in
      let feed = world.feed
      // 200 KiB each: the call's 1 MiB window holds five, so the rest wait on the server.
      let payload = "\"" + String(repeating: "x", count: 200 * 1_024) + "\""
      let announced = 40
      let outcome = try await world.events.listen(ListenRequest(), metadata: world.metadata(12345)) { stream -> (Int, RPCError?) in
        try await world.waitForListeners(1)
        // Announced before this reader takes any: it is behind by all of them.
        for index in 0..<announced {
          feed.announce([
            HookwireDomain.Event(id: "evt_\(index)", buID: 1, programmeID: nil, type: "reward.issued", payloadJSON: payload, publishedAtMs: 1, idempotencyKey: "")
          ])
        }
        var received = 0
        do {
          for try await _ in stream { received += 1 }
        } catch let error as RPCError {
          return (received, error)
        }
        return (received, nil)
      }
      #expect(outcome.1?.code == .resourceExhausted)
      #expect(outcome.1?.message.contains("more than \(backlog) events behind") == true, "\(outcome.1?.message ?? "")")
      #expect(outcome.0 < announced)
      #expect(feed.observerCount == 0)
    }
  }
}
