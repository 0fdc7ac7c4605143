import HookwireDomain
import HookwireStore

/// The event log: a webhook's deliveries, one event's log, one delivery,
/// search, one attempt as another server announced it, and redelivery and
/// recovery (held while the webhook is paused or disabled).
extension PostgresEventStore {
  package func deliveries(ofWebhook webhookID: String, filter: LogFilter, pageSize: Int, pageToken: String) async throws -> Page<Delivery> {
    let size = try Paging.size(pageSize)
    let after = try SQLiteEventStore.logCursor(fromToken: pageToken)
    var sql = "SELECT \(SQLiteEventStore.deliveryColumns) FROM deliveries d WHERE d.webhook_id = $1"
    var values: [PostgresValue] = [.text(webhookID)]
    // Each condition names its parameter by the number it gets.
    func condition(_ value: PostgresValue, _ text: (Int) -> String) {
      values.append(value)
      sql += " AND " + text(values.count)
    }
    if let status = filter.status { condition(.integer(status.rawValue)) { "d.status = $\($0)" } }
    if let type = filter.eventType { condition(.text(type)) { "d.event_type = $\($0)" } }
    if let since = filter.sinceMs { condition(.integer(since)) { "d.created_at_ms >= $\($0)" } }
    if let until = filter.untilMs { condition(.integer(until)) { "d.created_at_ms < $\($0)" } }
    if let after {
      values.append(.integer(after.createdAtMs))
      condition(.text(after.id)) { "(d.created_at_ms, d.id) < ($\($0 - 1), $\($0))" }
    }
    values.append(.integer(Int64(size + 1)))
    sql += " ORDER BY d.created_at_ms DESC, d.id DESC LIMIT $\(values.count)"
    let (statement, parameters) = (sql, values)
    let items = try await database.read { connection in
      try connection.query(statement, parameters).map { try Self.decodeDelivery($0) }
    }
    return Page(items: Array(items.prefix(size)), hasMore: items.count > size, tokenAfter: SQLiteEventStore.logToken(after:))
  }

  package func eventLog(webhookID: String, eventID: String) async throws -> (Delivery, Event, [DeliveryAttempt])? {
    try await database.read { connection in
      let rows = try connection.query(
        "SELECT \(SQLiteEventStore.deliveryColumns) FROM deliveries d WHERE d.webhook_id = $1 AND d.event_id = $2",
        .text(webhookID), .text(eventID))
      guard let row = rows.first else { return nil }
      let delivery = try Self.decodeDelivery(row)
      guard let event = try Self.loadEvents(connection, where: "id = $1", [.text(eventID)]).first?.event else { return nil }
      let attempts = try connection.query(
        "SELECT \(Self.attemptColumns) FROM attempts a WHERE a.delivery_id = $1 ORDER BY a.attempt_number", .text(delivery.id))
      return (delivery, event, try attempts.map { try Self.decodeAttempt($0, of: delivery) })
    }
  }

  package func delivery(id: String) async throws -> Delivery? {
    try await database.read { connection in
      try connection.query("SELECT \(SQLiteEventStore.deliveryColumns) FROM deliveries d WHERE d.id = $1", .text(id)).first.map {
        try Self.decodeDelivery($0)
      }
    }
  }

  package func search(eventID: String, buIDs: Reach, pageSize: Int, pageToken: String) async throws -> Page<Delivery> {
    let size = try Paging.size(pageSize)
    let after = try Paging.value(fromToken: pageToken) ?? ""
    // The event's deliveries, and the delivery of that id when it may be one: each side has its index.
    let match = DeliveryIDs.mayName(eventID) ? "(d.event_id = $1 OR d.id = $1)" : "d.event_id = $1"
    var sql = "SELECT \(SQLiteEventStore.deliveryColumns) FROM deliveries d WHERE \(match) AND d.id > $2"
    var values: [PostgresValue] = [.text(eventID), .text(after)]
    if case .units(let units) = buIDs {
      if units.isEmpty { return Page(items: [], nextToken: "") }
      values.append(Self.integerArray(units.sorted()))
      sql += " AND d.bu_id = ANY($3::bigint[])"
    }
    values.append(.integer(Int64(size + 1)))
    sql += " ORDER BY d.id LIMIT $\(values.count)"
    let (statement, parameters) = (sql, values)
    let items = try await database.read { connection in
      try connection.query(statement, parameters).map { try Self.decodeDelivery($0) }
    }
    return Page(items: Array(items.prefix(size)), hasMore: items.count > size) { Paging.token(after: $0.id) }
  }

  package func redeliver(webhookID: String, eventID: String, nowMs: Int64, audit: AuditContext) async throws -> Delivery {
    try await database.write { connection in
      let before = try connection.query(
        "SELECT \(SQLiteEventStore.deliveryColumns) FROM deliveries d WHERE d.webhook_id = $1 AND d.event_id = $2 FOR UPDATE",
        .text(webhookID), .text(eventID)
      ).first.map { try Self.decodeDelivery($0) }
      let rows = try connection.query("""
        UPDATE deliveries d
        SET status = CASE WHEN d.status = \(SQLCode.of(.held)) OR \(Self.webhookHolds) THEN \(SQLCode.of(.held)) ELSE \(SQLCode.of(.retrying)) END,
          next_attempt_at_ms = $1, manual = true
        WHERE d.webhook_id = $2 AND d.event_id = $3 AND d.status <> \(SQLCode.of(.cancelled))
        RETURNING \(SQLiteEventStore.deliveryColumns)
        """, .integer(nowMs), .text(webhookID), .text(eventID))
      guard let row = rows.first else { throw DomainError(.notFound, "no delivery of event \(eventID) to webhook \(webhookID)") }
      let after = try Self.decodeDelivery(row)
      try PostgresAuditStore.record(.redelivered(before ?? after, after, in: audit), on: connection)
      return after
    }
  }

