/// An event as a service publishes it.
package struct NewEvent: Sendable, Equatable {
  /// The business unit the event happened in.
  package var buID: Int64
  /// The programme of that unit the event concerns; nil for an event of the unit as a whole.
  package var programmeID: String?
  /// The event type, a name from `EventCatalogue`.
  package var type: String
  /// The payload, one JSON value, delivered as the body's `data`.
  package var payloadJSON: String
  /// The caller's event id, or empty for one to be assigned.
  package var eventID: String
  /// A key that makes publishing idempotent, or empty.
  package var idempotencyKey: String

  /// A new event with every field given; nothing is checked here.
  package init(buID: Int64, programmeID: String?, type: String, payloadJSON: String, eventID: String, idempotencyKey: String) {
    self.buID = buID
    self.programmeID = programmeID
    self.type = type
    self.payloadJSON = payloadJSON
    self.eventID = eventID
    self.idempotencyKey = idempotencyKey
  }
}

/// What publishing one event did.
package struct PublishResult: Sendable, Equatable {
  /// The event as stored (for a duplicate, the one stored first).
  package var event: Event
  /// True when the event (by id or idempotency key) existed already.
  package var duplicate: Bool
  /// Deliveries created (0 for a duplicate).
  package var deliveries: Int

  /// A result with every field given.
  package init(event: Event, duplicate: Bool, deliveries: Int) {
    self.event = event
    self.duplicate = duplicate
    self.deliveries = deliveries
  }
}

/// What publishing a test event did: the event and its one delivery.
package struct TestPublishResult: Sendable, Equatable {
  /// The event as stored.
  package var event: Event
  /// Its only delivery, to the webhook named: pending, or held while the webhook is paused or disabled.
  package var delivery: Delivery

  /// A result with every field given.
  package init(event: Event, delivery: Delivery) {
    self.event = event
    self.delivery = delivery
  }
}

/// A delivery that is due, with what the sender needs.
package struct DueDelivery: Sendable, Equatable {
  /// The delivery to attempt.
  package var delivery: Delivery
  /// The webhook's payload URL, which the attempt POSTs to.
  package var payloadURL: String
  /// The event's payload, the body's `data`.
  package var payloadJSON: String
  /// When the event was published, in milliseconds since 1970 (UTC); the body's timestamp.
  package var publishedAtMs: Int64
  /// The webhook's signing secret, sealed as stored; the engine opens it only to sign.
  package var encryptedSecret: [UInt8]
  /// Set when a manual redelivery asked for this attempt.
  package var manual: Bool

  /// A due delivery with every field given.
  package init(delivery: Delivery, payloadURL: String, payloadJSON: String, publishedAtMs: Int64, encryptedSecret: [UInt8], manual: Bool) {
    self.delivery = delivery
    self.payloadURL = payloadURL
    self.payloadJSON = payloadJSON
    self.publishedAtMs = publishedAtMs
    self.encryptedSecret = encryptedSecret
    self.manual = manual
  }
}

/// Filters of an event-log listing.
package struct LogFilter: Sendable, Equatable {
  /// Only deliveries in this status; nil for any.
  package var status: DeliveryStatus?
  /// Only deliveries of this event type; nil for any.
  package var eventType: String?
  /// Only deliveries created at or after this time (milliseconds since 1970, UTC); nil for no lower bound.
  package var sinceMs: Int64?
  /// Only deliveries created before this time (milliseconds since 1970, UTC); nil for no upper bound.
  package var untilMs: Int64?

  /// A filter; a nil field matches every delivery.
  package init(status: DeliveryStatus? = nil, eventType: String? = nil, sinceMs: Int64? = nil, untilMs: Int64? = nil) {
    self.status = status
    self.eventType = eventType
    self.sinceMs = sinceMs
    self.untilMs = untilMs
  }
}

