/// Attempts as they are logged, for live tails: whoever sends deliveries
/// provides it (the delivery engine), and the event-log use cases read it
/// without knowing who that is.
public protocol DeliveryAttemptFeed: Sendable {
  /// Calls `observer` with every attempt (and its business unit) as it is
  /// logged; returns a token for `removeObserver`.
  func addObserver(_ observer: @escaping @Sendable (DeliveryAttempt, Int64) -> Void) -> Int
  /// Stops calling an observer.
  func removeObserver(_ id: Int)
}
