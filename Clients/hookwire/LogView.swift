import HookwireClient

/// How event log entries and delivery attempts are printed.
enum LogView {
  /// An entry's columns: which webhook, which event, where it stands, when.
  static let entryColumns = ["WEBHOOK", "EVENT", "TYPE", "STATUS", "ATTEMPTS", "CREATED", "LAST ATTEMPT", "NEXT ATTEMPT", "HTTP", "ERROR"]

  /// Every field of an entry; times as RFC 3339.
  static func entryJSON(_ e: EventLogEntry) -> Output.JSON {
    .object(entryPairs(e))
  }

  /// An entry's fields, for objects that add their own.
  static func entryPairs(_ e: EventLogEntry) -> [(String, Output.JSON)] {
    [
      ("delivery_id", .string(e.deliveryID)), ("webhook_id", .string(e.webhookID)), ("event_id", .string(e.eventID)),
      ("event_type", .string(e.eventType)), ("status", .string(e.status.schemaName)), ("attempts", .number(Int64(e.attempts))),
      ("created_at", .time(e.createdAtMs)), ("last_attempt_at", .time(e.lastAttemptAtMs)), ("next_attempt_at", .time(e.nextAttemptAtMs)),
      ("last_http_status", e.lastHTTPStatus == 0 ? .null : .number(Int64(e.lastHTTPStatus))), ("last_error", .optional(e.lastError)),
      ("webhook_deleted_at", e.webhookDeletedAtMs == 0 ? .null : .time(e.webhookDeletedAtMs)),
    ]
  }

  /// What a list says of an entry's deleted webhook.
  static func deletedNotice(_ e: EventLogEntry) -> String {
    let when = TimeText.format(e.webhookDeletedAtMs).map { " at \($0)" } ?? ""
    return "webhook \(e.webhookID) was deleted\(when): its log is kept until retention removes it; nothing more is delivered to it"
  }

  /// When the next attempt is due, for the statuses that have one.
  static func next(_ e: EventLogEntry) -> String {
    switch e.status {
    case .pending, .retrying: TimeText.format(e.nextAttemptAtMs) ?? ""
    case .held: "held"
    default: ""
    }
  }

  /// When the delivery of a tailed attempt is tried next, as the attempt says.
  static func next(_ a: DeliveryAttempt) -> String {
    switch a.deliveryStatus {
    case .pending, .retrying: TimeText.format(a.nextAttemptAtMs) ?? ""
    case .held: "held"
    default: ""
    }
  }

  /// An entry's cells, in `entryColumns` order.
  static func entryRow(_ e: EventLogEntry) -> [String] {
    [
      e.webhookID, e.eventID, e.eventType, e.status.schemaName.lowercased(), String(e.attempts), TimeText.format(e.createdAtMs) ?? "",
      TimeText.format(e.lastAttemptAtMs) ?? "", next(e), e.lastHTTPStatus == 0 ? "" : String(e.lastHTTPStatus), e.lastError,
    ]
  }

  /// An attempt's columns; a tail adds where the delivery stands after it.
  static let attemptColumns = ["TIME", "WEBHOOK", "EVENT", "TYPE", "ATTEMPT", "TRIGGER", "RESULT", "HTTP", "LATENCY", "ERROR"]

  /// Every field of an attempt; times as RFC 3339.
  static func attemptPairs(_ a: DeliveryAttempt) -> [(String, Output.JSON)] {
    [
      ("delivery_id", .string(a.deliveryID)), ("webhook_id", .string(a.webhookID)), ("event_id", .string(a.eventID)),
      ("event_type", .string(a.eventType)), ("attempt", .number(Int64(a.attemptNumber))), ("trigger", .string(a.trigger.schemaName)),
      ("attempted_at", .time(a.attemptedAtMs)), ("http_status", a.httpStatus == 0 ? .null : .number(Int64(a.httpStatus))),
      ("latency_ms", .number(Int64(a.latencyMs))), ("succeeded", .bool(a.succeeded)), ("error", .optional(a.error)),
      ("response_excerpt", .string(a.responseExcerpt)),
    ]
  }

  /// An attempt's cells, in `attemptColumns` order.
  static func attemptRow(_ a: DeliveryAttempt) -> [String] {
    [
      TimeText.format(a.attemptedAtMs) ?? "", a.webhookID, a.eventID, a.eventType, "#\(a.attemptNumber)", a.trigger.schemaName.lowercased(),
      a.succeeded ? "ok" : "failed", a.httpStatus == 0 ? "" : String(a.httpStatus), "\(a.latencyMs)ms", a.error,
    ]
  }
}
