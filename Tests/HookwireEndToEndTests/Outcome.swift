import Synchronization

/// A value that becomes known once (a process's exit status, a line in its
/// log, the end of its output), awaited without holding a thread of Swift's
/// cooperative pool: waiters are suspended continuations, resumed by
/// whichever thread resolves the value, or by a timer task when they stop
/// waiting.
final class Outcome<Value: Sendable>: Sendable {
  private struct State {
    var value: Value?
    var waiters: [Int: CheckedContinuation<Value?, Never>] = [:]
    /// Waiters whose time ran out before they were registered.
    var expired: Set<Int> = []
    var lastWaiter = 0
  }

  private let state = Mutex(State())

  /// The value, if it is already known.
  var current: Value? { state.withLock { $0.value } }

  /// Makes `value` known and wakes every waiter; later calls do nothing.
  func resolve(_ value: Value) {
    let waiters = state.withLock { state -> [CheckedContinuation<Value?, Never>] in
      guard state.value == nil else { return [] }
      state.value = value
      let waiters = Array(state.waiters.values)
      state.waiters = [:]
      return waiters
    }
    for waiter in waiters { waiter.resume(returning: value) }
  }

  /// The value once known, or nil if it is not known within `timeout`.
  func value(within timeout: Duration) async -> Value? {
    let id = state.withLock { state in
      state.lastWaiter += 1
      return state.lastWaiter
    }
    let timer = Task { [self] in
      guard (try? await Task.sleep(for: timeout)) != nil else { return }
      expire(id)
    }
    defer { timer.cancel() }
    return await withCheckedContinuation { continuation in
      let known: Value?? = state.withLock { state in
        if let value = state.value {
          state.expired.remove(id)
          return .some(value)
        }
        if state.expired.remove(id) != nil { return .some(nil) }
        state.waiters[id] = continuation
        return nil
      }
      if let known { continuation.resume(returning: known) }
    }
  }

  /// Ends one waiter's wait with nil, unless the value came first.
  private func expire(_ id: Int) {
    let waiter = state.withLock { state -> CheckedContinuation<Value?, Never>? in
      if let waiter = state.waiters.removeValue(forKey: id) { return waiter }
      if state.value == nil { state.expired.insert(id) }
      return nil
    }
    waiter?.resume(returning: nil)
  }
}