/// Events, their deliveries and every attempt: the event log.
package protocol EventStore: Sendable {
  /// Stores the events and one delivery per webhook `FanOut` matches, in
  /// one transaction; a repeated event id or idempotency key returns the first.
  func publish(_ events: [NewEvent], publisher: String, nowMs: Int64) async throws -> [PublishResult]
  /// Stores `event` under a new id (its `eventID` and `idempotencyKey` are
  /// not used: each test is a new event) and exactly one delivery of it, to
  /// the webhook `webhookID` alone, in one transaction. No fan-out: other
  /// webhooks subscribed to the type get nothing. The delivery starts as
  /// `FanOut.initialStatus` says for the webhook's state read in that
  /// transaction. NOT_FOUND when the webhook does not exist or is deleted;
  /// whether the caller may use the webhook, and the type, are the caller's
  /// to check first.
  func publishTest(_ event: NewEvent, webhookID: String, publisher: String, nowMs: Int64) async throws -> TestPublishResult
  /// Deliveries due at `nowMs` whose webhook is active, oldest first,
  /// skipping `excluding` (already being attempted).
  func dueDeliveries(nowMs: Int64, limit: Int, excluding: Set<String>) async throws -> [DueDelivery]
  /// The earliest time a delivery of an active webhook is due, if any.
  func nextDueMs() async throws -> Int64?
  /// Logs an attempt and moves the delivery to `status`, next due at
  /// `nextAttemptAtMs`; returns since when the webhook has been failing
  /// without a success in between (nil after a success).
  ///
  /// The log holds one entry per attempt number, in number order: an
  /// attempt recorded again with a number already logged replaces that
  /// entry, and the delivery shows what the last report said. The number
  /// is the attempt's identity (the engine numbers an attempt from the
  /// attempts logged before it, so a report repeated, or a send that was
  /// made again after its first report could not be stored, carries the
  /// same one); appending would log one attempt twice and make the log's
  /// length disagree with the delivery's attempt count, and refusing would
  /// fail a delivery over its own report.
  func record(_ attempt: DeliveryAttempt, status: DeliveryStatus, nextAttemptAtMs: Int64) async throws -> Int64?
  /// Removes finished deliveries, their attempts, and events left without
  /// deliveries, created before `cutoffMs`; returns the deliveries removed.
  func prune(before cutoffMs: Int64) async throws -> Int
  /// Holds (paused), releases (resumed) or cancels (deleted) a webhook's open deliveries.
  func setOpenDeliveries(ofWebhook webhookID: String, to status: DeliveryStatus, nowMs: Int64) async throws -> Int
  /// A webhook's event log, newest first; a deleted webhook's too, until
  /// `prune` removes its deliveries.
  func deliveries(ofWebhook webhookID: String, filter: LogFilter, pageSize: Int, pageToken: String) async throws -> Page<Delivery>
  /// One event for one webhook, with the event and every attempt.
  func eventLog(webhookID: String, eventID: String) async throws -> (Delivery, Event, [DeliveryAttempt])?
  /// One delivery by its id, as it stands now.
  func delivery(id: String) async throws -> Delivery?
  /// The deliveries whose event id is `eventID`, and the delivery whose own
  /// id it is (a receiver knows a delivery by its `webhook-id` header),
  /// within the business units given, in delivery id order.
  func search(eventID: String, buIDs: Reach, pageSize: Int, pageToken: String) async throws -> Page<Delivery>
  /// Schedules an immediate manual attempt of a delivery, and records its
  /// audit event (`AuditEvent.redelivered`) in the same transaction; a
  /// delivery held, or of a webhook that is paused or disabled, is held
  /// instead (released when the webhook is resumed). NOT_FOUND for none, or
  /// a cancelled one.
  func redeliver(webhookID: String, eventID: String, nowMs: Int64, audit: AuditContext) async throws -> Delivery
  /// Schedules again every failed delivery of a webhook created since
  /// `sinceMs`, as manual attempts due now (held instead while the webhook
  /// is paused or disabled), and records its audit event
  /// (`AuditEvent.recovered`, even when none was scheduled) in the same
  /// transaction. Returns how many.
  func recoverFailed(webhookID: String, sinceMs: Int64, nowMs: Int64, audit: AuditContext) async throws -> Int
}

/// Attempts as `EventStore.record` logs them, for live tails: whoever
/// sends deliveries provides it (the delivery engine), and the event-log
/// use cases read it without knowing who that is.
package protocol DeliveryAttemptFeed: Sendable {
  /// Calls `observer` with every attempt (and its business unit) as it is
  /// logged; returns a token for `removeObserver`.
  func addObserver(_ observer: @escaping @Sendable (DeliveryAttempt, Int64) -> Void) -> Int
  /// Stops calling an observer.
  func removeObserver(_ id: Int)
}

/// Event ids are one namespace across publishers.
package enum EventIDs {
  /// Another publisher's event id: ALREADY_EXISTS, and that event is never
  /// returned (its payload belongs to the other publisher).
  package static func taken(_ id: String) -> DomainError {
    DomainError(.conflict, "event id \(DomainError.echo(id)) is taken by another publisher")
  }
}

/// Which webhooks an event is delivered to, and in what status each
/// delivery starts. The SQLite store applies the same rule in one query
/// (`SQLiteEventStore.publishOne`); the in-memory store calls these; the
/// store contract suite holds both to it.
package enum FanOut {
  /// Whether `webhook` receives `event`: it is subscribed to the type and
  /// it is a global webhook of the event's unit, an all-BU webhook whose
  /// owner reaches the unit (`ownerReach`, nil when the owner is unknown),
  /// or a programme webhook of the event's programme.
  package static func receives(_ webhook: Webhook, _ event: NewEvent, ownerReach: Reach?) -> Bool {
    guard webhook.events.contains(event.type) else { return false }
    switch webhook.kind {
    case .programme: return webhook.programmeID != nil && webhook.programmeID == event.programmeID
    case .global where !webhook.allBUs: return webhook.buID == event.buID
    case .global: return ownerReach?.contains(event.buID) ?? false
    }
  }

  /// A new delivery's status: pending for an active webhook, held while it
  /// is paused or disabled (released when it is resumed).
  package static func initialStatus(whenWebhookIs state: Webhook.State) -> DeliveryStatus {
    state == .active ? .pending : .held
  }
}
