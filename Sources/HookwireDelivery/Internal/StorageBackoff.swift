/// What the delivery engine does when an attempt cannot be logged (a full
/// disk, an I/O error): the endpoint has had the POST, but the delivery is
/// still due in the store, so sending on would post it again at once, and
/// again, as fast as the endpoint answers.
///
/// Instead the first failure pauses all sending for `initial`; each failure
/// after a pause doubles the pause, up to `maximum`; one successful write
/// ends the outage. After a pause one attempt at a time is made (a probe)
/// until a write succeeds. Deliveries whose attempt was not logged are kept
/// out of the scans until the pause has passed. One log line starts each
/// pause and one ends the outage, so the log grows per interval, not per
/// attempt.
struct StorageBackoff {
  let initial: Duration
  let maximum: Duration
  /// Pauses since the last successful write.
  private(set) var pauses = 0
  private var pausedUntil: ContinuousClock.Instant?
  /// Deliveries sent but not logged, held out of the scans.
  private(set) var parked: Set<String> = []
  /// Attempts not logged since the last log line, and since the outage began.
  private var unloggedSinceLine = 0
  private var unloggedInOutage = 0

  init(initial: Duration, maximum: Duration) {
    self.initial = initial
    self.maximum = max(initial, maximum)
  }

  /// Only one attempt may be in flight: the storage failed and has not yet
  /// taken a write since.
  var probing: Bool { pauses > 0 }

  /// Logging `deliveryID`'s attempt failed with `error` at `now`; returns
  /// the line to log when this starts a pause.
  mutating func failed(deliveryID: String, error: any Error, now: ContinuousClock.Instant) -> String? {
    parked.insert(deliveryID)
    unloggedSinceLine += 1
    unloggedInOutage += 1
    if let pausedUntil, now < pausedUntil { return nil }
    var pause = initial
    for _ in 0..<min(pauses, 30) where pause < maximum { pause = pause * 2 }
    pause = min(pause, maximum)
    pauses += 1
    pausedUntil = now + pause
    defer { unloggedSinceLine = 0 }
    let count = unloggedSinceLine == 1 ? "1 attempt" : "\(unloggedSinceLine) attempts"
    return "cannot log delivery attempts (\(error)): \(count) not logged; sending pauses for \(pause)"
  }

  /// A write succeeded; returns the line to log when this ends an outage.
  mutating func succeeded() -> String? {
    guard pauses > 0 || !parked.isEmpty else { return nil }
    let line = "attempts are logged again; \(unloggedInOutage) sent while storage failed will be sent again"
    self = StorageBackoff(initial: initial, maximum: maximum)
    return line
  }

  /// How long sending stays paused at `now`, or nil when it may go on
  /// (releasing the parked deliveries once a pause has passed).
  mutating func remainingPause(at now: ContinuousClock.Instant) -> Duration? {
    guard let pausedUntil else { return nil }
    if now < pausedUntil { return pausedUntil - now }
    self.pausedUntil = nil
    parked = []
    return nil
  }
}
