import HookwireClient
import HookwireServer
import HookwireTestSupport
import Testing

/// What identifies a delivery and its event to a loopback receiver.
@Suite("Delivery identity", .serialized)
struct DeliveryIdentityTests {
  @Test("every delivery carries its event's id in hookwire-event-id, the same for each webhook, beside a webhook-id of its own")
  func eventIDHeader() async throws {
    try await withTeardown { teardown in
      let setup = try await DeliveryTests.setup()
      teardown.add { await setup.stop() }
      let second = try await setup.webhooks.createWebhook(
        CreateWebhookRequest(payloadURL: "http://127.0.0.1:\(setup.receiver.port)/second", generateSecret: true, events: ["reward.issued"]),
        metadata: setup.acme)
      let published = try await setup.publish()
      let eventID = try #require(published.event?.id)
      #expect(published.deliveries == 2)
      _ = await setup.waitFor(eventID, .succeeded)
      let end = ContinuousClock.now + .seconds(30)
      while setup.receiver.requests.count < 2 && ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(10)) }
      let requests = setup.receiver.requests
      #expect(Set(requests.map(\.path)) == ["/hooks", "/second"])
      #expect(requests.map { $0.headers["hookwire-event-id"] } == [eventID, eventID])
      #expect(Set(requests.compactMap { $0.headers["webhook-id"] }).count == 2, "each delivery has its own webhook-id")
      let secondLog = try await setup.logs.getEventLog(
        GetEventLogRequest(webhookID: second.webhook?.id ?? "", eventID: eventID), metadata: setup.acme)
      #expect(requests.contains { $0.headers["webhook-id"] == secondLog.entry?.deliveryID })
    }
  }
}
