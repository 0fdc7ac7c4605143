// What the use cases need from whoever sends deliveries (the delivery
// engine), as the domain names it: a signal that work is due, and the
// attempts as they are logged.

/// Tells whoever sends deliveries that new work may be due now (after a
/// publish, a resume, a redelivery or a recovery), so it looks at once
/// instead of at its next poll. The use cases raise it; the delivery
/// engine answers it; the composition root connects the two.
package protocol DueWorkSignal: Sendable {
  /// New deliveries may be due now.
  func workIsDue()
}

/// A signal nobody answers: for a server that runs no delivery engine
/// (deliveries are stored and wait for one).
package struct NoDeliveryWorker: DueWorkSignal {
  /// The silent signal.
  package init() {}

  /// Does nothing.
  package func workIsDue() {}
}

/// Attempts as they are logged, for live tails: whoever sends deliveries
/// provides it (the delivery engine), and the event-log use cases read it
/// without knowing who that is.
package protocol DeliveryAttemptFeed: Sendable {
  /// Calls `observer` with every attempt (and its business unit) as it is
  /// logged; returns a token for `removeObserver`.
  func addObserver(_ observer: @escaping @Sendable (DeliveryAttempt, Int64) -> Void) -> Int
  /// Stops calling an observer.
  func removeObserver(_ id: Int)
}
