/// What an attempt's HTTP outcome means for its delivery and its webhook:
/// a 2xx succeeds; a 410 Gone fails the delivery and disables the webhook;
/// anything else (a 3xx, another status, no response at all) is retried on
/// the schedule, no sooner than the endpoint's `Retry-After`, until the
/// schedule runs out; and a webhook failing without a success for
/// `disableAfterFailing` is disabled.
///
/// Pure: the engine gives it the outcome, the attempt number and the time,
/// and carries out the decision.
package struct DeliveryPolicy: Sendable, Equatable {
  /// When failed attempts are retried.
  package var schedule: RetrySchedule
  /// A webhook failing without a success for this long is disabled.
  package var disableAfterFailing: Duration

  /// A policy over `schedule`.
  package init(schedule: RetrySchedule = .standard, disableAfterFailing: Duration = .seconds(5 * 24 * 3_600)) {
    self.schedule = schedule
    self.disableAfterFailing = disableAfterFailing
  }

  /// What one attempt got back.
  package struct Outcome: Sendable, Equatable {
    /// The HTTP status; nil when no response arrived (refused, timed out, unreachable).
    package var httpStatus: Int?
    /// The endpoint's `Retry-After`, if it sent one.
    package var retryAfter: Duration?

    /// An outcome.
    package init(httpStatus: Int?, retryAfter: Duration? = nil) {
      self.httpStatus = httpStatus
      self.retryAfter = retryAfter
    }

    /// Whether the attempt succeeded: a 2xx.
    package var succeeded: Bool { httpStatus.map { (200..<300).contains($0) } ?? false }
  }

  /// What to do after one attempt.
  package struct Decision: Sendable, Equatable {
    /// The delivery's status from now on.
    package var status: DeliveryStatus
    /// When the next attempt is due (0 when there is none).
    package var nextAttemptAtMs: Int64
    /// Set when the webhook must be disabled, with the reason shown to its owner.
    package var disableWebhook: String?

    /// A decision.
    package init(status: DeliveryStatus, nextAttemptAtMs: Int64 = 0, disableWebhook: String? = nil) {
      self.status = status
      self.nextAttemptAtMs = nextAttemptAtMs
      self.disableWebhook = disableWebhook
    }
  }

  /// Why a webhook answered 410 is disabled.
  package static let goneReason = "the endpoint answered 410 Gone"

  /// The decision after attempt `number` (1-based) ended at `nowMs` with
  /// `outcome`; `random` spreads the retry delay by the schedule's jitter.
  package func decide(
    _ outcome: Outcome, attempt number: Int, nowMs: Int64, using random: inout some RandomNumberGenerator
  ) -> Decision {
    if outcome.succeeded { return Decision(status: .succeeded) }
    if outcome.httpStatus == 410 { return Decision(status: .failed, disableWebhook: Self.goneReason) }
    guard let delay = schedule.delay(beforeAttempt: number + 1, using: &random) else { return Decision(status: .failed) }
    let wait = max(delay, outcome.retryAfter ?? .zero)
    return Decision(status: .retrying, nextAttemptAtMs: nowMs + wait.wholeMilliseconds)
  }

  /// The decision after attempt `number`, jittered by the system's generator.
  package func decide(_ outcome: Outcome, attempt number: Int, nowMs: Int64) -> Decision {
    var random = SystemRandomNumberGenerator()
    return decide(outcome, attempt: number, nowMs: nowMs, using: &random)
  }

  /// Once a failed attempt is logged: the reason to disable a webhook that
  /// has been failing since `failingSinceMs` (nil after a success), if it
  /// has been failing for `disableAfterFailing` by `nowMs`.
  package func disableReason(failingSinceMs: Int64?, nowMs: Int64) -> String? {
    guard let failingSinceMs, nowMs - failingSinceMs >= disableAfterFailing.wholeMilliseconds else { return nil }
    return "failing without a success for \(disableAfterFailing)"
  }
}

extension Duration {
  /// Whole milliseconds (rounded toward zero).
  package var wholeMilliseconds: Int64 { components.seconds * 1_000 + components.attoseconds / 1_000_000_000_000_000 }
}
