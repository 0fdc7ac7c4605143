import Glibc
import HookwireRPC
import Synchronization

/// A connection host with no socket, thread or real clock, in the manner of
/// NIO's `EmbeddedChannel`: it records the bytes a connection sends, keeps a
/// manual clock that only `advance(by:)` moves, and runs end-of-turn work,
/// `execute` work and handler tasks only when told to (`runUntilIdle`).
///
/// A test drives a `ServerConnection` or `ClientConnection` through it
/// synchronously, one step at a time, and shuttles bytes between two hosts
/// itself. Everything runs on the thread that created the host (so create
/// and drive it from one synchronous test); `execute` and the task executor
/// accept work from other threads and hold it for the next drain.
package final class EmbeddedConnectionHost: ConnectionHost, @unchecked Sendable {
  // Unchecked: the test's one thread owns everything but `inbox` (a Mutex).
  private struct Timer {
    let deadline: MonotonicDeadline
    let handle: TimerHandle
    let work: () -> Void
  }

  private struct Inbox {
    var work: [@Sendable () -> Void] = []
    var jobs: [UnownedJob] = []
  }

  private var clock: MonotonicDeadline
  private var timers: [Timer] = []
  private var nextTimer: UInt64 = 1
  private var endOfTurn: [() -> Void] = []
  private let inbox = Mutex(Inbox())
  private let executor: EmbeddedExecutor
  private var outbound: [UInt8] = []
  private let thread = pthread_self()

  /// Whether the connection has asked to close once its output is sent.
  package private(set) var closeRequested = false
  /// What `isBackedUp` answers; a test sets it to hold writers back.
  package var backedUp = false

  /// A host whose clock starts at `start` (not 0, as a real clock never reads 0).
  package init(start: MonotonicDeadline = MonotonicDeadline(nanoseconds: 1_000_000_000)) {
    clock = start
    executor = EmbeddedExecutor()
    executor.host = self
  }

  // MARK: - Driving

  /// Takes the bytes sent since the last call.
  package func takeSent() -> [UInt8] {
    defer { outbound = [] }
    return outbound
  }

  /// The timers scheduled and neither fired nor cancelled.
  package var pendingTimers: Int { timers.count }

  /// The earliest pending timer's deadline.
  package var nextDeadline: MonotonicDeadline? { timers.map(\.deadline).min() }

  /// Runs handler jobs, `execute` work and end-of-turn work until none is
  /// left (each may queue more).
  package func runUntilIdle() {
    while true {
      let (work, jobs) = inbox.withLock { inbox in
        defer { inbox = Inbox() }
        return (inbox.work, inbox.jobs)
      }
      for job in jobs { job.runSynchronously(on: executor.asUnownedTaskExecutor()) }
      for item in work { item() }
      let turnEnd = endOfTurn
      endOfTurn = []
      for item in turnEnd { item() }
      if work.isEmpty && jobs.isEmpty && turnEnd.isEmpty { return }
    }
  }

  /// Moves the clock forward by `duration`, firing every timer that comes
  /// due on the way in deadline order (ties in the order they were
  /// scheduled), each at its own deadline, and running what each leaves
  /// queued before the next.
  package func advance(by duration: Duration) {
    let target = clock + duration
    runUntilIdle()
    while let index = indexOfNextTimer(dueBy: target) {
      let timer = timers.remove(at: index)
      clock = max(clock, timer.deadline)
      timer.work()
      runUntilIdle()
    }
    clock = target
  }

  private func indexOfNextTimer(dueBy target: MonotonicDeadline) -> Int? {
    var best: Int?
    for (index, timer) in timers.enumerated() where timer.deadline <= target {
      if let current = best, timers[current].deadline <= timer.deadline { continue }
      best = index
    }
    return best
  }

  fileprivate func enqueue(_ job: UnownedJob) { inbox.withLock { $0.jobs.append(job) } }

  // MARK: - ByteSink

  package func send(_ bytes: UnsafeRawBufferPointer) { outbound.append(contentsOf: bytes) }
  package func closeWhenFlushed() { closeRequested = true }
  package var isBackedUp: Bool { backedUp }

  // MARK: - ConnectionLoop

  package func now() -> MonotonicDeadline { clock }

  package func scheduleTimer(at deadline: MonotonicDeadline, _ work: @escaping () -> Void) -> TimerHandle {
    let handle = TimerHandle(id: nextTimer)
    nextTimer += 1
    timers.append(Timer(deadline: deadline, handle: handle, work: work))
    return handle
  }

  package func cancelTimer(_ timer: TimerHandle) { timers.removeAll { $0.handle == timer } }
  package func atEndOfTurn(_ work: @escaping () -> Void) { endOfTurn.append(work) }
  package func execute(_ work: @escaping @Sendable () -> Void) { inbox.withLock { $0.work.append(work) } }
  package var inHostThread: Bool { pthread_equal(pthread_self(), thread) != 0 }
  package var taskExecutor: any TaskExecutor { executor }
}

/// Holds the jobs of tasks that prefer an embedded host until it drains them.
private final class EmbeddedExecutor: TaskExecutor, @unchecked Sendable {
  // Unchecked: `host` is set once, before any job can arrive.
  weak var host: EmbeddedConnectionHost?

  func enqueue(_ job: consuming ExecutorJob) {
    let unowned = UnownedJob(job)
    host?.enqueue(unowned)
  }
}
