/// Where a protocol connection's bytes go: a TCP stream, one end of an
/// in-process pipe, or a test's recorder. Used on the loop's thread only.
public protocol ByteSink: AnyObject {
  /// Writes bytes, queueing what cannot be sent now.
  func send(_ bytes: UnsafeRawBufferPointer)
  /// Closes after everything queued has been sent.
  func closeWhenFlushed()
  /// Whether queued output has passed the high-water mark.
  var isBackedUp: Bool { get }
}

/// What a protocol connection needs from the loop it runs on: a clock,
/// timers, end-of-turn work, a serial executor and the executor its
/// handlers prefer. An epoll loop provides it, and so does a test's
/// embedded loop with a manual clock.
///
/// Every method but `execute` and `inHostThread` is called on the loop's
/// own thread.
public protocol ConnectionLoop: AnyObject, Sendable {
  /// The current moment on the loop's monotonic clock.
  func now() -> MonotonicDeadline
  /// Runs `work` on the loop at `deadline`; the handle cancels it.
  func scheduleTimer(at deadline: MonotonicDeadline, _ work: @escaping () -> Void) -> TimerHandle
  /// Cancels a timer; a timer that has fired or was cancelled is ignored.
  func cancelTimer(_ timer: TimerHandle)
  /// Runs `work` at the end of the current turn (to coalesce writes).
  func atEndOfTurn(_ work: @escaping () -> Void)
  /// Runs `work` on the loop's thread; callable from any thread.
  func execute(_ work: @escaping @Sendable () -> Void)
  /// Whether the caller is on the loop's thread.
  var inHostThread: Bool { get }
  /// The executor handlers run on, so a cheap handler costs no thread hop.
  var taskExecutor: any TaskExecutor { get }
}

/// What a protocol connection runs on: a byte sink and the loop that owns
/// it. A TCP stream on an epoll loop provides both, and so does the
/// in-process transport.
public typealias ConnectionHost = ByteSink & ConnectionLoop
