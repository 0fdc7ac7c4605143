import Synchronization

/// Cancels work whose deadline has passed, with one sleeping task for all
/// of it: registering and finishing cost a lock each, not a timer each.
final class DeadlineSweeper: Sendable {
  private struct Entry {
    var deadline: ContinuousClock.Instant
    var cancel: @Sendable () -> Void
  }

  private struct State {
    var entries: [Int: Entry] = [:]
    var nextID = 0
    /// When the sweeping task wakes next, if it is asleep.
    var wakesAt: ContinuousClock.Instant?
  }

  private let state = Mutex(State())
  private let waker = Waker()
  /// Longest sleep, so a sweeper nobody uses any more ends soon after.
  private static let idleCheck: Duration = .seconds(1)

  init() {
    Task.detached { [weak self] in
      while let sweeper = self, await sweeper.sweepOnce() {}
    }
  }

  /// Calls `cancel` once `deadline` passes, unless `finish(_:)` is called
  /// with the returned id first.
  func register(deadline: ContinuousClock.Instant, cancel: @escaping @Sendable () -> Void) -> Int {
    let (id, wake) = state.withLock { state -> (Int, Bool) in
      state.nextID += 1
      state.entries[state.nextID] = Entry(deadline: deadline, cancel: cancel)
      return (state.nextID, state.wakesAt.map { deadline < $0 } ?? false)
    }
    if wake { waker.wake() }
    return id
  }

  /// The work ended; its deadline no longer matters.
  func finish(_ id: Int) {
    _ = state.withLock { $0.entries.removeValue(forKey: id) }
  }

  /// Cancels what is overdue, then sleeps until the next deadline.
  private func sweepOnce() async -> Bool {
    let now = ContinuousClock.now
    let (overdue, next) = state.withLock { state -> ([@Sendable () -> Void], ContinuousClock.Instant) in
      var overdue: [@Sendable () -> Void] = []
      var next = now + Self.idleCheck
      for (id, entry) in state.entries {
        if entry.deadline <= now {
          overdue.append(entry.cancel)
          state.entries[id] = nil
        } else {
          next = min(next, entry.deadline)
        }
      }
      state.wakesAt = next
      return (overdue, next)
    }
    for cancel in overdue { cancel() }
    await waker.wait(timeout: next - now)
    state.withLock { $0.wakesAt = nil }
    return true
  }
}
