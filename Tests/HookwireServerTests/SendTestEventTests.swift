import HookwireClient
import HookwireDomain
import HookwireServer
import HookwireTestSupport
import Testing

/// `Webhooks.SendTestEvent` through the real server to a loopback receiver.
/// Acme (12345, BU 1) owns the webhook, subscribed to `points.earned` and
/// `reward.issued`; Northwind = 12346 (BU 2), Sakura = 12347 (BU 3),
/// Globex = 20001 (global, all BUs), Initech = 20002 (global, BUs 1–2).
@Suite("Send test event", .serialized)
struct SendTestEventTests {
  func withSetup(_ body: (DeliveryTests.Setup) async throws -> Void) async throws {
    try await withTeardown { teardown in
      let setup = try await DeliveryTests.setup()
      teardown.add { await setup.stop() }
      try await body(setup)
    }
  }

  func send(_ setup: DeliveryTests.Setup, type: String = "", metadata: Metadata? = nil) async throws -> SendTestEventResponse {
    try await setup.webhooks.sendTestEvent(SendTestEventRequest(webhookID: setup.webhookID, eventType: type), metadata: metadata ?? setup.acme)
  }

  @Test("a test event is one real delivery to that webhook only: the first subscribed type's example, signed with its secret, logged and searchable")
  func signedLoggedDelivery() async throws {
    try await withSetup { setup in
      // Subscribed to the same type in the same unit: fan-out would reach it.
      let other = try await setup.webhooks.createWebhook(
        CreateWebhookRequest(payloadURL: "http://127.0.0.1:\(setup.receiver.port)/other", generateSecret: true, events: ["points.earned"]),
        metadata: setup.acme)
      let sent = try await send(setup)
      let event = try #require(sent.event)
      let example = try #require(EventCatalogue.type(named: "points.earned")).exampleJSON
      #expect(event.eventType == "points.earned", "not the first of the webhook's sorted events")
      #expect(event.payloadJSON == example && event.buID == 1)
      #expect(sent.entry?.status == .pending && sent.entry?.webhookID == setup.webhookID && sent.entry?.eventID == event.id)

      let log = await setup.waitFor(event.id, .succeeded)
      #expect(log?.attempts.map(\.httpStatus) == [200])
      #expect(log?.event?.payloadJSON == example)
      try await setup.waitForQuietEngine()
      let requests = setup.receiver.requests
      #expect(requests.map(\.path) == ["/hooks"], "the test went beyond its webhook")
      let request = try #require(requests.first)
      #expect(request.headers["webhook-id"] == sent.entry?.deliveryID)
      #expect(request.headers["hookwire-event-id"] == event.id)
      let body = String(decoding: request.body, as: UTF8.self)
      #expect(body.hasPrefix(#"{"type":"points.earned","timestamp":""#) && body.hasSuffix(#","data":\#(example)}"#))
      try WebhookVerifier(secret: setup.secret).verify(
        id: request.headers["webhook-id"] ?? "", timestamp: request.headers["webhook-timestamp"] ?? "",
        signature: request.headers["webhook-signature"] ?? "", body: request.body)

      let found = try await setup.logs.searchEventLogs(SearchEventLogsRequest(eventID: event.id), metadata: setup.acme)
      #expect(found.entries.map(\.webhookID) == [setup.webhookID])
      let otherLog = try await setup.logs.listEventLogs(ListEventLogsRequest(webhookID: other.webhook?.id ?? ""), metadata: setup.acme)
      #expect(otherLog.entries.isEmpty)
    }
  }

  @Test("a type is sent when the webhook subscribes to it; any other is INVALID_ARGUMENT naming it")
  func eventTypeMustBeSubscribed() async throws {
    try await withSetup { setup in
      let sent = try await send(setup, type: "reward.issued")
      #expect(sent.event?.eventType == "reward.issued")
      #expect(sent.event?.payloadJSON == EventCatalogue.type(named: "reward.issued")?.exampleJSON)
      for type in ["member.enrolled", "no.such_type"] {
        do {
          _ = try await send(setup, type: type)
          Issue.record("\(type) was sent")
        } catch let error as RPCError {
          #expect(error.code == .invalidArgument)
          #expect(error.message.contains("'\(type)'"), "\(error.message)")
        }
      }
    }
  }

  @Test("who may send a test event is who may get the webhook: NOT_FOUND and PERMISSION_DENIED as GetWebhook answers")
  func reachCheckedAsOtherWebhookCalls() async throws {
    try await withSetup { setup in
      let deployment = setup.deployment
      let callers: [(String, Metadata, StatusCode)] = [
        ("owner", deployment.metadata(12345), .ok),
        ("global partner reaching the unit", deployment.metadata(20002), .ok),
        ("acting as the owner", deployment.metadata(20001, actAs: 12345), .ok),
        ("channel partner of another unit", deployment.metadata(12346), .permissionDenied),
        ("acting as a partner of another unit", deployment.metadata(20002, actAs: 12346), .permissionDenied),
        ("another unit's channel partner", deployment.metadata(12347), .permissionDenied),
        ("service key", deployment.serviceMetadata, .permissionDenied),
        ("no key", Metadata(), .unauthenticated),
      ]
      for (name, metadata, expected) in callers {
        let get = await code { _ = try await setup.webhooks.getWebhook(GetWebhookRequest(webhookID: setup.webhookID), metadata: metadata) }
        let test = await code { _ = try await send(setup, metadata: metadata) }
        #expect(test == expected, "\(name): \(test?.name ?? "no status")")
        #expect(test == get, "\(name): SendTestEvent \(test?.name ?? "-") but GetWebhook \(get?.name ?? "-")")
      }
      let missing = await code {
        _ = try await setup.webhooks.sendTestEvent(SendTestEventRequest(webhookID: "wh_none"), metadata: setup.acme)
      }
      #expect(missing == .notFound)
    }
  }

  @Test("a test event to a paused webhook is held, says so, and is sent once the webhook is resumed")
  func heldWhilePaused() async throws {
    try await withSetup { setup in
      _ = try await setup.webhooks.pauseWebhook(SetWebhookStateRequest(webhookID: setup.webhookID), metadata: setup.acme)
      let sent = try await send(setup)
      #expect(sent.entry?.status == .held)
      try await setup.waitForQuietEngine()
      #expect(setup.receiver.requests.isEmpty, "a held test event was sent")
      _ = try await setup.webhooks.resumeWebhook(SetWebhookStateRequest(webhookID: setup.webhookID), metadata: setup.acme)
      let log = await setup.waitFor(sent.event?.id ?? "", .succeeded)
      #expect(log?.attempts.count == 1)
      #expect(setup.receiver.requests.map { $0.headers["hookwire-event-id"] } == [sent.event?.id])
    }
  }
}
