import HookwireDelivery
import Foundation
import HookwireClient
import HookwirePosix
import HookwireCrypto
import struct HookwireDomain.RetrySchedule

import HookwireServer
import HookwireTestSupport
import Synchronization
import Testing

/// Deliveries to a real HTTP receiver on loopback, through the real server.
/// Acme (12345) owns the webhooks in Europe (BU 1); the service key publishes.
@Suite("Delivery", .serialized)
struct DeliveryTests {
  struct Setup {
    let deployment: TestDeployment
    let rpc: RPCClient
    let receiver: TestReceiver
    let webhookID: String
    let secret: String

    var webhooks: Webhooks.Client<RPCClient> { Webhooks.Client(wrapping: rpc) }
    var logs: EventLogs.Client<RPCClient> { EventLogs.Client(wrapping: rpc) }
    var events: Events.Client<RPCClient> { Events.Client(wrapping: rpc) }
    var acme: Metadata { deployment.metadata(12345) }

    func publish(_ type: String = "reward.issued", data: String = #"{"member":"m_1","points":50}"#, key: String = "") async throws -> PublishEventResponse {
      try await events.publishEvent(
        PublishEventRequest(buID: 1, eventType: type, payloadJSON: data, idempotencyKey: key), metadata: deployment.serviceMetadata)
    }

    func log(_ eventID: String) async throws -> GetEventLogResponse {
      try await logs.getEventLog(GetEventLogRequest(webhookID: webhookID, eventID: eventID), metadata: acme)
    }

    /// Waits until the event's delivery reaches `status` (at most 30 s: a loaded machine can starve the test for seconds).
    func waitFor(_ eventID: String, _ status: DeliveryStatus) async -> GetEventLogResponse? {
      let end = ContinuousClock.now + .seconds(30)
      while ContinuousClock.now < end {
        if let log = try? await self.log(eventID), log.entry?.status == status { return log }
        try? await Task.sleep(for: .milliseconds(20))
      }
      return try? await self.log(eventID)
    }

    /// Waits until the event's delivery has at least one attempt logged (at most 30 s).
    func waitForAttempt(_ eventID: String) async -> GetEventLogResponse? {
      let end = ContinuousClock.now + .seconds(30)
      while ContinuousClock.now < end {
        if let log = try? await self.log(eventID), !log.attempts.isEmpty { return log }
        try? await Task.sleep(for: .milliseconds(20))
      }
      return try? await self.log(eventID)
    }

    /// Waits until the engine has scanned for due work twice since now and
    /// has nothing in flight (at most 30 s): whatever was due has then been
    /// attempted, so a delivery that did not arrive was not sent.
    func waitForQuietEngine() async throws {
      guard let engine = deployment.engine else { return }
      let start = engine.scans
      let end = ContinuousClock.now + .seconds(30)
      engine.wake()
      while engine.scans < start + 2 || engine.inFlightCount > 0 {
        guard ContinuousClock.now < end else { throw RPCError(code: .deadlineExceeded, message: "the engine did not settle") }
        try await Task.sleep(for: .milliseconds(5))
      }
    }

    /// Waits until `count` live tails are attached to the engine (at most 30 s).
    func waitForTails(_ count: Int) async throws {
      let end = ContinuousClock.now + .seconds(30)
      while (deployment.engine?.observerCount ?? 0) < count {
        guard ContinuousClock.now < end else { throw RPCError(code: .deadlineExceeded, message: "no tail attached") }
        try await Task.sleep(for: .milliseconds(10))
      }
    }

    func stop() async {
      receiver.stop()
      await rpc.close()
      await deployment.stop()
    }
  }

