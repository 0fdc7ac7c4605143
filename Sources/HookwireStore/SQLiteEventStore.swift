import HookwireCrypto
import HookwireDomain
import Synchronization

/// Delivery ids that sort in creation order (fixed-width base-36 time and
/// sequence, then randomness), so "newest first" is exact even within a
/// millisecond. Every store that creates deliveries takes its ids here.
package enum DeliveryIDs {
  private static let sequence = Atomic<UInt64>(UInt64.random(in: 0..<1_000_000))

  /// A new delivery id for a delivery created at `nowMs`.
  package static func next(nowMs: Int64) -> String {
    let count = sequence.add(1, ordering: .relaxed).newValue % 78_364_164_096  // 36^7
    return "dlv_" + padded(UInt64(max(0, nowMs)), 9) + padded(count, 7) + Crypto.randomToken(10)
  }

  /// Whether `id` may be a delivery id: every one starts with `dlv_`, so
  /// a search by any other id looks up events alone.
  package static func mayName(_ id: String) -> Bool { id.hasPrefix("dlv_") }

  static func padded(_ value: UInt64, _ width: Int) -> String {
    let digits = String(value, radix: 36)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
  }
}

/// Events, deliveries and attempts on SQLite. Publishing writes an event and
/// its deliveries in one transaction, so an acknowledged publish is durable
/// with every delivery it owes.
package final class SQLiteEventStore: EventStore {
  let database: Database

  /// A store on `database` (migrated with `DatabaseMigrations.migrations`).
  package init(database: Database) { self.database = database }

  package func publish(_ events: [NewEvent], publisher: String, nowMs: Int64) async throws -> [PublishResult] {
    try await database.write { db in try events.map { try Self.publishOne($0, publisher: publisher, nowMs: nowMs, db) } }
  }

  static func publishOne(_ new: NewEvent, publisher: String, nowMs: Int64, _ db: SQLiteConnection) throws -> PublishResult {
    if let existing = try existingEvent(new, publisher: publisher, db) {
      return PublishResult(event: existing, duplicate: true, deliveries: 0)
    }
    let id = new.eventID.isEmpty ? "evt_" + Crypto.randomToken(26) : new.eventID
    let event = Event(
      id: id, buID: new.buID, programmeID: new.programmeID, type: new.type, payloadJSON: new.payloadJSON, publishedAtMs: nowMs,
      idempotencyKey: new.idempotencyKey)
    try db.prepare("""
      INSERT INTO events (id, bu_id, programme_id, event_type, payload_json, published_at_ms, idempotency_key, publisher)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?)
      """).bind(
        .text(id), .integer(new.buID), new.programmeID.map(SQLValue.text) ?? .null, .text(new.type), .text(new.payloadJSON),
        .integer(nowMs), .text(new.idempotencyKey), .text(publisher)
      ).run()
    // `FanOut.receives` in one query: global webhooks of the unit, all-unit
    // webhooks whose owner reaches it, programme webhooks of the programme;
    // subscribed; not deleted.
    let matches = try db.prepare("""
      SELECT w.id, w.state FROM webhooks w
      WHERE w.deleted_at_ms IS NULL AND instr(',' || w.events || ',', ',' || ?1 || ',') > 0 AND (
        (w.kind = \(SQLCode.of(Webhook.Kind.global)) AND w.all_bus = 0 AND w.bu_id = ?2)
        OR (w.kind = \(SQLCode.of(Webhook.Kind.global)) AND w.all_bus = 1 AND EXISTS (
          SELECT 1 FROM partners p WHERE p.id = w.partner_id AND (p.all_bus = 1
            OR EXISTS (SELECT 1 FROM partner_reach r WHERE r.partner_id = p.id AND r.bu_id = ?2))))
        OR (w.kind = \(SQLCode.of(Webhook.Kind.programme)) AND w.programme_id = ?3))
      """).bind(.text(new.type), .integer(new.buID), new.programmeID.map(SQLValue.text) ?? .text("\u{0}"))
    var targets: [(String, Webhook.State)] = []
    while try matches.step() { targets.append((matches.text(0), Webhook.State(storedCode: matches.int(1)))) }
    let insert = try db.prepare("""
      INSERT INTO deliveries (id, webhook_id, event_id, event_type, bu_id, status, attempts, created_at_ms,
        last_attempt_at_ms, next_attempt_at_ms, last_http_status, last_error, manual)
      VALUES (?, ?, ?, ?, ?, ?, 0, ?, 0, ?, 0, '', 0)
      """)
    for (webhookID, state) in targets {
      let status = FanOut.initialStatus(whenWebhookIs: state)
      insert.reset()
      try insert.bind(
        .text(DeliveryIDs.next(nowMs: nowMs)), .text(webhookID), .text(id), .text(new.type), .integer(new.buID),
        .integer(status.rawValue), .integer(nowMs), .integer(nowMs)
      ).run()
    }
    return PublishResult(event: event, duplicate: false, deliveries: targets.count)
  }

  package func publishTest(_ new: NewEvent, webhookID: String, publisher: String, nowMs: Int64) async throws -> TestPublishResult {
    try await database.write { db in
      let webhook = try db.prepare("SELECT state FROM webhooks WHERE id = ? AND deleted_at_ms IS NULL").bind(.text(webhookID))
      guard try webhook.step() else { throw DomainError(.notFound, "webhook \(DomainError.echo(webhookID)) does not exist") }
      let status = FanOut.initialStatus(whenWebhookIs: Webhook.State(storedCode: webhook.int(0)))
      let event = Event(
        id: "evt_" + Crypto.randomToken(26), buID: new.buID, programmeID: new.programmeID, type: new.type, payloadJSON: new.payloadJSON,
        publishedAtMs: nowMs, idempotencyKey: "")
      try db.prepare("""
        INSERT INTO events (id, bu_id, programme_id, event_type, payload_json, published_at_ms, idempotency_key, publisher)
        VALUES (?, ?, ?, ?, ?, ?, '', ?)
        """).bind(
          .text(event.id), .integer(event.buID), event.programmeID.map(SQLValue.text) ?? .null, .text(event.type), .text(event.payloadJSON),
          .integer(nowMs), .text(publisher)
        ).run()
      let delivery = Delivery(
        id: DeliveryIDs.next(nowMs: nowMs), webhookID: webhookID, eventID: event.id, eventType: event.type, buID: event.buID,
        status: status, attempts: 0, createdAtMs: nowMs, lastAttemptAtMs: 0, nextAttemptAtMs: nowMs, lastHTTPStatus: 0, lastError: "")
      try db.prepare("""
        INSERT INTO deliveries (id, webhook_id, event_id, event_type, bu_id, status, attempts, created_at_ms,
          last_attempt_at_ms, next_attempt_at_ms, last_http_status, last_error, manual)
        VALUES (?, ?, ?, ?, ?, ?, 0, ?, 0, ?, 0, '', 0)
        """).bind(
          .text(delivery.id), .text(webhookID), .text(event.id), .text(event.type), .integer(event.buID), .integer(status.rawValue),
          .integer(nowMs), .integer(nowMs)
        ).run()
      return TestPublishResult(event: event, delivery: delivery)
    }
  }

  static func existingEvent(_ new: NewEvent, publisher: String, _ db: SQLiteConnection) throws -> Event? {
    if !new.eventID.isEmpty, let event = try loadEvent(db, where: "id = ?", [.text(new.eventID)]) {
      let owner = try db.prepare("SELECT publisher FROM events WHERE id = ?").bind(.text(new.eventID))
      guard try owner.step(), owner.text(0) == publisher else { throw EventIDs.taken(new.eventID) }
      return event
    }
    if !new.idempotencyKey.isEmpty {
      return try loadEvent(db, where: "publisher = ? AND idempotency_key = ?", [.text(publisher), .text(new.idempotencyKey)])
    }
    return nil
  }

  static func loadEvent(_ db: SQLiteConnection, where condition: String, _ values: [SQLValue]) throws -> Event? {
    let row = try db.prepare(
      "SELECT id, bu_id, programme_id, event_type, payload_json, published_at_ms, idempotency_key FROM events WHERE \(condition)"
    ).bind(values)
    guard try row.step() else { return nil }
    return Event(
      id: row.text(0), buID: row.int(1), programmeID: row.isNull(2) ? nil : row.text(2), type: row.text(3),
      payloadJSON: row.text(4), publishedAtMs: row.int(5), idempotencyKey: row.text(6))
  }

  /// A delivery's columns in `Delivery`'s order, from the table aliased `d`
  /// (the same in every SQL store's schema).
  package static let deliveryColumns = """
    d.id, d.webhook_id, d.event_id, d.event_type, d.bu_id, d.status, d.attempts, d.created_at_ms,
    d.last_attempt_at_ms, d.next_attempt_at_ms, d.last_http_status, d.last_error
    """

  static func decodeDelivery(_ row: Statement, from start: Int32 = 0) -> Delivery {
    Delivery(
      id: row.text(start), webhookID: row.text(start + 1), eventID: row.text(start + 2), eventType: row.text(start + 3),
      buID: row.int(start + 4), status: DeliveryStatus(storedCode: row.int(start + 5)), attempts: Int(row.int(start + 6)),
      createdAtMs: row.int(start + 7), lastAttemptAtMs: row.int(start + 8), nextAttemptAtMs: row.int(start + 9),
      lastHTTPStatus: Int(row.int(start + 10)), lastError: row.text(start + 11))
  }

  package func dueDeliveries(nowMs: Int64, limit: Int, excluding: Set<String>) async throws -> [DueDelivery] {
    try await database.read { db in
      let rows = try db.prepare("""
        SELECT \(Self.deliveryColumns), w.payload_url, e.payload_json, e.published_at_ms, w.secret, d.manual
        FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id JOIN events e ON e.id = d.event_id
        WHERE d.status IN \(SQLCode.list(DeliveryStatus.due)) AND d.next_attempt_at_ms <= ? AND w.state = \(SQLCode.of(Webhook.State.active)) AND w.deleted_at_ms IS NULL
        ORDER BY d.next_attempt_at_ms LIMIT ?
        """).bind(.integer(nowMs), .integer(Int64(limit + excluding.count)))
      var due: [DueDelivery] = []
      while try rows.step(), due.count < limit {
        let delivery = Self.decodeDelivery(rows)
        if excluding.contains(delivery.id) { continue }
        due.append(DueDelivery(
          delivery: delivery, payloadURL: rows.text(12), payloadJSON: rows.text(13), publishedAtMs: rows.int(14),
          encryptedSecret: rows.blob(15), manual: rows.int(16) != 0))
      }
      return due
    }
  }

  package func nextDueMs() async throws -> Int64? {
    try await database.read { db in
      let row = try db.prepare("""
        SELECT min(d.next_attempt_at_ms) FROM deliveries d JOIN webhooks w ON w.id = d.webhook_id
        WHERE d.status IN \(SQLCode.list(DeliveryStatus.due)) AND w.state = \(SQLCode.of(Webhook.State.active)) AND w.deleted_at_ms IS NULL
        """)
      guard try row.step(), !row.isNull(0) else { return nil }
      return row.int(0)
    }
  }

  package func record(_ attempt: DeliveryAttempt, status: DeliveryStatus, nextAttemptAtMs: Int64) async throws -> Int64? {
    try await database.write { db in
      try db.prepare("""
        INSERT OR REPLACE INTO attempts (delivery_id, attempt_number, trigger, attempted_at_ms, http_status, latency_ms,
          response_excerpt, error, succeeded) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        """).bind(
          .text(attempt.deliveryID), .integer(Int64(attempt.number)), .integer(attempt.trigger.rawValue), .integer(attempt.attemptedAtMs),
          .integer(Int64(attempt.httpStatus)), .integer(Int64(attempt.latencyMs)), .text(attempt.responseExcerpt), .text(attempt.error),
          .integer(attempt.succeeded ? 1 : 0)
        ).run()
      // A delivery cancelled or held meanwhile keeps that status, unless the
      // attempt succeeded.
      try db.prepare("""
        UPDATE deliveries SET attempts = ?, last_attempt_at_ms = ?, last_http_status = ?, last_error = ?, manual = 0,
          status = CASE WHEN status IN \(SQLCode.list([.held, .cancelled])) AND ? != \(SQLCode.of(.succeeded)) THEN status ELSE ? END, next_attempt_at_ms = ?
        WHERE id = ?
        """).bind(
          .integer(Int64(attempt.number)), .integer(attempt.attemptedAtMs), .integer(Int64(attempt.httpStatus)), .text(attempt.error),
          .integer(status.rawValue), .integer(status.rawValue), .integer(nextAttemptAtMs), .text(attempt.deliveryID)
        ).run()
      if attempt.succeeded {
        try db.prepare("DELETE FROM webhook_failures WHERE webhook_id = ?").bind(.text(attempt.webhookID)).run()
        return nil
      }
      try db.prepare("INSERT OR IGNORE INTO webhook_failures (webhook_id, failing_since_ms) VALUES (?, ?)")
        .bind(.text(attempt.webhookID), .integer(attempt.attemptedAtMs)).run()
      let row = try db.prepare("SELECT failing_since_ms FROM webhook_failures WHERE webhook_id = ?").bind(.text(attempt.webhookID))
      return try row.step() ? row.int(0) : nil
    }
  }

  package func prune(before cutoffMs: Int64) async throws -> Int {
    var removed = 0
    // In batches, so the writer is never held for long.
    while true {
      let batch = try await database.write { db -> Int in
        let ids = try db.prepare(
          "SELECT id FROM deliveries WHERE created_at_ms < ? AND status IN \(SQLCode.list(DeliveryStatus.finished)) LIMIT 2000"
        ).bind(.integer(cutoffMs))
        var found: [String] = []
        while try ids.step() { found.append(ids.text(0)) }
        let deleteAttempts = try db.prepare("DELETE FROM attempts WHERE delivery_id = ?")
        let deleteDelivery = try db.prepare("DELETE FROM deliveries WHERE id = ?")
        for id in found {
          deleteAttempts.reset()
          try deleteAttempts.bind(.text(id)).run()
          deleteDelivery.reset()
          try deleteDelivery.bind(.text(id)).run()
        }
        try db.prepare("DELETE FROM events WHERE id IN (SELECT e.id FROM events e WHERE e.published_at_ms < ? AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.event_id = e.id) LIMIT 2000)")
          .bind(.integer(cutoffMs)).run()
        return found.count
      }
      removed += batch
      if batch < 2000 { return removed }
    }
  }

  package func setOpenDeliveries(ofWebhook webhookID: String, to status: DeliveryStatus, nowMs: Int64) async throws -> Int {
    try await database.write { db in
      switch status {
      case .held:
        try db.prepare("UPDATE deliveries SET status = \(SQLCode.of(.held)) WHERE webhook_id = ? AND status IN \(SQLCode.list(DeliveryStatus.due))").bind(.text(webhookID)).run()
      case .pending:
        try db.prepare("UPDATE deliveries SET status = \(SQLCode.of(.pending)), next_attempt_at_ms = ? WHERE webhook_id = ? AND status = \(SQLCode.of(.held))")
          .bind(.integer(nowMs), .text(webhookID)).run()
      default:
        try db.prepare("UPDATE deliveries SET status = ? WHERE webhook_id = ? AND status IN \(SQLCode.list(DeliveryStatus.open))")
          .bind(.integer(status.rawValue), .text(webhookID)).run()
      }
      return db.changes
    }
  }

  package func deliveries(ofWebhook webhookID: String, filter: LogFilter, pageSize: Int, pageToken: String) async throws -> Page<Delivery> {
    let size = try Paging.size(pageSize)
    let after = try Self.logCursor(fromToken: pageToken)
    return try await database.read { db in
      var sql = "SELECT \(Self.deliveryColumns) FROM deliveries d WHERE d.webhook_id = ?"
      var values: [SQLValue] = [.text(webhookID)]
      if let status = filter.status {
        sql += " AND d.status = ?"
        values.append(.integer(status.rawValue))
      }
      if let type = filter.eventType {
        sql += " AND d.event_type = ?"
        values.append(.text(type))
      }
      if let since = filter.sinceMs {
        sql += " AND d.created_at_ms >= ?"
        values.append(.integer(since))
      }
      if let until = filter.untilMs {
        sql += " AND d.created_at_ms < ?"
        values.append(.integer(until))
      }
      if let after {
        sql += " AND (d.created_at_ms, d.id) < (?, ?)"
        values += [.integer(after.0), .text(after.1)]
      }
      sql += " ORDER BY d.created_at_ms DESC, d.id DESC LIMIT ?"
      values.append(.integer(Int64(size + 1)))
      let rows = try db.prepare(sql).bind(values)
      var items: [Delivery] = []
      while try rows.step() { items.append(Self.decodeDelivery(rows)) }
      return Page(items: Array(items.prefix(size)), hasMore: items.count > size, tokenAfter: Self.logToken(after:))
    }
  }

  /// Where a webhook's event log (newest first) continues: the creation
  /// time and id of the last delivery shown; nil for the first page.
  ///
  /// - Throws: `DomainError` `.invalid` for a token no store issued.
  package static func logCursor(fromToken token: String) throws -> (createdAtMs: Int64, id: String)? {
    guard let text = try Paging.value(fromToken: token) else { return nil }
    let parts = text.split(separator: "|", maxSplits: 1)
    guard parts.count == 2, let time = Int64(parts[0]) else { throw DomainError(.invalid, "the page token is not one this server issued") }
    return (time, String(parts[1]))
  }

  /// The token of the event-log page that follows `last`.
  package static func logToken(after last: Delivery) -> String { Paging.token(after: "\(last.createdAtMs)|\(last.id)") }

  package func eventLog(webhookID: String, eventID: String) async throws -> (Delivery, Event, [DeliveryAttempt])? {
    try await database.read { db in
      let row = try db.prepare("SELECT \(Self.deliveryColumns) FROM deliveries d WHERE d.webhook_id = ? AND d.event_id = ?")
        .bind(.text(webhookID), .text(eventID))
      guard try row.step() else { return nil }
      let delivery = Self.decodeDelivery(row)
      guard let event = try Self.loadEvent(db, where: "id = ?", [.text(eventID)]) else { return nil }
      let rows = try db.prepare("""
        SELECT attempt_number, trigger, attempted_at_ms, http_status, latency_ms, response_excerpt, error, succeeded
        FROM attempts WHERE delivery_id = ? ORDER BY attempt_number
        """).bind(.text(delivery.id))
      var attempts: [DeliveryAttempt] = []
      while try rows.step() {
        attempts.append(DeliveryAttempt(
          deliveryID: delivery.id, webhookID: webhookID, eventID: eventID, eventType: delivery.eventType, number: Int(rows.int(0)),
          trigger: DeliveryAttempt.Trigger(rawValue: rows.int(1)) ?? .scheduled, attemptedAtMs: rows.int(2),
          httpStatus: Int(rows.int(3)), latencyMs: Int(rows.int(4)), responseExcerpt: rows.text(5), error: rows.text(6),
          succeeded: rows.int(7) != 0))
      }
      return (delivery, event, attempts)
    }
  }

  package func delivery(id: String) async throws -> Delivery? {
    try await database.read { db in
      let row = try db.prepare("SELECT \(Self.deliveryColumns) FROM deliveries d WHERE d.id = ?").bind(.text(id))
      return try row.step() ? Self.decodeDelivery(row) : nil
    }
  }

  package func search(eventID: String, buIDs: Reach, pageSize: Int, pageToken: String) async throws -> Page<Delivery> {
    let size = try Paging.size(pageSize)
    let after = try Paging.value(fromToken: pageToken) ?? ""
    return try await database.read { db in
      // The event's deliveries, and the delivery of that id when it may be one: each side has its index.
      let match = DeliveryIDs.mayName(eventID) ? "(d.event_id = ?1 OR d.id = ?1)" : "d.event_id = ?1"
      var sql = "SELECT \(Self.deliveryColumns) FROM deliveries d WHERE \(match) AND d.id > ?2"
      var values: [SQLValue] = [.text(eventID), .text(after)]
      if case .units(let units) = buIDs {
        if units.isEmpty { return Page(items: [], nextToken: "") }
        sql += " AND d.bu_id IN (\(units.map { _ in "?" }.joined(separator: ",")))"
        values += units.sorted().map { .integer($0) }
      }
      sql += " ORDER BY d.id LIMIT ?"
      values.append(.integer(Int64(size + 1)))
      let rows = try db.prepare(sql).bind(values)
      var items: [Delivery] = []
      while try rows.step() { items.append(Self.decodeDelivery(rows)) }
      return Page(items: Array(items.prefix(size)), hasMore: items.count > size) { Paging.token(after: $0.id) }
    }
  }

  package func redeliver(webhookID: String, eventID: String, nowMs: Int64, audit: AuditContext) async throws -> Delivery {
    try await database.write { db in
      let select = "SELECT \(Self.deliveryColumns) FROM deliveries d WHERE d.webhook_id = ? AND d.event_id = ?"
      let found = try db.prepare(select).bind(.text(webhookID), .text(eventID))
      let before = try found.step() ? Self.decodeDelivery(found) : nil
      try db.prepare("""
        UPDATE deliveries
        SET status = CASE WHEN status = \(SQLCode.of(.held)) OR \(Self.webhookHolds) THEN \(SQLCode.of(.held)) ELSE \(SQLCode.of(.retrying)) END,
          next_attempt_at_ms = ?, manual = 1
        WHERE webhook_id = ? AND event_id = ? AND status != \(SQLCode.of(.cancelled))
        """).bind(.integer(nowMs), .text(webhookID), .text(eventID)).run()
      guard db.changes == 1 else { throw DomainError(.notFound, "no delivery of event \(eventID) to webhook \(webhookID)") }
      let row = try db.prepare("SELECT \(Self.deliveryColumns) FROM deliveries d WHERE d.webhook_id = ? AND d.event_id = ?")
        .bind(.text(webhookID), .text(eventID))
      _ = try row.step()
      let after = Self.decodeDelivery(row)
      try SQLiteAuditStore.record(.redelivered(before ?? after, after, in: audit), in: db)
      return after
    }
  }

  package func recoverFailed(webhookID: String, sinceMs: Int64, nowMs: Int64, audit: AuditContext) async throws -> Int {
    try await database.write { db in
      try db.prepare("""
        UPDATE deliveries SET status = CASE WHEN \(Self.webhookHolds) THEN \(SQLCode.of(.held)) ELSE \(SQLCode.of(.retrying)) END,
          next_attempt_at_ms = ?, manual = 1
        WHERE webhook_id = ? AND status = \(SQLCode.of(.failed)) AND created_at_ms >= ?
        """).bind(.integer(nowMs), .text(webhookID), .integer(sinceMs)).run()
      let scheduled = db.changes
      try SQLiteAuditStore.record(.recovered(sinceMs: sinceMs, scheduled: scheduled, in: audit), in: db)
      return scheduled
    }
  }

  /// True when the webhook of the `deliveries` row being changed holds its
  /// deliveries (`FanOut.initialStatus`: paused or disabled).
  static let webhookHolds = """
    EXISTS (SELECT 1 FROM webhooks w WHERE w.id = deliveries.webhook_id AND w.state != \(SQLCode.of(Webhook.State.active)))
    """
}
