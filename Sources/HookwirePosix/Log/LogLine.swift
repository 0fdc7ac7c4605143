/// The text of one log line, in either format. Whatever a message or field
/// holds, the line stays one line: line breaks, quotes, backslashes and
/// every other control character are escaped, bytes that were not UTF-8 were
/// already replaced with U+FFFD when they became a `String`, and messages
/// and values are cut to a bound, so a value a client chose cannot break a
/// line or grow it without limit.
package enum LogLine {
  /// The longest message written, in UTF-8 bytes.
  package static let maxMessageBytes = 4_096
  /// The longest field value written, in UTF-8 bytes.
  package static let maxValueBytes = 1_024

  /// The line (without its newline) for an event at `timeMs` (milliseconds since 1970, UTC).
  package static func make(
    _ format: LogFormat, timeMs: Int64, level: LogLevel, message: String, fields: [LogField]
  ) -> String {
    switch format {
    case .text: text(timeMs: timeMs, level: level, message: message, fields: fields)
    case .json: json(timeMs: timeMs, level: level, message: message, fields: fields)
    }
  }

  /// `TIME LEVEL message key=value …`, a value quoted when it is empty or
  /// holds a space, `"`, `=`, `\` or anything escaped.
  package static func text(timeMs: Int64, level: LogLevel, message: String, fields: [LogField]) -> String {
    var line = timestamp(ms: timeMs)
    line += " "
    line += level.description.uppercased()
    line += " "
    line += body(message: message, fields: fields)
    return line
  }

  /// `message key=value …`: a text line without its time and level.
  package static func body(message: String, fields: [LogField]) -> String {
    var line = ""
    escapeText(bounded(message, toUTF8Bytes: maxMessageBytes), quoted: false, into: &line)
    for field in fields {
      line += " "
      escapeText(field.key, quoted: false, into: &line)
      line += "="
      switch field.value {
      case .integer(let number): line += String(number)
      case .string(let text):
        let value = bounded(text, toUTF8Bytes: maxValueBytes)
        if needsQuotes(value) {
          line += "\""
          escapeText(value, quoted: true, into: &line)
          line += "\""
        } else {
          line += value
        }
      }
    }
    return line
  }

  /// `{"time":…,"level":…,"msg":…,<fields>}`: the keys in that order, the
  /// fields in the order given, numbers bare.
  package static func json(timeMs: Int64, level: LogLevel, message: String, fields: [LogField]) -> String {
    var line = "{\"time\":\""
    line += timestamp(ms: timeMs)
    line += "\",\"level\":\""
    line += level.description
    line += "\",\"msg\":\""
    escapeJSON(bounded(message, toUTF8Bytes: maxMessageBytes), into: &line)
    line += "\""
    for field in fields {
      line += ",\""
      escapeJSON(field.key, into: &line)
      line += "\":"
      switch field.value {
      case .integer(let number): line += String(number)
      case .string(let text):
        line += "\""
        escapeJSON(bounded(text, toUTF8Bytes: maxValueBytes), into: &line)
        line += "\""
      }
    }
    line += "}"
    return line
  }

  /// RFC 3339 in UTC with milliseconds, e.g. `2026-12-03T14:26:44.123Z`.
  package static func timestamp(ms: Int64) -> String {
    let (seconds, milliseconds) = floorDivision(ms, 1_000)
    let (days, secondOfDay) = floorDivision(seconds, 86_400)
    // Days since 1970-01-01 to a civil date (proleptic Gregorian), after
    // Howard Hinnant's `civil_from_days`.
    let shifted = days + 719_468
    let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
    let dayOfEra = shifted - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let monthIndex = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
    let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
    let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
    return padded(year, 4) + "-" + padded(month, 2) + "-" + padded(day, 2) + "T" + padded(secondOfDay / 3_600, 2) + ":"
      + padded(secondOfDay / 60 % 60, 2) + ":" + padded(secondOfDay % 60, 2) + "." + padded(milliseconds, 3) + "Z"
  }

  /// `text` cut to at most `limit` UTF-8 bytes on a scalar boundary, ending
  /// with "…" when it was cut (the ellipsis counts toward `limit`).
  package static func bounded(_ text: String, toUTF8Bytes limit: Int) -> String {
    let bytes = text.utf8
    guard bytes.count > limit else { return text }
    let ellipsis = "…"
    guard limit >= ellipsis.utf8.count else { return "" }
    var end = bytes.index(bytes.startIndex, offsetBy: limit - ellipsis.utf8.count)
    // Step back over continuation bytes (10xxxxxx) to the start of a scalar.
    while end > bytes.startIndex && bytes[end] & 0xC0 == 0x80 { end = bytes.index(before: end) }
    return String(decoding: bytes[..<end], as: UTF8.self) + ellipsis
  }

  // MARK: - Escaping

  /// Whether a scalar is written as an escape in either format: C0 and C1
  /// controls, DEL, and the Unicode line and paragraph separators (which
  /// some viewers break lines at).
  private static func isEscaped(_ scalar: Unicode.Scalar) -> Bool {
    let value = scalar.value
    return value < 0x20 || (0x7F...0x9F).contains(value) || value == 0x2028 || value == 0x2029
  }

  private static func needsQuotes(_ value: String) -> Bool {
    value.isEmpty || value.unicodeScalars.contains { $0 == " " || $0 == "\"" || $0 == "=" || $0 == "\\" || isEscaped($0) || $0.properties.isWhitespace }
  }

  private static func escapeText(_ text: String, quoted: Bool, into line: inout String) {
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\n": line += "\\n"
      case "\r": line += "\\r"
      case "\t": line += "\\t"
      case "\"" where quoted: line += "\\\""
      case "\\" where quoted: line += "\\\\"
      default:
        if isEscaped(scalar) { appendUnicodeEscape(scalar, into: &line) } else { line.unicodeScalars.append(scalar) }
      }
    }
  }

  private static func escapeJSON(_ text: String, into line: inout String) {
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": line += "\\\""
      case "\\": line += "\\\\"
      case "\n": line += "\\n"
      case "\r": line += "\\r"
      case "\t": line += "\\t"
      default:
        if isEscaped(scalar) { appendUnicodeEscape(scalar, into: &line) } else { line.unicodeScalars.append(scalar) }
      }
    }
  }

  /// `\u00XX`: every escaped scalar is in the Basic Multilingual Plane.
  private static func appendUnicodeEscape(_ scalar: Unicode.Scalar, into line: inout String) {
    let hex = String(scalar.value, radix: 16)
    line += "\\u" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
  }

  private static func padded(_ number: Int64, _ width: Int) -> String {
    let digits = String(number)
    return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
  }

  private static func floorDivision(_ value: Int64, _ divisor: Int64) -> (Int64, Int64) {
    let quotient = value / divisor - (value % divisor < 0 ? 1 : 0)
    return (quotient, value - quotient * divisor)
  }
}
