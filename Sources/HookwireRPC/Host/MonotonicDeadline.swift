/// A moment on a connection host's monotonic clock (nanoseconds): what
/// `ConnectionLoop.now()` reads and what its timers fire at. Arithmetic
/// saturates, so a large budget lands at the end of the clock instead of
/// wrapping round to a moment in the past.
///
/// A peer may state any `timeout_us` up to 2^64−1; added to "now" in plain
/// wrapping arithmetic, 2^63 µs would land before now and fail the call at
/// once. Saturated, it lands at `distantFuture`: no timer ever fires for it.
public struct MonotonicDeadline: Comparable, Hashable, Sendable {
  /// Monotonic nanoseconds.
  public let nanoseconds: UInt64

  /// The end of the clock: a deadline that never passes.
  public static let distantFuture = MonotonicDeadline(nanoseconds: .max)

  /// A deadline at `nanoseconds` on the host's clock.
  public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

  /// `budget` nanoseconds after `now`, saturating.
  package init(after budget: UInt64, from now: UInt64) {
    let (sum, overflow) = now.addingReportingOverflow(budget)
    nanoseconds = overflow ? .max : sum
  }

  /// `budget` after `now` (negative budgets count as zero), saturating.
  package init(after budget: Duration, from now: UInt64) {
    self.init(after: budget.nanoseconds, from: now)
  }

  /// `budget` after `now` (negative budgets count as zero), saturating.
  package init(after budget: Duration, from now: MonotonicDeadline) {
    self.init(after: budget.nanoseconds, from: now.nanoseconds)
  }

  /// `microseconds` after `now`, saturating, as a call's `timeout_us` states it.
  package init(afterMicroseconds microseconds: UInt64, from now: UInt64) {
    let (budget, overflow) = microseconds.multipliedReportingOverflow(by: 1_000)
    self.init(after: overflow ? .max : budget, from: now)
  }

  /// `microseconds` after `now`, saturating, as a call's `timeout_us` states it.
  package init(afterMicroseconds microseconds: UInt64, from now: MonotonicDeadline) {
    self.init(afterMicroseconds: microseconds, from: now.nanoseconds)
  }

  /// Whether the deadline is so far off that no clock reading reaches it.
  package var isDistantFuture: Bool { nanoseconds == .max }

  /// Nanoseconds left at `now`; 0 once passed.
  package func remaining(at now: UInt64) -> UInt64 { nanoseconds > now ? nanoseconds - now : 0 }

  /// Nanoseconds left at `now`; 0 once passed.
  package func remaining(at now: MonotonicDeadline) -> UInt64 { remaining(at: now.nanoseconds) }

  /// Nanoseconds from `earlier` to this moment; 0 if `earlier` is later.
  package func nanoseconds(since earlier: MonotonicDeadline) -> UInt64 { nanoseconds >= earlier.nanoseconds ? nanoseconds - earlier.nanoseconds : 0 }

  /// `duration` after `moment`, saturating.
  package static func + (moment: MonotonicDeadline, duration: Duration) -> MonotonicDeadline {
    MonotonicDeadline(after: duration, from: moment)
  }

  /// Orders deadlines by when they pass.
  public static func < (lhs: MonotonicDeadline, rhs: MonotonicDeadline) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
}
