import Synchronization

/// The signal that tells a handler its call was cancelled: by the client's
/// CANCEL, the deadline, a dropped connection or the server's shutdown.
///
/// The handler's task is not cancelled for it; handlers check `isCancelled`
/// or await `cancelled()`, as grpc-swift 2's handlers do.
public final class RPCCancellation: Sendable {
  private struct State {
    var isCancelled = false
    var nextWaiter = 0
    var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
  }

  // Mutex guards every access to the state; continuations resume outside it.
  private let state = Mutex(State())

  /// Creates a signal that has not fired.
  public init() {}

  /// Whether the call has been cancelled.
  public var isCancelled: Bool { state.withLock { $0.isCancelled } }

  /// Fires the signal; later calls do nothing.
  public func cancel() {
    let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
      guard !state.isCancelled else { return [] }
      state.isCancelled = true
      defer { state.waiters = [:] }
      return Array(state.waiters.values)
    }
    for waiter in waiters { waiter.resume() }
  }

  /// Returns once the call is cancelled, or when the waiting task is.
  public func cancelled() async {
    let id = state.withLock { state -> Int in
      state.nextWaiter += 1
      return state.nextWaiter
    }
    await withTaskCancellationHandler {
      await withCheckedContinuation { continuation in
        let resumeNow = state.withLock { state -> Bool in
          if state.isCancelled || Task.isCancelled { return true }
          state.waiters[id] = continuation
          return false
        }
        if resumeNow { continuation.resume() }
      }
    } onCancel: {
      let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
      waiter?.resume()
    }
  }
}
