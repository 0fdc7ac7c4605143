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

  /// The address a connection came from.
  public static func peer(_ address: String) -> LogField { LogField("peer", address) }

  /// What went wrong, in the words of the failing part (bounded when written).
  public static func error(_ description: String) -> LogField { LogField("error", description) }
}