  static func setup(
    delivery: TestDeployment.Delivery = .init(),
    responder: @escaping @Sendable (TestReceiver.Request, Int) -> TestReceiver.Response = { _, _ in .init(status: 200, body: "ok") },
    url: ((Int) -> String)? = nil, address: TestReceiver.Address = .ipv4Loopback, log: ServerLog = ServerLog(enabled: false)
  ) async throws -> Setup {
    let receiver = try TestReceiver(address: address, responder: responder)
    let deployment = try await TestDeployment(delivery: delivery, log: log)
    let rpc = try deployment.client()
    let created = try await Webhooks.Client(wrapping: rpc).createWebhook(
      CreateWebhookRequest(
        payloadURL: url?(receiver.port) ?? "http://\(receiver.host):\(receiver.port)/hooks", generateSecret: true,
        events: ["reward.issued", "points.earned"]),
      metadata: deployment.metadata(12345))
    return Setup(deployment: deployment, rpc: rpc, receiver: receiver, webhookID: created.webhook?.id ?? "", secret: created.secret)
  }

  @Test("a delivery is a signed POST with Standard Webhooks headers that the client's verifier accepts")
  func signedDelivery() async throws {
    let setup = try await Self.setup()
    let published = try await setup.publish()
    #expect(published.deliveries == 1)
    let log = await setup.waitFor(published.event?.id ?? "", .succeeded)
    #expect(log?.attempts.count == 1)
    #expect(log?.attempts.first?.httpStatus == 200)
    #expect(log?.attempts.first?.responseExcerpt == "ok")
    let request = try #require(setup.receiver.requests.first)
    #expect(request.method == "POST" && request.path == "/hooks")
    #expect(request.headers["content-type"] == "application/json")
    #expect(request.headers["webhook-id"] == log?.entry?.deliveryID)
    let body = String(decoding: request.body, as: UTF8.self)
    #expect(body.hasPrefix(#"{"type":"reward.issued","timestamp":""#))
    #expect(body.hasSuffix(#""data":{"member":"m_1","points":50}}"#))
    try WebhookVerifier(secret: setup.secret).verify(
      id: request.headers["webhook-id"] ?? "", timestamp: request.headers["webhook-timestamp"] ?? "",
      signature: request.headers["webhook-signature"] ?? "", body: request.body)
    #expect(throws: WebhookVerifier.Failure.self) {
      try WebhookVerifier(secret: setup.secret).verify(
        id: request.headers["webhook-id"] ?? "", timestamp: request.headers["webhook-timestamp"] ?? "",
        signature: request.headers["webhook-signature"] ?? "", body: request.body + [0x20])
    }
    await setup.stop()
  }

  @Test("a 500 is retried on the schedule until it succeeds, with the same webhook-id")
  func retriesOn500() async throws {
    let setup = try await Self.setup { _, index in .init(status: index < 2 ? 500 : 200, body: index < 2 ? "busy" : "ok") }
    let eventID = try await setup.publish().event?.id ?? ""
    let log = await setup.waitFor(eventID, .succeeded)
    #expect(log?.attempts.map(\.httpStatus) == [500, 500, 200])
    #expect(log?.attempts.map(\.attemptNumber) == [1, 2, 3])
    #expect(log?.attempts.first?.error == "HTTP 500")
    #expect(Set(setup.receiver.requests.map { $0.headers["webhook-id"] ?? "" }).count == 1)
    if let attempts = log?.attempts, attempts.count == 3 {
      #expect(attempts[1].attemptedAtMs - attempts[0].attemptedAtMs >= 50, "the second attempt came before its delay")
    }
    await setup.stop()
  }

  @Test("connection refused and timeouts are failed attempts; after the last the delivery fails")
  func refusedAndTimeouts() async throws {
    let gone = try TestReceiver()
    let closedPort = gone.port
    gone.stop()
    let refused = try await Self.setup(url: { _ in "http://127.0.0.1:\(closedPort)/hooks" })
    let eventID = try await refused.publish().event?.id ?? ""
    let log = await refused.waitFor(eventID, .failed)
    #expect(log?.attempts.count == 3)
    #expect(log?.attempts.allSatisfy { $0.httpStatus == 0 && !$0.error.isEmpty && !$0.succeeded } == true)
    await refused.stop()

    var slow = TestDeployment.Delivery()
    slow.timeout = .milliseconds(200)
    slow.schedule = HookwireDomain.RetrySchedule(delays: [.zero, .milliseconds(10)], jitter: 0)
    let timeouts = try await Self.setup(delivery: slow) { _, _ in .init(status: 200, delay: .milliseconds(600)) }
    let slowID = try await timeouts.publish().event?.id ?? ""
    let slowLog = await timeouts.waitFor(slowID, .failed)
    #expect(slowLog?.attempts.count == 2)
    #expect(slowLog?.attempts.first?.error.contains("timed out") == true)
    await timeouts.stop()
  }

  @Test("the attempt timeout bounds the whole exchange, also for an endpoint that trickles its answer")
  func tricklingEndpointTimesOut() async throws {
    var slow = TestDeployment.Delivery()
    slow.timeout = .milliseconds(300)
    slow.schedule = HookwireDomain.RetrySchedule(delays: [.zero], jitter: 0)
    // 40 bytes, one every 100 ms: never idle for long, done only after 4 s.
    let setup = try await Self.setup(delivery: slow) { _, _ in
      .init(status: 200, body: String(repeating: "x", count: 40), bytePause: .milliseconds(100))
    }
    let eventID = try await setup.publish().event?.id ?? ""
    let log = await setup.waitFor(eventID, .failed)
    #expect(log?.attempts.count == 1)
    #expect(log?.attempts.first?.error.contains("timed out") == true, "\(log?.attempts.first?.error ?? "")")
    // Neither cut short (an idle timeout rounded to whole seconds truncates 0.3 s
    // to zero) nor left to run while bytes keep coming.
    let latency = log?.attempts.first?.latencyMs ?? 0
    #expect(latency >= 290 && latency < 2_000, "the attempt ran \(latency) ms with a 300 ms timeout")
    await setup.stop()
  }

  @Test("a 401 asking for authentication is a failed attempt, whatever its WWW-Authenticate header says", arguments: [
    "Bearer", "Bearer realm=\"hooks\"", "Basic realm=\"hooks\"", "Digest realm=\"hooks\", nonce=\"1\"", "Negotiate",
  ])
  func unauthorized(_ challenge: String) async throws {
    let setup = try await Self.setup { _, _ in .init(status: 401, headers: [("WWW-Authenticate", challenge)], body: "who are you") }
    let eventID = try await setup.publish().event?.id ?? ""
    let log = await setup.waitFor(eventID, .failed)
    #expect(log?.attempts.count == 3)
    #expect(log?.attempts.allSatisfy { $0.httpStatus == 401 && !$0.succeeded } == true)
    #expect(log?.attempts.first?.responseExcerpt == "who are you")
    #expect(setup.receiver.requests.count == 3, "an attempt sent a second request to answer the challenge")
    #expect(setup.receiver.requests.allSatisfy { $0.headers["authorization"] == nil })
    await setup.stop()
  }

  @Test("at most 64 KiB of an answer is read: a huge response ends the exchange with its status, not at the timeout")
  func hugeResponse() async throws {
    var delivery = TestDeployment.Delivery()
    delivery.timeout = .seconds(3)
    // Announces 1 GiB, sends 128 KiB, then waits for the client to hang up.
    let setup = try await Self.setup(delivery: delivery) { _, _ in
      .init(status: 200, body: String(repeating: "y", count: 128 * 1_024), announcedLength: 1 << 30)
    }
    let eventID = try await setup.publish().event?.id ?? ""
    let log = await setup.waitFor(eventID, .succeeded)
    #expect(log?.attempts.count == 1)
    #expect(log?.attempts.first?.httpStatus == 200)
    #expect(log?.attempts.first?.responseExcerpt == String(repeating: "y", count: 1_024))
    #expect((log?.attempts.first?.latencyMs ?? 0) < 2_000, "the sender kept reading until the timeout")
    await setup.stop()
  }

  @Test("Retry-After is honoured; 410 Gone disables the webhook")
  func retryAfterAndGone() async throws {
    let setup = try await Self.setup { _, index in
      index == 0 ? .init(status: 503, headers: [("Retry-After", "1")]) : .init(status: 200)
    }
    let eventID = try await setup.publish().event?.id ?? ""
    let log = await setup.waitFor(eventID, .succeeded)
    if let attempts = log?.attempts, attempts.count == 2 {
      #expect(attempts[1].attemptedAtMs - attempts[0].attemptedAtMs >= 1_000, "Retry-After: 1 was not waited for")
    } else {
      Issue.record("expected two attempts, got \(log?.attempts.count ?? 0)")
    }
    await setup.stop()

    let gone = try await Self.setup { _, _ in .init(status: 410) }
    let goneID = try await gone.publish().event?.id ?? ""
    _ = await gone.waitFor(goneID, .failed)
    let webhook = try await gone.webhooks.getWebhook(GetWebhookRequest(webhookID: gone.webhookID), metadata: gone.acme).webhook
    #expect(webhook?.state == .disabled)
    #expect(webhook?.disabledReason.contains("410") == true)
    #expect(try await gone.log(goneID).attempts.count == 1, "a 410 is not retried")
    await gone.stop()
  }

  @Test("a redirect is a failed attempt and is never followed")
  func redirectsAreNotFollowed() async throws {
    let setup = try await Self.setup { request, _ in
      request.path == "/hooks" ? .init(status: 302, headers: [("Location", "/elsewhere")], body: "moved") : .init(status: 200)
    }
    let eventID = try await setup.publish().event?.id ?? ""
    let log = await setup.waitFor(eventID, .failed)
    #expect(log?.attempts.count == 3)
    #expect(log?.attempts.allSatisfy { $0.httpStatus == 302 && !$0.succeeded } == true)
    #expect(log?.attempts.first?.error.contains("redirects are not followed") == true)
    #expect(setup.receiver.requests.map(\.path) == ["/hooks", "/hooks", "/hooks"], "the redirect was followed")
    await setup.stop()
  }

  @Test("a cookie an endpoint sets is never sent back with later deliveries")
  func noCookies() async throws {
    let setup = try await Self.setup { _, _ in .init(status: 200, headers: [("Set-Cookie", "session=abc; Path=/")], body: "ok") }
    for _ in 0..<2 {
      let eventID = try await setup.publish().event?.id ?? ""
      _ = await setup.waitFor(eventID, .succeeded)
    }
    #expect(setup.receiver.requests.count == 2)
    #expect(setup.receiver.requests.allSatisfy { $0.headers["cookie"] == nil })
    await setup.stop()
  }

  @Test("pausing holds deliveries and resuming releases them; deleting cancels them")
  func pauseResumeDelete() async throws {
    let setup = try await Self.setup()
    _ = try await setup.webhooks.pauseWebhook(SetWebhookStateRequest(webhookID: setup.webhookID), metadata: setup.acme)
    let heldID = try await setup.publish().event?.id ?? ""
    #expect(await setup.waitFor(heldID, .held)?.entry?.status == .held)
    try await setup.waitForQuietEngine()
    #expect(setup.receiver.requests.isEmpty, "a paused webhook received a delivery")
    _ = try await setup.webhooks.resumeWebhook(SetWebhookStateRequest(webhookID: setup.webhookID), metadata: setup.acme)
    #expect(await setup.waitFor(heldID, .succeeded)?.entry?.status == .succeeded)
    #expect(setup.receiver.requests.count == 1)

    _ = try await setup.webhooks.pauseWebhook(SetWebhookStateRequest(webhookID: setup.webhookID), metadata: setup.acme)
    let pendingID = try await setup.publish().event?.id ?? ""
    let deleted = try await setup.webhooks.deleteWebhook(DeleteWebhookRequest(webhookID: setup.webhookID), metadata: setup.acme)
    #expect(deleted.cancelledDeliveries == 1)
    try await setup.waitForQuietEngine()
    #expect(setup.receiver.requests.count == 1, "a deleted webhook received a delivery")
    _ = pendingID
    await setup.stop()
  }

  @Test("a target inside the network is refused without an allow-list, and logged as a failed attempt")
  func ssrfRefused() async throws {
    var closed = TestDeployment.Delivery()
    closed.allowList = ""
    closed.schedule = HookwireDomain.RetrySchedule(delays: [.zero], jitter: 0)
    let setup = try await Self.setup(delivery: closed)
    let eventID = try await setup.publish().event?.id ?? ""
    let log = await setup.waitFor(eventID, .failed)
    #expect(log?.attempts.first?.error.contains("inside the network") == true)
    #expect(setup.receiver.requests.isEmpty, "the guarded target was contacted")
    await setup.stop()
  }

  @Test("publishing twice with one idempotency key yields one event and one delivery; partners cannot publish")
  func idempotentPublish() async throws {
    let setup = try await Self.setup()
    let first = try await setup.publish(key: "order-42")
    let second = try await setup.publish(key: "order-42")
    #expect(first.event?.id == second.event?.id)
    #expect(second.duplicate && second.deliveries == 0)
    _ = await setup.waitFor(first.event?.id ?? "", .succeeded)
    try await setup.waitForQuietEngine()
    #expect(setup.receiver.requests.count == 1)
    let partner = await code {
      _ = try await setup.events.publishEvent(PublishEventRequest(buID: 1, eventType: "reward.issued", payloadJSON: "{}"), metadata: setup.acme)
    }
    #expect(partner == .permissionDenied)
    for (request, name) in [
      (PublishEventRequest(buID: 1, eventType: "reward.issued", payloadJSON: "{not json"), "bad JSON"),
      (PublishEventRequest(buID: 1, eventType: "reward.teleported", payloadJSON: "{}"), "unknown type"),
      (PublishEventRequest(buID: 99, eventType: "reward.issued", payloadJSON: "{}"), "unknown BU"),
      (PublishEventRequest(buID: 1, programmeID: "prog_us_rewards", eventType: "reward.issued", payloadJSON: "{}"), "programme of another BU"),
    ] {
      let status = await code { _ = try await setup.events.publishEvent(request, metadata: setup.deployment.serviceMetadata) }
      #expect(status == .invalidArgument, "\(name): \(status?.name ?? "nothing")")
    }
    await setup.stop()
  }

  @Test("redeliver sends again now as a manual attempt; search finds the event across reachable webhooks")
  func redeliverAndSearch() async throws {
    let setup = try await Self.setup()
    let eventID = try await setup.publish().event?.id ?? ""
    _ = await setup.waitFor(eventID, .succeeded)
    _ = try await setup.logs.redeliver(RedeliverRequest(webhookID: setup.webhookID, eventID: eventID), metadata: setup.acme)
    let end = ContinuousClock.now + .seconds(10)
    while setup.receiver.requests.count < 2 && ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(20)) }
    let log = await setup.waitFor(eventID, .succeeded)
    #expect(log?.attempts.map(\.trigger) == [.scheduled, .manual])
    #expect(setup.receiver.requests.count == 2)
    let found = try await setup.logs.searchEventLogs(SearchEventLogsRequest(eventID: eventID), metadata: setup.acme)
    #expect(found.entries.map(\.webhookID) == [setup.webhookID])
    let elsewhere = try await setup.logs.searchEventLogs(SearchEventLogsRequest(eventID: eventID), metadata: setup.deployment.metadata(12346))
    #expect(elsewhere.entries.isEmpty, "a partner of another BU found the delivery")
    let listed = try await setup.logs.listEventLogs(ListEventLogsRequest(webhookID: setup.webhookID), metadata: setup.acme)
    #expect(listed.entries.map(\.eventID) == [eventID])
    await setup.stop()
  }

  @Test("tail streams attempts as they happen")
  func tail() async throws {
    let setup = try await Self.setup()
    let logs = setup.logs
    let acme = setup.acme
    let webhookID = setup.webhookID
    let tail = Task {
      try await logs.tailDeliveries(TailDeliveriesRequest(webhookID: webhookID), metadata: acme) { stream in
        var seen: [String] = []
        for try await attempt in stream {
          seen.append(attempt.eventID)
          if seen.count == 2 { break }
        }
        return seen
      }
    }
    try await setup.waitForTails(1)
    let first = try await setup.publish().event?.id ?? ""
    let second = try await setup.publish("points.earned").event?.id ?? ""
    let seen = try await tail.value
    #expect(Set(seen) == [first, second])
    await setup.stop()
  }

  @Test("a tail without a webhook streams every attempt of the caller's business unit and nothing of another")
  func businessUnitTail() async throws {
    let setup = try await Self.setup()
    let second = try await setup.webhooks.createWebhook(
      CreateWebhookRequest(payloadURL: "http://127.0.0.1:\(setup.receiver.port)/second", generateSecret: true, events: ["reward.issued"]),
      metadata: setup.acme)
    let northwind = setup.deployment.metadata(12346)
    let americas = try await setup.webhooks.createWebhook(
      CreateWebhookRequest(payloadURL: "http://127.0.0.1:\(setup.receiver.port)/americas", generateSecret: true, events: ["reward.issued"]),
      metadata: northwind)
    let logs = setup.logs
    let acme = setup.acme
    let europeTail = Task {
      try await logs.tailDeliveries(TailDeliveriesRequest(), metadata: acme) { stream in
        var seen: [(webhook: String, event: String)] = []
        for try await attempt in stream {
          seen.append((attempt.webhookID, attempt.eventID))
          if seen.count == 2 { break }
        }
        return seen
      }
    }
    let americasTail = Task {
      try await logs.tailDeliveries(TailDeliveriesRequest(), metadata: northwind) { stream -> (webhook: String, event: String)? in
        for try await attempt in stream { return (webhook: attempt.webhookID, event: attempt.eventID) }
        return nil
      }
    }
    try await setup.waitForTails(2)
    let europeEvent = try await setup.publish().event?.id ?? ""
    let europe = try await europeTail.value
    #expect(Set(europe.map(\.webhook)) == [setup.webhookID, second.webhook?.id ?? ""])
    #expect(europe.allSatisfy { $0.event == europeEvent })
    // Europe's attempts were all observed before this publish, so a tail that
    // leaked them would have seen one of them first.
    let americasEvent = try await setup.events.publishEvent(
      PublishEventRequest(buID: 2, eventType: "reward.issued", payloadJSON: "{}"), metadata: setup.deployment.serviceMetadata)
    let first = try await americasTail.value
    #expect(first?.webhook == americas.webhook?.id)
    #expect(first?.event == americasEvent.event?.id)
    await setup.stop()
  }

  final class Switch: Sendable {
    let healthy = Atomic<Bool>(false)
  }

  @Test("recover schedules failed deliveries again; they are attempted as manual attempts")
  func recover() async throws {
    let endpoint = Switch()
    var delivery = TestDeployment.Delivery()
    delivery.schedule = HookwireDomain.RetrySchedule(delays: [.zero, .milliseconds(20)], jitter: 0)
    let setup = try await Self.setup(delivery: delivery) { _, _ in .init(status: endpoint.healthy.load(ordering: .relaxed) ? 200 : 500) }
    let eventID = try await setup.publish().event?.id ?? ""
    #expect(await setup.waitFor(eventID, .failed)?.attempts.count == 2)
    endpoint.healthy.store(true, ordering: .relaxed)
    let recovered = try await setup.logs.recoverFailed(RecoverFailedRequest(webhookID: setup.webhookID, sinceMs: 0), metadata: setup.acme)
    #expect(recovered.scheduled == 1)
    let log = await setup.waitFor(eventID, .succeeded)
    #expect(log?.attempts.map(\.trigger) == [.scheduled, .scheduled, .manual])
    await setup.stop()
  }

  @Test("a webhook failing without a success for the configured time is disabled")
  func autoDisable() async throws {
    var delivery = TestDeployment.Delivery()
    delivery.schedule = HookwireDomain.RetrySchedule(delays: [.zero] + Array(repeating: .milliseconds(60), count: 20), jitter: 0)
    delivery.disableAfterFailing = .milliseconds(200)
    let setup = try await Self.setup(delivery: delivery) { _, _ in .init(status: 500) }
    _ = try await setup.publish()
    let end = ContinuousClock.now + .seconds(10)
    var state: WebhookState = .active
    while state != .disabled && ContinuousClock.now < end {
      state = try await setup.webhooks.getWebhook(GetWebhookRequest(webhookID: setup.webhookID), metadata: setup.acme).webhook?.state ?? .active
      try await Task.sleep(for: .milliseconds(20))
    }
    #expect(state == .disabled)
    let webhook = try await setup.webhooks.getWebhook(GetWebhookRequest(webhookID: setup.webhookID), metadata: setup.acme).webhook
    #expect(webhook?.disabledReason.contains("failing") == true)
    let resumed = try await setup.webhooks.resumeWebhook(SetWebhookStateRequest(webhookID: setup.webhookID), metadata: setup.acme)
    #expect(resumed.webhook?.state == .active, "resuming re-enables a disabled webhook")
    await setup.stop()
  }

  @Test("logs older than the retention period are pruned; open deliveries are kept")
  func retention() async throws {
    let setup = try await Self.setup()
    let eventID = try await setup.publish().event?.id ?? ""
    _ = await setup.waitFor(eventID, .succeeded)
    _ = try await setup.webhooks.pauseWebhook(SetWebhookStateRequest(webhookID: setup.webhookID), metadata: setup.acme)
    let heldID = try await setup.publish().event?.id ?? ""
    _ = await setup.waitFor(heldID, .held)
    let thirtyOneDays: Int64 = 31 * 24 * 3_600 * 1_000
    let removed = try await setup.deployment.engine?.prune(nowMs: Int64(Date().timeIntervalSince1970 * 1_000) + thirtyOneDays)
    #expect(removed == 1)
    let gone = await code { _ = try await setup.log(eventID) }
    #expect(gone == .notFound)
    #expect(try await setup.log(heldID).entry?.status == .held)
    await setup.stop()
  }

  @Test("event logs list newest first and filter by event type, status and time")
  func logFilters() async throws {
    let setup = try await Self.setup()
    let first = try await setup.publish("reward.issued").event?.id ?? ""
    let second = try await setup.publish("points.earned").event?.id ?? ""
    _ = await setup.waitFor(first, .succeeded)
    _ = await setup.waitFor(second, .succeeded)
    let all = try await setup.logs.listEventLogs(ListEventLogsRequest(webhookID: setup.webhookID), metadata: setup.acme)
    #expect(all.entries.map(\.eventID) == [second, first])
    let points = try await setup.logs.listEventLogs(ListEventLogsRequest(webhookID: setup.webhookID, eventType: "points.earned"), metadata: setup.acme)
    #expect(points.entries.map(\.eventID) == [second])
    let failed = try await setup.logs.listEventLogs(ListEventLogsRequest(webhookID: setup.webhookID, status: .failed), metadata: setup.acme)
    #expect(failed.entries.isEmpty)
    let future = try await setup.logs.listEventLogs(
      ListEventLogsRequest(webhookID: setup.webhookID, sinceMs: Int64(Date().timeIntervalSince1970 * 1_000) + 60_000), metadata: setup.acme)
    #expect(future.entries.isEmpty)
    let paged = try await setup.logs.listEventLogs(ListEventLogsRequest(webhookID: setup.webhookID, pageSize: 1), metadata: setup.acme)
    #expect(paged.entries.map(\.eventID) == [second] && !paged.nextPageToken.isEmpty)
    let rest = try await setup.logs.listEventLogs(
      ListEventLogsRequest(webhookID: setup.webhookID, pageSize: 1, pageToken: paged.nextPageToken), metadata: setup.acme)
    #expect(rest.entries.map(\.eventID) == [first])
    let outsider = await code {
      _ = try await setup.logs.listEventLogs(ListEventLogsRequest(webhookID: setup.webhookID), metadata: setup.deployment.metadata(12346))
    }
    #expect(outsider == .permissionDenied)
    await setup.stop()
  }
}
