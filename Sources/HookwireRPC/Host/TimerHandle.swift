/// A timer scheduled on a connection loop, for cancelling it. Only the loop
/// that scheduled it makes or reads one.
public struct TimerHandle: Hashable, Sendable {
  /// The loop's own id for the timer.
  package let id: UInt64

  /// Wraps the loop's id for a timer.
  package init(id: UInt64) { self.id = id }
}
