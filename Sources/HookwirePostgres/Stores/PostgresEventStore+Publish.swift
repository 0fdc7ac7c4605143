import HookwireCrypto
import HookwireDomain
import HookwireStore

/// Publishing: a whole batch in one transaction and a few statements
/// (look up, insert and fan out, insert deliveries), whatever its size.
///
/// Idempotency across servers rests on the unique indexes: events go in
/// with `ON CONFLICT DO NOTHING`, so of two servers inserting the same id
/// or (publisher, key) at once, the second waits for the first to commit
/// and inserts nothing; it then reads the winner, as a duplicate, and
/// fans out nothing. (This needs the writer's READ COMMITTED, PostgreSQL's
/// default: each statement reads what committed before it began.)
extension PostgresEventStore {
  package func publish(_ events: [NewEvent], publisher: String, nowMs: Int64) async throws -> [PublishResult] {
    guard !events.isEmpty else { return [] }
    return try await database.write { connection in try Self.publish(events, publisher: publisher, nowMs: nowMs, connection) }
  }

  /// What one event of a batch turned out to be.
  private enum Outcome {
    /// New: the event at this index of the batch's inserts.
    case new(Int)
    /// Stored before this batch (or by another server meanwhile).
    case existing(Event)
  }

  private static func publish(_ events: [NewEvent], publisher: String, nowMs: Int64, _ connection: PostgresConnection) throws -> [PublishResult] {
    let found = try existingEvents(events, publisher: publisher, connection)
    // Decide each event in order, as if published one at a time: an id or
    // key stored before, or seen earlier in the batch, is a duplicate.
    var inserts: [Event] = []
    var outcomes: [Outcome] = []
    var batchIDs: [String: Int] = [:]
    var batchKeys: [String: Int] = [:]
    for new in events {
      if !new.eventID.isEmpty, let stored = found.byID[new.eventID] {
        guard stored.publisher == publisher else { throw EventIDs.taken(new.eventID) }
        outcomes.append(.existing(stored.event))
      } else if !new.eventID.isEmpty, let index = batchIDs[new.eventID] {
        outcomes.append(.new(index))
      } else if !new.idempotencyKey.isEmpty, let stored = found.byKey[new.idempotencyKey] {
        outcomes.append(.existing(stored))
      } else if !new.idempotencyKey.isEmpty, let index = batchKeys[new.idempotencyKey] {
        outcomes.append(.new(index))
      } else {
        let event = Event(
          id: new.eventID.isEmpty ? "evt_" + Crypto.randomToken(26) : new.eventID, buID: new.buID, programmeID: new.programmeID,
          type: new.type, payloadJSON: new.payloadJSON, publishedAtMs: nowMs, idempotencyKey: new.idempotencyKey)
        batchIDs[event.id] = inserts.count
        if !new.idempotencyKey.isEmpty { batchKeys[new.idempotencyKey] = inserts.count }
        outcomes.append(.new(inserts.count))
        inserts.append(event)
      }
    }
    let targets = try insertAndFanOut(inserts, publisher: publisher, connection)
    // An insert another server's commit beat between our look-up and our
    // insert: that event is the one stored.
    var lost: [Int: Event] = [:]
    for (index, event) in inserts.enumerated() where targets[event.id] == nil {
      lost[index] = try winner(of: event, publisher: publisher, connection)
    }
    var deliveries: [(id: String, webhookID: String, event: Event, status: DeliveryStatus)] = []
    for event in inserts {
      for (webhookID, state) in targets[event.id] ?? [] {
        deliveries.append((DeliveryIDs.next(nowMs: nowMs), webhookID, event, FanOut.initialStatus(whenWebhookIs: state)))
      }
    }
    if !deliveries.isEmpty {
      try connection.query("""
        INSERT INTO deliveries (id, webhook_id, event_id, event_type, bu_id, status, attempts, created_at_ms,
          last_attempt_at_ms, next_attempt_at_ms, last_http_status, last_error, manual)
        SELECT i, w, e, t, b, s, 0, $7, 0, $7, 0, '', false
        FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[]) AS x(i, w, e, t, b, s)
        """,
        textArray(deliveries.map(\.id)), textArray(deliveries.map(\.webhookID)), textArray(deliveries.map(\.event.id)),
        textArray(deliveries.map(\.event.type)), integerArray(deliveries.map(\.event.buID)),
        integerArray(deliveries.map(\.status.rawValue)), .integer(nowMs))
    }
    var firsts: Set<Int> = []
    return outcomes.map { outcome in
      switch outcome {
      case .existing(let event):
        return PublishResult(event: event, duplicate: true, deliveries: 0)
      case .new(let index):
        if let event = lost[index] { return PublishResult(event: event, duplicate: true, deliveries: 0) }
        let event = inserts[index]
        guard firsts.insert(index).inserted else { return PublishResult(event: event, duplicate: true, deliveries: 0) }
        return PublishResult(event: event, duplicate: false, deliveries: targets[event.id]?.count ?? 0)
      }
    }
  }

  /// The stored events the batch's ids and keys name (one statement; none
  /// when the batch names no id and no key).
  private static func existingEvents(
    _ events: [NewEvent], publisher: String, _ connection: PostgresConnection
  ) throws -> (byID: [String: (event: Event, publisher: String)], byKey: [String: Event]) {
    let ids = events.map(\.eventID).filter { !$0.isEmpty }
    let keys = events.map(\.idempotencyKey).filter { !$0.isEmpty }
    guard !ids.isEmpty || !keys.isEmpty else { return ([:], [:]) }
    let stored = try loadEvents(
      connection, where: "id = ANY($1::text[]) OR (publisher = $2 AND idempotency_key = ANY($3::text[]) AND idempotency_key <> '')",
      [textArray(ids), .text(publisher), textArray(keys)])
    var byID: [String: (event: Event, publisher: String)] = [:]
    var byKey: [String: Event] = [:]
    for (event, owner) in stored {
      byID[event.id] = (event, owner)
      if owner == publisher && !event.idempotencyKey.isEmpty { byKey[event.idempotencyKey] = event }
    }
    return (byID, byKey)
  }

