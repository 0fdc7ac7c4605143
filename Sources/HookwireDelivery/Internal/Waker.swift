import Synchronization

/// Lets one task wait until woken or a timeout passes; a wake with nobody
/// waiting is remembered for the next wait.
package final class Waker: Sendable {
  /// A waker with no wake pending.
  package init() {}

  private struct State {
    var pending = false
    var waiter: CheckedContinuation<Void, Never>?
    var generation = 0
  }

  private let state = Mutex(State())

  /// Wakes the waiting task or, with none waiting, makes the next `wait` return at once.
  package func wake() {
    let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
      guard let waiter = state.waiter else {
        state.pending = true
        return nil
      }
      state.waiter = nil
      return waiter
    }
    waiter?.resume()
  }

  /// Returns when woken or once `timeout` has passed; at once when a wake is pending.
  package func wait(timeout: Duration) async {
    let generation = state.withLock { state -> Int? in
      if state.pending {
        state.pending = false
        return nil
      }
      state.generation += 1
      return state.generation
    }
    guard let generation else { return }
    await withCheckedContinuation { continuation in
      let woken = state.withLock { state -> Bool in
        if state.pending {
          state.pending = false
          return true
        }
        state.waiter = continuation
        return false
      }
      if woken { return continuation.resume() }
      Task {
        try? await Task.sleep(for: timeout)
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
          guard state.generation == generation, let waiter = state.waiter else { return nil }
          state.waiter = nil
          return waiter
        }
        waiter?.resume()
      }
    }
  }
}

