import HookwireDelivery

/// Answers every attempt with 200 at once, so a run measures the engine and
/// the store without HTTP.
struct NullSender: HTTPSender {
  func post(to target: CheckedTarget, headers: [(String, String)], body: [UInt8], timeout: Duration) async -> HTTPOutcome {
    HTTPOutcome(status: 200)
  }
}
