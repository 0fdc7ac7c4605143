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
    /// The sleep that ends the current wait; cancelled when a wake ends it first.
    var timeout: Task<Void, Never>?
  }

  private let state = Mutex(State())

  /// Wakes the waiting task or, with none waiting, makes the next `wait` return at once.
  package func wake() {
    let (waiter, timeout) = state.withLock { state -> (CheckedContinuation<Void, Never>?, Task<Void, Never>?) in
      guard let waiter = state.waiter else {
        state.pending = true
        return (nil, nil)
      }
      state.waiter = nil
      defer { state.timeout = nil }
      return (waiter, state.timeout)
    }
    timeout?.cancel()
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
      let sleep = Task {
        do { try await Task.sleep(for: timeout) } catch { return }
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
          guard state.generation == generation, let waiter = state.waiter else { return nil }
          state.waiter = nil
          state.timeout = nil
          return waiter
        }
        waiter?.resume()
      }
      // A wake may already have taken the waiter; then this sleep is not needed.
      let stillWaiting = state.withLock { state -> Bool in
        guard state.generation == generation, state.waiter != nil else { return false }
        state.timeout = sleep
        return true
      }
      if !stillWaiting { sleep.cancel() }
    }
  }
}

