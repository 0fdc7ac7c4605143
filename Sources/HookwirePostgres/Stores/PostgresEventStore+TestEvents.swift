import HookwireCrypto
import HookwireDomain
import HookwireStore

/// Test events: one event and one delivery, to one webhook, in one transaction.
extension PostgresEventStore {
  package func publishTest(_ new: NewEvent, webhookID: String, publisher: String, nowMs: Int64) async throws -> TestPublishResult {
    try await database.write { connection in
      // FOR SHARE: a pause or delete of the webhook committing meanwhile
      // waits for this transaction, so the state read is the state the
      // delivery starts from (a pause after it holds the delivery).
      let found = try connection.query(
        "SELECT state FROM webhooks WHERE id = $1 AND deleted_at_ms IS NULL FOR SHARE", .text(webhookID))
      guard let row = found.first else { throw DomainError(.notFound, "webhook \(DomainError.echo(webhookID)) does not exist") }
      let status = FanOut.initialStatus(whenWebhookIs: Webhook.State(storedCode: try row.int(0)))
      let event = Event(
        id: "evt_" + Crypto.randomToken(26), buID: new.buID, programmeID: new.programmeID, type: new.type, payloadJSON: new.payloadJSON,
        publishedAtMs: nowMs, idempotencyKey: "")
      let delivery = Delivery(
        id: DeliveryIDs.next(nowMs: nowMs), webhookID: webhookID, eventID: event.id, eventType: event.type, buID: event.buID,
        status: status, attempts: 0, createdAtMs: nowMs, lastAttemptAtMs: 0, nextAttemptAtMs: nowMs, lastHTTPStatus: 0, lastError: "")
      try connection.query("""
        WITH event AS (
          INSERT INTO events (id, bu_id, programme_id, event_type, payload_json, published_at_ms, idempotency_key, publisher)
          VALUES ($1, $2, $3, $4, $5, $6, '', $7) RETURNING id)
        INSERT INTO deliveries (id, webhook_id, event_id, event_type, bu_id, status, attempts, created_at_ms,
          last_attempt_at_ms, next_attempt_at_ms, last_http_status, last_error, manual)
        SELECT $8, $9, event.id, $4, $2, $10, 0, $6, 0, $6, 0, '', false FROM event
        """,
        .text(event.id), .integer(event.buID), event.programmeID.map(PostgresValue.text) ?? .null, .text(event.type),
        .text(event.payloadJSON), .integer(nowMs), .text(publisher), .text(delivery.id), .text(webhookID),
        .integer(status.rawValue))
      return TestPublishResult(event: event, delivery: delivery)
    }
  }
}
