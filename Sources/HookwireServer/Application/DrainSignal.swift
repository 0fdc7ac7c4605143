import HookwireDomain
import Synchronization

/// Tells the calls that never end on their own (`Events.Listen`,
/// `EventLogs.TailDeliveries`) that the server has begun to drain, so they
/// end at once with UNAVAILABLE instead of holding the drain for its whole
/// grace period. The application begins it; each long call waits on it
/// beside its cancellation and its credential's revocation.
package final class DrainSignal: Sendable {
  /// What a long call ends with once the drain has begun: retryable, and
  /// the retry belongs on another server (or on this one once it is back).
  package static let shuttingDown = DomainError(.unavailable, "the server is shutting down; reconnect to another server")

  private struct State {
    var begun = false
    var nextID = 0
    var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
  }

  private let state = Mutex(State())

  /// A signal not begun.
  package init() {}

  /// Whether the drain has begun.
  package var hasBegun: Bool { state.withLock { $0.begun } }

  /// Begins the drain: every waiter returns, and every later wait returns
  /// at once. Safe from any thread, more than once.
  package func begin() {
    let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
      state.begun = true
      defer { state.waiters = [:] }
      return Array(state.waiters.values)
    }
    for waiter in waiters { waiter.resume() }
  }

  /// Returns once the drain has begun, or when the task is cancelled.
  package func untilBegun() async {
    let id = state.withLock { state -> Int in
      state.nextID += 1
      return state.nextID
    }
    await withTaskCancellationHandler {
      await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        // Cancellation is flagged before its handler runs, so a handler that
        // ran before this found nothing to resume and the flag says so here.
        let now = state.withLock { state -> Bool in
          if state.begun || Task.isCancelled { return true }
          state.waiters[id] = continuation
          return false
        }
        if now { continuation.resume() }
      }
    } onCancel: {
      state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
    }
  }
}
