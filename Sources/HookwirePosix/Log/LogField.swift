/// One named value a log line carries beside its message, such as the call
/// id or the peer. Values are bounded when written (`LogLine.maxValueBytes`);
/// whatever a client sent (a method name, a peer's words) is escaped, never
/// trusted. Secrets never go in a field: callers give ids, prefixes and codes.
public struct LogField: Sendable, Equatable {
  /// What a field holds: text (quoted in JSON) or a whole number (bare).
  public enum Value: Sendable, Equatable {
    /// Text, escaped when written.
    case string(String)
    /// A whole number.
    case integer(Int64)
  }

  /// The field's name: lowercase, words joined by `_`, e.g. `call_id`.
  public let key: String
  /// The field's value.
  public let value: Value

  /// A text field.
  public init(_ key: String, _ value: String) {
    self.key = key
    self.value = .string(value)
  }

  /// A number field.
  public init(_ key: String, _ value: some BinaryInteger) {
    self.key = key
    self.value = .integer(Int64(clamping: value))
  }
}

extension LogField {
  /// The longest method name logged, in UTF-8 bytes: a client may send any path.
  public static let maxMethodBytes = 160

  /// The call's id (`<process>-<connection>-<call>`), which the caller also
  /// sees in an INTERNAL or UNKNOWN status message.
  public static func callID(_ id: String) -> LogField { LogField("call_id", id) }

  /// The method path as the client sent it, cut to `maxMethodBytes`.
  public static func method(_ path: String) -> LogField { LogField("method", LogLine.bounded(path, toUTF8Bytes: maxMethodBytes)) }

  /// A call's final status code, by its gRPC name.
  public static func status(_ name: String) -> LogField { LogField("status", name) }

  /// The partner whose key made the call.
  public static func partnerID(_ id: Int64) -> LogField { LogField("partner_id", id) }

  /// The partner a global partner acts as.
  public static func actingAs(_ id: Int64) -> LogField { LogField("acting_as", id) }

  /// The public prefix of the API key that made the call, never the key.
  public static func keyPrefix(_ prefix: String) -> LogField { LogField("key_prefix", prefix) }

  /// An internal service that made the call.
  public static func service(_ name: String) -> LogField { LogField("service", name) }

  /// The service identity whose client certificate made the call, as `cert:<id>`.
  public static func credential(_ label: String) -> LogField { LogField("credential", label) }

  /// A webhook's id.
  public static func webhookID(_ id: String) -> LogField { LogField("webhook_id", id) }

  /// A delivery's id.
  public static func deliveryID(_ id: String) -> LogField { LogField("delivery_id", id) }

  /// An event's id, the same for every webhook it reaches.
  public static func eventID(_ id: String) -> LogField { LogField("event_id", id) }

  /// A delivery attempt's number: 1 for the first.
  public static func attempt(_ number: Int) -> LogField { LogField("attempt", number) }

  /// What a delivery attempt came to, by the name its metrics label uses
  /// (`success`, `http_4xx`, `timeout`, `refused_target`…).
  public static func outcome(_ name: String) -> LogField { LogField("outcome", name) }

  /// The HTTP status a delivery's endpoint answered, 0 when none came.
  public static func httpStatus(_ status: Int) -> LogField { LogField("http_status", status) }

  /// How long something took, in milliseconds.
  public static func durationMs(_ milliseconds: Int64) -> LogField { LogField("duration_ms", milliseconds) }

  /// The host a delivery went to: never its path, query, user or password.
  public static func host(_ name: String) -> LogField { LogField("host", name) }

  /// How many things an event was about (deliveries pruned, attempts not recorded).
  public static func count(_ number: Int) -> LogField { LogField("count", number) }

  /// Why something was done, e.g. why a webhook was disabled.
  public static func reason(_ text: String) -> LogField { LogField("reason", text) }

  /// How long something pauses, in milliseconds.
  public static func pauseMs(_ milliseconds: Int64) -> LogField { LogField("pause_ms", milliseconds) }

  /// The address a connection came from.
  public static func peer(_ address: String) -> LogField { LogField("peer", address) }

  /// What went wrong, in the words of the failing part (bounded when written).
  public static func error(_ description: String) -> LogField { LogField("error", description) }
}