  package func recoverFailed(webhookID: String, sinceMs: Int64, nowMs: Int64, audit: AuditContext) async throws -> Int {
    try await database.write { connection in
      let scheduled = try connection.query("""
        UPDATE deliveries d
        SET status = CASE WHEN \(Self.webhookHolds) THEN \(SQLCode.of(.held)) ELSE \(SQLCode.of(.retrying)) END,
          next_attempt_at_ms = $1, manual = true
        WHERE d.webhook_id = $2 AND d.status = \(SQLCode.of(.failed)) AND d.created_at_ms >= $3
        """, .integer(nowMs), .text(webhookID), .integer(sinceMs)
      ).affectedRows
      try PostgresAuditStore.record(.recovered(sinceMs: sinceMs, scheduled: scheduled, in: audit), on: connection)
      return scheduled
    }
  }

  /// True when the webhook of the delivery `d` holds its deliveries
  /// (`FanOut.initialStatus`: paused or disabled).
  static let webhookHolds = """
    EXISTS (SELECT 1 FROM webhooks w WHERE w.id = d.webhook_id AND w.state <> \(SQLCode.of(Webhook.State.active)))
    """

  /// Attempt `number` of a delivery as logged, with the delivery's business
  /// unit: what another server's announcement (`PostgresChanges`,
  /// `attemptNotice`) names, for this server's live tails; nil when it is
  /// not in the log (pruned since, or never recorded).
  package func loggedAttempt(deliveryID: String, number: Int) async throws -> (attempt: DeliveryAttempt, buID: Int64)? {
    try await database.read { connection in
      let rows = try connection.query("""
        SELECT \(SQLiteEventStore.deliveryColumns), \(Self.attemptColumns)
        FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE a.delivery_id = $1 AND a.attempt_number = $2
        """, .text(deliveryID), .integer(Int64(number)))
      guard let row = rows.first else { return nil }
      let delivery = try Self.decodeDelivery(row)
      return (try Self.decodeAttempt(row, of: delivery, from: 12), delivery.buID)
    }
  }

  /// An attempt's columns in `decodeAttempt`'s order, from the table aliased `a`.
  static let attemptColumns = """
    a.attempt_number, a.trigger, a.attempted_at_ms, a.http_status, a.latency_ms, a.response_excerpt, a.error, a.succeeded
    """

  /// The delivery in `SQLiteEventStore.deliveryColumns`, from column `start`.
  static func decodeDelivery(_ row: PostgresRow, from start: Int = 0) throws -> Delivery {
    Delivery(
      id: try row.text(start), webhookID: try row.text(start + 1), eventID: try row.text(start + 2), eventType: try row.text(start + 3),
      buID: try row.int(start + 4), status: DeliveryStatus(storedCode: try row.int(start + 5)), attempts: Int(try row.int(start + 6)),
      createdAtMs: try row.int(start + 7), lastAttemptAtMs: try row.int(start + 8), nextAttemptAtMs: try row.int(start + 9),
      lastHTTPStatus: Int(try row.int(start + 10)), lastError: try row.text(start + 11))
  }

  /// An attempt of `delivery` in `attemptColumns`, from column `start`.
  static func decodeAttempt(_ row: PostgresRow, of delivery: Delivery, from start: Int = 0) throws -> DeliveryAttempt {
    DeliveryAttempt(
      deliveryID: delivery.id, webhookID: delivery.webhookID, eventID: delivery.eventID, eventType: delivery.eventType,
      number: Int(try row.int(start)), trigger: DeliveryAttempt.Trigger(rawValue: try row.int(start + 1)) ?? .scheduled,
      attemptedAtMs: try row.int(start + 2), httpStatus: Int(try row.int(start + 3)), latencyMs: Int(try row.int(start + 4)),
      responseExcerpt: try row.text(start + 5), error: try row.text(start + 6), succeeded: try row.bool(start + 7))
  }

  /// Events matching `condition` (over `events`, with `$n` parameters), each with its publisher.
  static func loadEvents(_ connection: PostgresConnection, where condition: String, _ values: [PostgresValue]) throws -> [(
    event: Event, publisher: String
  )] {
    try connection.query(
      "SELECT id, bu_id, programme_id, event_type, payload_json, published_at_ms, idempotency_key, publisher FROM events WHERE \(condition)",
      values
    ).map { row in
      let event = Event(
        id: try row.text(0), buID: try row.int(1), programmeID: try row.optionalText(2), type: try row.text(3),
        payloadJSON: try row.text(4), publishedAtMs: try row.int(5), idempotencyKey: try row.text(6))
      return (event, try row.text(7))
    }
  }
}
