import HookwireTestSupport
import Testing

/// The tests' asynchronous `defer`: what a test registers is undone, last
/// first, whether its body returns or throws.
@Suite("Teardown")
struct TeardownTests {
  struct Failure: Error {}

  final class Steps {
    var taken: [String] = []
  }

  @Test("a body that throws still has every registered step run, last first, before the error reaches the test")
  func stepsRunWhenTheBodyThrows() async throws {
    let steps = Steps()
    await #expect(throws: Failure.self) {
      try await withTeardown { teardown in
        teardown.add { steps.taken.append("server") }
        teardown.add { steps.taken.append("client") }
        throw Failure()
      }
    }
    #expect(steps.taken == ["client", "server"])
  }

  @Test("a body that returns has its steps run after it, and its value handed back")
  func stepsRunAfterTheBodyReturns() async throws {
    let steps = Steps()
    let value = try await withTeardown { teardown in
      teardown.add { steps.taken.append("server") }
      steps.taken.append("body")
      return 7
    }
    #expect(value == 7)
    #expect(steps.taken == ["body", "server"])
  }
}
