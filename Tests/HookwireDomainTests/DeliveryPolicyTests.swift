@testable import HookwireDomain
import Testing

/// What an attempt's outcome means: success, 410, retry on the schedule
/// (no sooner than Retry-After), giving up, and disabling a failing webhook.
@Suite("Delivery policy")
struct DeliveryPolicyTests {
  /// Three attempts: at once, 5 s later, 60 s later; no jitter, so the table is exact.
  static let policy = DeliveryPolicy(
    schedule: RetrySchedule(delays: [.zero, .seconds(5), .seconds(60)], jitter: 0), disableAfterFailing: .seconds(3_600))
  static let now: Int64 = 1_000_000

  @Test("each outcome and attempt number gets its status, next attempt time and webhook verdict", arguments: [
    // (what, HTTP status, Retry-After, attempt number, status, next due, disable reason)
    ("200 succeeds", 200, nil, 1, DeliveryStatus.succeeded, 0, nil),
    ("204 succeeds", 204, nil, 2, .succeeded, 0, nil),
    ("299 succeeds on the last attempt", 299, nil, 3, .succeeded, 0, nil),
    ("410 fails and disables the webhook", 410, nil, 1, .failed, 0, DeliveryPolicy.goneReason),
    ("410 disables even with retries left and a Retry-After", 410, 10, 1, .failed, 0, DeliveryPolicy.goneReason),
    ("500 retries after the second delay", 500, nil, 1, .retrying, now + 5_000, nil),
    ("500 on attempt 2 retries after the third delay", 500, nil, 2, .retrying, now + 60_000, nil),
    ("500 on the last attempt gives up", 500, nil, 3, .failed, 0, nil),
    ("a 3xx is not followed: retried", 301, nil, 1, .retrying, now + 5_000, nil),
    ("199 is not a success", 199, nil, 1, .retrying, now + 5_000, nil),
    ("300 is not a success", 300, nil, 1, .retrying, now + 5_000, nil),
    ("404 retries", 404, nil, 1, .retrying, now + 5_000, nil),
    ("no response (timeout, refused) retries", nil, nil, 1, .retrying, now + 5_000, nil),
    ("no response on the last attempt gives up", nil, nil, 3, .failed, 0, nil),
    ("a longer Retry-After wins over the schedule", 429, 30, 1, .retrying, now + 30_000, nil),
    ("a shorter Retry-After does not hasten the retry", 503, 1, 1, .retrying, now + 5_000, nil),
    ("Retry-After does not extend the schedule", 503, 30, 3, .failed, 0, nil),
  ] as [(String, Int?, Int?, Int, DeliveryStatus, Int64, String?)])
  func outcomes(
    what: String, httpStatus: Int?, retryAfterSeconds: Int?, attempt: Int, status: DeliveryStatus, next: Int64, disable: String?
  ) {
    let outcome = DeliveryPolicy.Outcome(httpStatus: httpStatus, retryAfter: retryAfterSeconds.map { .seconds($0) })
    let decision = Self.policy.decide(outcome, attempt: attempt, nowMs: Self.now)
    #expect(decision == DeliveryPolicy.Decision(status: status, nextAttemptAtMs: next, disableWebhook: disable), "\(what)")
  }

  @Test("a webhook is disabled once it has failed without a success for the whole period, not a millisecond sooner", arguments: [
    ("never failed (or succeeded since)", nil, false),
    ("failing since just now", now, false),
    ("failing one millisecond short of the period", now - 3_600_000 + 1, false),
    ("failing for exactly the period", now - 3_600_000, true),
    ("failing for longer", now - 90_000_000, true),
  ] as [(String, Int64?, Bool)])
  func disableAfterFailing(what: String, failingSince: Int64?, disabled: Bool) {
    let reason = Self.policy.disableReason(failingSinceMs: failingSince, nowMs: Self.now)
    #expect(reason == (disabled ? "failing without a success for 3600.0 seconds" : nil), "\(what)")
  }

  @Test("retry delays are spread by the schedule's jitter and stay within it")
  func jitterStaysInRange() {
    let policy = DeliveryPolicy(schedule: RetrySchedule(delays: [.zero, .seconds(100)], jitter: 0.2))
    var random = SystemRandomNumberGenerator()
    var seen = Set<Int64>()
    for _ in 0..<200 {
      let decision = policy.decide(.init(httpStatus: 500), attempt: 1, nowMs: 0, using: &random)
      #expect(decision.status == .retrying)
      #expect((80_000...120_000).contains(decision.nextAttemptAtMs))
      seen.insert(decision.nextAttemptAtMs)
    }
    #expect(seen.count > 1)
  }

  @Test("the standard schedule makes eight attempts and then gives up")
  func standardScheduleGivesUp() {
    let policy = DeliveryPolicy()
    #expect(policy.schedule.attempts == 8)
    #expect(policy.decide(.init(httpStatus: 500), attempt: 7, nowMs: 0).status == .retrying)
    #expect(policy.decide(.init(httpStatus: 500), attempt: 8, nowMs: 0) == DeliveryPolicy.Decision(status: .failed))
  }
}
