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
