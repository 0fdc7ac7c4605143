import HookwireDelivery
import Foundation
import HookwireClient
import HookwireTestSupport
import Testing

@Suite("Delivery under load")
struct DeliveryLoadTests {
  @Test("300 events published back to back are all delivered, each once")
  func many() async throws {
    try await withTeardown { teardown in
      let setup = try await DeliveryTests.setup()
      teardown.add { await setup.stop() }
      for index in 0..<300 { _ = try await setup.publish(data: #"{"i":\#(index)}"#) }
      let end = ContinuousClock.now + .seconds(30)
      while setup.receiver.requests.count < 300 && ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(20)) }
      let ids = setup.receiver.requests.compactMap { $0.headers["webhook-id"] }
      #expect(ids.count == 300)
      #expect(Set(ids).count == 300)
    }
  }

  @Test("a slow endpoint holds at most its per-webhook share of attempts and does not starve the others")
  func slowEndpoint() async throws {
    try await withTeardown { teardown in
      let released = Gate()
      // The slow endpoint answers only once the test releases it (at most
      // 60 s); attempts time out only after 90 s, so a busy machine that takes
      // long over the fast endpoint makes no second round of attempts here.
      var delivery = TestDeployment.Delivery()
      delivery.timeout = .seconds(90)
      let setup = try await DeliveryTests.setup(delivery: delivery) { _, _ in
        released.wait(atMost: .seconds(60))
        return .init(status: 200, body: "ok")
      }
      teardown.add { await setup.stop() }
      // A test that fails before the release must not leave the endpoint holding attempts.
      teardown.add { released.open() }
      let fast = try TestReceiver()
      teardown.add { fast.stop() }
      _ = try await setup.webhooks.createWebhook(
        CreateWebhookRequest(payloadURL: "http://127.0.0.1:\(fast.port)/fast", generateSecret: true, events: ["reward.issued"]),
        metadata: setup.acme)
      for index in 0..<20 { _ = try await setup.publish(data: #"{"i":\#(index)}"#) }
      let end = ContinuousClock.now + .seconds(10)
      while (fast.requests.count < 20 || setup.receiver.requests.isEmpty) && ContinuousClock.now < end {
        try await Task.sleep(for: .milliseconds(10))
      }
      #expect(fast.requests.count == 20, "the fast endpoint was starved")
      // Every request the slow endpoint has seen is still waiting for its answer.
      let waiting = setup.receiver.requests.count
      #expect(waiting >= 1 && waiting <= 4, "\(waiting) attempts in flight to one webhook; the cap is 4")
      released.open()
      while setup.receiver.requests.count < 20 && ContinuousClock.now < end + .seconds(10) { try await Task.sleep(for: .milliseconds(10)) }
      #expect(setup.receiver.requests.count == 20)
    }
  }
}
