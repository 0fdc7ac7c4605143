/// An event an internal service published.
package struct Event: Sendable, Equatable {
  package var id: String
  package var buID: Int64
  package var programmeID: String?
  package var type: String
  /// The JSON payload, delivered as the body's `data`.
  package var payloadJSON: String
  package var publishedAtMs: Int64
  package var idempotencyKey: String

  package init(id: String, buID: Int64, programmeID: String?, type: String, payloadJSON: String, publishedAtMs: Int64, idempotencyKey: String) {
    self.id = id
    self.buID = buID
    self.programmeID = programmeID
    self.type = type
    self.payloadJSON = payloadJSON
    self.publishedAtMs = publishedAtMs
    self.idempotencyKey = idempotencyKey
  }
}

/// Where one event stands for one webhook. The raw values are the stored
/// codes: they are named here once, and the stores, the schema's indexes
/// and the API mapping use them by name.
package enum DeliveryStatus: Int64, Sendable, Equatable, CaseIterable {
  case pending = 1
  case succeeded = 2
  case retrying = 3
  case failed = 4
  /// Waiting while the webhook is paused.
  case held = 5
  /// The webhook was deleted before the delivery succeeded.
  case cancelled = 6

  /// Statuses still owed an attempt (or waiting to be): held, pending, retrying.
  package static let open: [DeliveryStatus] = [.pending, .retrying, .held]
  /// Statuses the engine attempts when their time comes.
  package static let due: [DeliveryStatus] = [.pending, .retrying]
  /// Statuses that will never change again on their own.
  package static let finished: [DeliveryStatus] = [.succeeded, .failed, .cancelled]
}

/// One event for one webhook: a row of the event log.
package struct Delivery: Sendable, Equatable {
  package var id: String
  package var webhookID: String
  package var eventID: String
  package var eventType: String
  package var buID: Int64
  package var status: DeliveryStatus
  package var attempts: Int
  package var createdAtMs: Int64
  package var lastAttemptAtMs: Int64
  package var nextAttemptAtMs: Int64
  package var lastHTTPStatus: Int
  package var lastError: String

  package init(
    id: String, webhookID: String, eventID: String, eventType: String, buID: Int64, status: DeliveryStatus, attempts: Int,
    createdAtMs: Int64, lastAttemptAtMs: Int64, nextAttemptAtMs: Int64, lastHTTPStatus: Int, lastError: String
  ) {
    self.id = id
    self.webhookID = webhookID
    self.eventID = eventID
    self.eventType = eventType
    self.buID = buID
    self.status = status
    self.attempts = attempts
    self.createdAtMs = createdAtMs
    self.lastAttemptAtMs = lastAttemptAtMs
    self.nextAttemptAtMs = nextAttemptAtMs
    self.lastHTTPStatus = lastHTTPStatus
    self.lastError = lastError
  }
}

/// One HTTP attempt of a delivery.
package struct DeliveryAttempt: Sendable, Equatable {
  /// What started an attempt; the raw values are the stored codes.
  package enum Trigger: Int64, Sendable {
    case scheduled = 1
    case manual = 2
  }

  package var deliveryID: String
  package var webhookID: String
  package var eventID: String
  package var eventType: String
  package var number: Int
  package var trigger: Trigger
  package var attemptedAtMs: Int64
  /// 0 when no response arrived.
  package var httpStatus: Int
  package var latencyMs: Int
  /// The first 1 KiB of the response body.
  package var responseExcerpt: String
  package var error: String
  package var succeeded: Bool

  package init(
    deliveryID: String, webhookID: String, eventID: String, eventType: String, number: Int, trigger: Trigger,
    attemptedAtMs: Int64, httpStatus: Int, latencyMs: Int, responseExcerpt: String, error: String, succeeded: Bool
  ) {
    self.deliveryID = deliveryID
    self.webhookID = webhookID
    self.eventID = eventID
    self.eventType = eventType
    self.number = number
    self.trigger = trigger
    self.attemptedAtMs = attemptedAtMs
    self.httpStatus = httpStatus
    self.latencyMs = latencyMs
    self.responseExcerpt = responseExcerpt
    self.error = error
    self.succeeded = succeeded
  }
}

/// When failed attempts are retried: delays after each failure, each with
/// ±`jitter` spread (Svix's schedule by default).
package struct RetrySchedule: Sendable, Equatable {
  /// The delay before attempt n+1 after attempt n failed; the first entry is
  /// the first attempt's delay (0: at once).
  package var delays: [Duration]
  package var jitter: Double

  package init(delays: [Duration], jitter: Double = 0.2) {
    self.delays = delays
    self.jitter = jitter
  }

  /// Immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h.
  package static let standard = RetrySchedule(delays: [
    .zero, .seconds(5), .seconds(300), .seconds(1_800), .seconds(7_200), .seconds(18_000), .seconds(36_000), .seconds(36_000),
  ])

  /// Total attempts.
  package var attempts: Int { delays.count }

  /// The delay before attempt `number` (1-based), jittered; nil after the last.
  package func delay(beforeAttempt number: Int) -> Duration? {
    var random = SystemRandomNumberGenerator()
    return delay(beforeAttempt: number, using: &random)
  }

  /// The delay before attempt `number` (1-based), jittered with `random`;
  /// nil after the last.
  package func delay(beforeAttempt number: Int, using random: inout some RandomNumberGenerator) -> Duration? {
    guard number >= 1, number <= delays.count else { return nil }
    let base = delays[number - 1]
    guard base > .zero, jitter > 0 else { return base }
    return base * Double.random(in: (1 - jitter)...(1 + jitter), using: &random)
  }
}
