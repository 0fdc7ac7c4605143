import Testing

@testable import HookwireDelivery

/// What the engine's storage backoff reports for its log lines, on a clock
/// the test moves by hand.
@Suite("Storage backoff reports")
struct StorageBackoffTests {
  struct Full: Error, CustomStringConvertible {
    var description: String { "database or disk is full" }
  }

  @Test("each pause names the first delivery left unrecorded since the last line and counts them; the recovery names the outage's first and counts all")
  func pausesAndRecoveryNameTheFirstDelivery() {
    var backoff = StorageBackoff(initial: .seconds(1), maximum: .seconds(4))
    let start = ContinuousClock.now
    #expect(
      backoff.failed(deliveryID: "dlv_a", error: Full(), now: start)
        == StorageBackoff.Pause(firstDeliveryID: "dlv_a", unrecorded: 1, pause: .seconds(1), error: "database or disk is full"))
    // Failures within the pause are counted on the next line, not logged now.
    #expect(backoff.failed(deliveryID: "dlv_b", error: Full(), now: start + .milliseconds(100)) == nil)
    #expect(backoff.failed(deliveryID: "dlv_c", error: Full(), now: start + .milliseconds(200)) == nil)
    #expect(backoff.remainingPause(at: start + .seconds(2)) == nil)
    #expect(
      backoff.failed(deliveryID: "dlv_d", error: Full(), now: start + .seconds(2))
        == StorageBackoff.Pause(firstDeliveryID: "dlv_b", unrecorded: 3, pause: .seconds(2), error: "database or disk is full"))
    #expect(backoff.succeeded() == StorageBackoff.Recovery(firstDeliveryID: "dlv_a", unrecorded: 4))
    // The outage is over: a write that succeeds now reports nothing.
    #expect(backoff.succeeded() == nil)
  }
}
