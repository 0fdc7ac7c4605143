import HookwireStore
import Synchronization

/// Requests written together: a caller that arrives while a write for
/// earlier requests is still waiting for a writer joins it, so one write
/// (one statement, one round trip) serves them all, however many callers
/// there are.
///
/// The first caller to find no write scheduled leads: it submits the write,
/// whose body `take`s every request waiting when it starts (at most
/// `limit`, the leader's own first), and once the write is acknowledged it
/// `finish`es them, handing each follower its own result. Requests that
/// arrive after the write started wait for the next one, which the first
/// of them leads (and another writer may run meanwhile).
final class PostgresBatchQueue<Request: Sendable, Output: Sendable>: Sendable {
  /// A caller's part in the write of its request.
  enum Turn: Sendable {
    /// Submit the write: `take` its requests in its body, `finish` them after.
    case lead
    /// Another caller's write brought this result.
    case done(Result<Output, any Error>)
  }

  /// A request taken for a write, and who waits for its result (nil: the leader).
  struct Entry: Sendable {
    /// What the caller asked for.
    let request: Request
    fileprivate let waiter: CheckedContinuation<Turn, Never>?
  }

  private struct State {
    var waiting: [Entry] = []
    /// Whether a leader has been told to write what is waiting; while it
    /// has not, `waiting` is empty.
    var scheduled = false
  }

  private let state = Mutex(State())
  /// The most requests one write takes.
  let limit: Int

  /// A queue whose writes take at most `limit` requests each (at least one).
  init(limit: Int) { self.limit = max(1, limit) }

  /// How many requests wait for a write, the scheduled one's leader included.
  var waitingCount: Int { state.withLock { $0.waiting.count } }

  /// Queues `request`; returns at once with `.lead` when no write is
  /// scheduled, otherwise once a write has brought its result (or this
  /// caller must lead the next write).
  func enqueue(_ request: Request) async -> Turn {
    await withCheckedContinuation { (continuation: CheckedContinuation<Turn, Never>) in
      let leads = state.withLock { state -> Bool in
        guard !state.scheduled else {
          state.waiting.append(Entry(request: request, waiter: continuation))
          return false
        }
        state.scheduled = true
        state.waiting.append(Entry(request: request, waiter: nil))
        return true
      }
      if leads { continuation.resume(returning: .lead) }
    }
  }

  /// The requests the starting write serves, the leader's own first (call
  /// once per write). When more are waiting than one write takes, the
  /// first of those left leads the next write.
  func take() -> [Entry] {
    let (taken, next) = state.withLock { state -> ([Entry], CheckedContinuation<Turn, Never>?) in
      let taken = Array(state.waiting.prefix(limit))
      state.waiting.removeFirst(taken.count)
      guard let first = state.waiting.first else {
        state.scheduled = false
        return (taken, nil)
      }
      state.waiting[0] = Entry(request: first.request, waiter: nil)
      return (taken, first.waiter)
    }
    next?.resume(returning: .lead)
    return taken
  }

  /// Hands each follower in `entries` its result (`results` in the same
  /// order, or `failure` for all) and returns the leader's.
  func finish(_ entries: [Entry], with results: Result<[Result<Output, any Error>], any Error>) -> Result<Output, any Error> {
    var own: Result<Output, any Error> = .failure(StoreError(.internal, "the batched write lost its own request"))
    for (index, entry) in entries.enumerated() {
      let result: Result<Output, any Error> =
        switch results {
        case .success(let results) where index < results.count: results[index]
        case .success: .failure(StoreError(.internal, "the batched write returned too few results"))
        case .failure(let error): .failure(error)
        }
      if let waiter = entry.waiter { waiter.resume(returning: .done(result)) } else { own = result }
    }
    return own
  }
}
