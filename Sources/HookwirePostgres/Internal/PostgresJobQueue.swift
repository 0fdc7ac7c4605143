import Foundation

/// Jobs waiting for a worker, shared by the workers of one kind: the first
/// to wake takes what is waiting (a writer takes a whole group).
final class PostgresJobQueue: @unchecked Sendable {
  // Unchecked: `jobs` and `stopping` are read and written only under `condition`.
  private let condition = NSCondition()
  private var jobs: [PostgresJob] = []
  private var stopping = false

  /// What `take` found.
  enum Taken {
    /// Jobs to run, in the order they came.
    case jobs([PostgresJob])
    /// Nothing came before the deadline.
    case timedOut
    /// The queue is stopping and empty: the worker ends.
    case stopped
  }

  /// Queues `job`; false once the queue is stopping.
  func push(_ job: PostgresJob) -> Bool {
    condition.lock()
    defer { condition.unlock() }
    guard !stopping else { return false }
    jobs.append(job)
    condition.signal()
    return true
  }

  /// Waits for jobs (until `deadline`, when there is one) and takes up to `limit`.
  func take(atMost limit: Int, until deadline: ContinuousClock.Instant?) -> Taken {
    condition.lock()
    defer { condition.unlock() }
    while jobs.isEmpty && !stopping {
      if let deadline {
        let remaining = ContinuousClock.now.duration(to: deadline)
        guard remaining > .zero else { return .timedOut }
        let seconds = Double(remaining.components.seconds) + Double(remaining.components.attoseconds) / 1e18
        _ = condition.wait(until: Date().addingTimeInterval(seconds))
      } else {
        condition.wait()
      }
    }
    guard !jobs.isEmpty else { return .stopped }
    let count = min(limit, jobs.count)
    let taken = Array(jobs[..<count])
    jobs.removeFirst(count)
    // Another worker may take what is left.
    if !jobs.isEmpty { condition.signal() }
    return .jobs(taken)
  }

  /// Refuses new jobs; workers finish those queued, then end.
  func stop() {
    condition.lock()
    stopping = true
    condition.broadcast()
    condition.unlock()
  }
}
