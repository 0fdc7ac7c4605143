import Dispatch
import HookwirePosix
import Synchronization

/// Gives memory back to the kernel after a burst of closed connections.
///
/// The allocator keeps freed memory for reuse (see `MemoryTuning`), so the
/// buffers of thousands of closed connections would stay resident for good.
/// Once `burst` connections have closed since the last trim, a trim runs
/// when no connection has closed for `settle` (the burst is over), on a
/// global queue rather than an event loop, and never more often than every
/// `interval`.
package final class MemoryReturner: Sendable {
  private struct State {
    var closes = 0
    var lastClose: ContinuousClock.Instant?
    var scheduled = false
    var lastTrim: ContinuousClock.Instant?
  }

  let burst: Int
  let settle: Duration
  let interval: Duration
  private let state = Mutex(State())
  private let trims = Atomic<Int>(0)

  /// A returner that trims after `burst` closes, once they have stopped for
  /// `settle`, at most once per `interval`.
  package init(burst: Int = 64, settle: Duration = .seconds(1), interval: Duration = .seconds(10)) {
    self.burst = max(1, burst)
    self.settle = settle
    self.interval = interval
  }

  /// Trims done so far.
  package var trimCount: Int { trims.load(ordering: .relaxed) }

  /// Notes one closed connection; schedules a trim after a burst.
  package func connectionClosed() {
    let now = ContinuousClock.now
    let delay = state.withLock { state -> Duration? in
      state.closes += 1
      state.lastClose = now
      guard state.closes >= burst, !state.scheduled else { return nil }
      state.scheduled = true
      return due(state, now: now)
    }
    if let delay { schedule(after: delay) }
  }

  /// How long until a trim may run: `settle` after the last close, `interval` after the last trim.
  private func due(_ state: State, now: ContinuousClock.Instant) -> Duration {
    let quiet = (state.lastClose ?? now) + settle
    let spaced = state.lastTrim.map { $0 + interval } ?? now
    return max(.zero, max(quiet, spaced) - now)
  }

  private func schedule(after delay: Duration) {
    let nanoseconds = Int(clamping: delay.components.seconds) * 1_000_000_000 + Int(delay.components.attoseconds / 1_000_000_000)
    DispatchQueue.global(qos: .utility).asyncAfter(deadline: .now() + .nanoseconds(nanoseconds)) { [self] in trimIfQuiet() }
  }

  /// Trims, unless connections are still closing: then waits for the quiet.
  private func trimIfQuiet() {
    let now = ContinuousClock.now
    let wait = state.withLock { state -> Duration? in
      let delay = due(state, now: now)
      guard delay <= .zero else { return delay }
      state.closes = 0
      state.scheduled = false
      state.lastTrim = now
      return nil
    }
    if let wait { return schedule(after: wait) }
    MemoryTuning.returnFreeMemory()
    trims.add(1, ordering: .relaxed)
  }
}
