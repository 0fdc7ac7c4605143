import CPostgres
import HookwireStore

/// How PostgreSQL's failures become `StoreError`s, in one place.
///
/// | SQLSTATE | code |
/// | --- | --- |
/// | class 23 (integrity: 23505 unique, 23503 foreign key, 23502 not null, 23514 check) | `.constraint` |
/// | 40001 serialization failure, 40P01 deadlock | `.retryable` |
/// | class 08 (connection), 57P01–57P03 (shutdown, cannot connect now), class 53 (out of resources) | `.unavailable` |
/// | a connection that libpq reports lost (no SQLSTATE) | `.unavailable` |
/// | anything else | `.internal` |
///
/// The message is the server's primary message and the SQLSTATE; never the
/// DETAIL (it spells out key values) and, for data exceptions (class 22,
/// whose messages quote the offending input), with every quoted value cut.
package enum PostgresErrorMapping {
  /// The code for `sqlState`.
  package static func code(forSQLState sqlState: String) -> StoreError.Code {
    if sqlState.hasPrefix("23") { return .constraint }
    if sqlState == "40001" || sqlState == "40P01" { return .retryable }
    if sqlState.hasPrefix("08") || sqlState.hasPrefix("53") || ["57P01", "57P02", "57P03"].contains(sqlState) {
      return .unavailable
    }
    return .internal
  }

  /// The server's primary message, safe to show: values quoted by a data
  /// exception are cut, and the whole is at most 300 characters.
  package static func safeMessage(_ primary: String, sqlState: String) -> String {
    var message = primary
    if sqlState.hasPrefix("22") {
      var cut = ""
      var quoted = false
      for character in primary {
        if character == "\"" {
          cut += quoted ? "…\"" : "\""
          quoted.toggle()
        } else if !quoted {
          cut.append(character)
        }
      }
      message = cut
      // "invalid byte sequence for encoding "UTF8": 0x00" ends in the bytes themselves.
      if sqlState == "22021", let colon = message.range(of: ": 0x", options: .backwards) {
        message = String(message[..<colon.lowerBound])
      }
    }
    if message.count > 300 { message = String(message.prefix(300)) + "…" }
    return "\(message) (SQLSTATE \(sqlState))"
  }

  /// The error for a failed `result` (nil when libpq had none to give).
  static func error(result: OpaquePointer?, connection: OpaquePointer) -> StoreError {
    if let result, let state = field(result, "C") {
      return StoreError(code(forSQLState: state), safeMessage(field(result, "M") ?? "failed", sqlState: state))
    }
    let message = clientMessage(connection)
    if PQstatus(connection) != CONNECTION_OK {
      return StoreError(.unavailable, "the connection to the database was lost: \(message)")
    }
    return StoreError(.internal, message)
  }

  /// libpq's own message for the connection, on one line (libpq speaks of
  /// hosts and sockets here, never of parameters).
  static func clientMessage(_ connection: OpaquePointer) -> String {
    let text = PQerrorMessage(connection).map { String(cString: $0) } ?? ""
    let line = text.split(whereSeparator: \.isNewline).map { $0.trimmingPrefix(" ") }.joined(separator: " ")
    let trimmed = line.isEmpty ? "no reason given" : line
    return trimmed.count > 300 ? String(trimmed.prefix(300)) + "…" : trimmed
  }

  private static func field(_ result: OpaquePointer, _ code: Unicode.Scalar) -> String? {
    PQresultErrorField(result, Int32(code.value)).map { String(cString: $0) }
  }
}
