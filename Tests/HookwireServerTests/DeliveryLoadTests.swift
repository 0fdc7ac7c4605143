import Foundation
import HookwireClient
import HookwireTestSupport
import Testing

@Suite("Delivery under load")
struct DeliveryLoadTests {
  @Test("300 events published back to back are all delivered, each once")
  func many() async throws {
    let setup = try await DeliveryTests.setup()
    for index in 0..<300 { _ = try await setup.publish(data: #"{"i":\#(index)}"#) }
    let end = ContinuousClock.now + .seconds(30)
    while setup.receiver.requests.count < 300 && ContinuousClock.now < end { try await Task.sleep(for: .milliseconds(20)) }
    let ids = setup.receiver.requests.compactMap { $0.headers["webhook-id"] }
    #expect(ids.count == 300)
    #expect(Set(ids).count == 300)
    await setup.stop()
  }
}
