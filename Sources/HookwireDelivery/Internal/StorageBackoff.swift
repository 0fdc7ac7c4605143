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
/// attempt; each names the first delivery it counts.
struct StorageBackoff {
  /// A pause that began: what its error line says.
  struct Pause: Equatable {
    /// The first delivery whose attempt went unrecorded since the last line.
    let firstDeliveryID: String
    /// Attempts not recorded since the last line, this one included.
    let unrecorded: Int
    /// How long sending pauses.
    let pause: Duration
    /// The store's error, in its own words.
    let error: String
  }

  /// The end of an outage: what its line says.
  struct Recovery: Equatable {
    /// The first delivery whose attempt went unrecorded in the outage.
    let firstDeliveryID: String
    /// Attempts sent but not recorded in the outage (they will be sent again).
    let unrecorded: Int
  }

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
  /// The first delivery not logged since the last log line, and since the outage began.
  private var firstSinceLine: String?
  private var firstInOutage: String?

  init(initial: Duration, maximum: Duration) {
    self.initial = initial
    self.maximum = max(initial, maximum)
  }

  /// Only one attempt may be in flight: the storage failed and has not yet
  /// taken a write since.
  var probing: Bool { pauses > 0 }

  /// Logging `deliveryID`'s attempt failed with `error` at `now`; returns
  /// the pause to log when this starts one.
  mutating func failed(deliveryID: String, error: any Error, now: ContinuousClock.Instant) -> Pause? {
    parked.insert(deliveryID)
    unloggedSinceLine += 1
    unloggedInOutage += 1
    if firstSinceLine == nil { firstSinceLine = deliveryID }
    if firstInOutage == nil { firstInOutage = deliveryID }
    if let pausedUntil, now < pausedUntil { return nil }
    var pause = initial
    for _ in 0..<min(pauses, 30) where pause < maximum { pause = pause * 2 }
    pause = min(pause, maximum)
    pauses += 1
    pausedUntil = now + pause
    defer {
      unloggedSinceLine = 0
      firstSinceLine = nil
    }
    return Pause(firstDeliveryID: firstSinceLine ?? deliveryID, unrecorded: unloggedSinceLine, pause: pause, error: "\(error)")
  }

  /// A write succeeded; returns the recovery to log when this ends an outage.
  mutating func succeeded() -> Recovery? {
    guard pauses > 0 || !parked.isEmpty else { return nil }
    let recovery = Recovery(firstDeliveryID: firstInOutage ?? "", unrecorded: unloggedInOutage)
    self = StorageBackoff(initial: initial, maximum: maximum)
    return recovery
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
