import HookwirePosix
import HookwireRPC

/// The event loop's timers in the connection layer's types: deadlines as
/// `MonotonicDeadline`, timers as `TimerHandle`.
extension EventLoop {
  /// The current moment on the loop's clock.
  static func monotonicNow() -> MonotonicDeadline { MonotonicDeadline(nanoseconds: MonotonicClock.now()) }

  /// Runs `work` on the loop at `deadline`; the handle cancels it.
  func scheduleTimer(at deadline: MonotonicDeadline, _ work: @escaping () -> Void) -> TimerHandle {
    TimerHandle(id: scheduleTimer(at: deadline.nanoseconds, work).id)
  }

  /// Cancels a timer scheduled with `scheduleTimer(at:_:)`.
  func cancelTimer(_ timer: TimerHandle) { cancelTimer(Timer(id: timer.id)) }
}
