/// An event an internal service published.
package struct Event: Sendable, Equatable {
  /// The event's id: the publisher's own, or `evt_` and a random token when it gave none.
  package var id: String
  /// The business unit the event happened in.
  package var buID: Int64
  /// The programme of that unit the event concerns; nil for an event of the unit as a whole.
  package var programmeID: String?
  /// The event type, a name from `EventCatalogue`.
  package var type: String
  /// The JSON payload, delivered as the body's `data`.
  package var payloadJSON: String
  /// When the event was stored, in milliseconds since 1970 (UTC); the delivered body's timestamp.
  package var publishedAtMs: Int64
  /// The publisher's idempotency key, or empty when it gave none.
  package var idempotencyKey: String

  /// An event with every field given; nothing is checked or assigned here.
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
  /// Not attempted yet, or released from a hold; due at `nextAttemptAtMs`.
  case pending = 1
  /// An attempt got a 2xx; only a manual redelivery moves it again.
  case succeeded = 2
  /// An attempt failed and another is due at `nextAttemptAtMs`, or a redelivery or recovery asked for one.
  case retrying = 3
  /// The schedule's last attempt failed, or the endpoint answered 410; only a redelivery or recovery schedules it again.
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
  /// The delivery's id: `dlv_`, base-36 creation time and sequence, then randomness, so ids sort
  /// in creation order; also sent as the `webhook-id` header.
  package var id: String
  /// The webhook the event is delivered to.
  package var webhookID: String
  /// The event being delivered.
  package var eventID: String
  /// The event's type, copied from the event (log filters match on it).
  package var eventType: String
  /// The event's business unit, copied from the event.
  package var buID: Int64
  /// Where the delivery stands; attempts, pausing, resuming or deleting the webhook, redelivery and recovery change it.
  package var status: DeliveryStatus
  /// HTTP attempts made so far: 0 before the first, else the number of the last.
  package var attempts: Int
  /// When the event was published and this delivery made, in milliseconds since 1970 (UTC); the log's order and filter time.
  package var createdAtMs: Int64
  /// When the last attempt started, in milliseconds since 1970 (UTC); 0 before the first.
  package var lastAttemptAtMs: Int64
  /// When the engine may attempt it next, in milliseconds since 1970 (UTC); meaningful while pending or retrying.
  package var nextAttemptAtMs: Int64
  /// The last attempt's HTTP status; 0 before the first attempt or when no response arrived.
  package var lastHTTPStatus: Int
  /// Why the last attempt failed (a transport or guard reason, or `HTTP <status>`); empty before the first and after a success.
  package var lastError: String

  /// A delivery with every field given; nothing is checked here.
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
    /// The retry schedule, the first attempt included.
    case scheduled = 1
    /// A manual redelivery, or a recovery of failed deliveries.
    case manual = 2
  }

  /// The delivery this attempt belongs to.
  package var deliveryID: String
  /// The delivery's webhook.
  package var webhookID: String
  /// The delivery's event.
  package var eventID: String
  /// The event's type.
  package var eventType: String
  /// The attempt's number within its delivery, from 1.
  package var number: Int
  /// Whether the retry schedule or a manual redelivery started it.
  package var trigger: Trigger
  /// When the attempt started, in milliseconds since 1970 (UTC).
  package var attemptedAtMs: Int64
  /// 0 when no response arrived.
  package var httpStatus: Int
  /// Milliseconds from the attempt's start to its outcome, the target guard's check included.
  package var latencyMs: Int
  /// The first 1 KiB of the response body.
  package var responseExcerpt: String
  /// Why it failed (a transport or guard reason, or `HTTP <status>`); empty when it succeeded.
  package var error: String
  /// Whether the response was a 2xx.
  package var succeeded: Bool

  /// An attempt with every field given; nothing is checked here.
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
  /// The fraction by which each nonzero delay is spread either way (0.2: ±20 %); 0 for none.
  package var jitter: Double

  /// A schedule of `delays`, each nonzero one spread by ±`jitter`.
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