  /// Inserts the events that are new and returns, for each one inserted
  /// here, the webhooks `FanOut.receives` matches with their states (one
  /// statement). An event missing from the answer was not inserted: one
  /// with its id or key committed first.
  private static func insertAndFanOut(
    _ events: [Event], publisher: String, _ connection: PostgresConnection
  ) throws -> [String: [(String, Webhook.State)]] {
    guard let publishedAtMs = events.first?.publishedAtMs else { return [:] }
    let subscribed = "position(',' || ins.event_type || ',' IN ',' || w.events || ',') > 0"
    let global = SQLCode.of(Webhook.Kind.global)
    // `FanOut.receives` in one query: global webhooks of the unit, all-unit
    // webhooks whose owner reaches it, programme webhooks of the programme;
    // subscribed; not deleted. Each branch can use its own index.
    let rows = try connection.query("""
      WITH ins AS (
        INSERT INTO events (id, bu_id, programme_id, event_type, payload_json, published_at_ms, idempotency_key, publisher)
        SELECT i, b, p, t, j, $6, k, $8::text FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $7::text[])
          AS x(i, b, p, t, j, k)
        ON CONFLICT DO NOTHING
        RETURNING id, bu_id, programme_id, event_type)
      SELECT ins.id, m.id, m.state FROM ins LEFT JOIN LATERAL (
        SELECT w.id, w.state FROM webhooks w
        WHERE w.deleted_at_ms IS NULL AND w.kind = \(global) AND NOT w.all_bus AND w.bu_id = ins.bu_id AND \(subscribed)
        UNION ALL
        SELECT w.id, w.state FROM webhooks w
        WHERE w.deleted_at_ms IS NULL AND w.kind = \(global) AND w.all_bus AND \(subscribed) AND EXISTS (
          SELECT 1 FROM partners p WHERE p.id = w.partner_id AND (p.all_bus
            OR EXISTS (SELECT 1 FROM partner_reach r WHERE r.partner_id = p.id AND r.bu_id = ins.bu_id)))
        UNION ALL
        SELECT w.id, w.state FROM webhooks w
        WHERE ins.programme_id IS NOT NULL AND w.deleted_at_ms IS NULL AND w.kind = \(SQLCode.of(Webhook.Kind.programme))
          AND w.programme_id = ins.programme_id AND \(subscribed)
      ) m ON true
      """,
      textArray(events.map(\.id)), integerArray(events.map(\.buID)), textArray(events.map(\.programmeID)),
      textArray(events.map(\.type)), textArray(events.map(\.payloadJSON)), .integer(publishedAtMs),
      textArray(events.map(\.idempotencyKey)), .text(publisher))
    var targets: [String: [(String, Webhook.State)]] = [:]
    for row in rows {
      let eventID = try row.text(0)
      var matched = targets[eventID] ?? []
      if let webhookID = try row.optionalText(1) { matched.append((webhookID, Webhook.State(storedCode: try row.int(2)))) }
      targets[eventID] = matched
    }
    return targets
  }

  /// The event stored in place of `event`, which lost the race to insert:
  /// the one with its id (another publisher's is ALREADY_EXISTS), else the
  /// one with its key.
  private static func winner(of event: Event, publisher: String, _ connection: PostgresConnection) throws -> Event {
    if let stored = try loadEvents(connection, where: "id = $1", [.text(event.id)]).first {
      guard stored.publisher == publisher else { throw EventIDs.taken(event.id) }
      return stored.event
    }
    if !event.idempotencyKey.isEmpty,
      let stored = try loadEvents(connection, where: "publisher = $1 AND idempotency_key = $2", [.text(publisher), .text(event.idempotencyKey)]).first
    {
      return stored.event
    }
    throw StoreError(.retryable, "event \(event.id) was published concurrently and is gone again; publish it again")
  }

  /// A `text[]` parameter (cast it: `$1::text[]`); nil elements are NULL.
  static func textArray(_ values: [String?]) -> PostgresValue {
    var literal: [UInt8] = [UInt8(ascii: "{")]
    literal.reserveCapacity(values.reduce(2) { $0 + ($1?.utf8.count ?? 4) + 3 })
    for (index, value) in values.enumerated() {
      if index > 0 { literal.append(UInt8(ascii: ",")) }
      guard let value else {
        literal += Array("NULL".utf8)
        continue
      }
      literal.append(UInt8(ascii: "\""))
      for byte in value.utf8 {
        if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") { literal.append(UInt8(ascii: "\\")) }
        literal.append(byte)
      }
      literal.append(UInt8(ascii: "\""))
    }
    literal.append(UInt8(ascii: "}"))
    return .text(String(decoding: literal, as: UTF8.self))
  }

  /// A `text[]` parameter (cast it: `$1::text[]`).
  static func textArray(_ values: [String]) -> PostgresValue { textArray(values.map { Optional($0) }) }

  /// A `bigint[]` parameter (cast it: `$1::bigint[]`).
  static func integerArray(_ values: [Int64]) -> PostgresValue {
    .text("{" + values.map { String($0) }.joined(separator: ",") + "}")
  }
}
