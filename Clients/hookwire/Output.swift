import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Where and how commands print: data on standard output (an aligned
/// table on a terminal, tab-separated lines when piped, JSON Lines with
/// `--json`), notices, hints and errors on standard error.
struct Output: Sendable {
  /// Whether standard output is a terminal (`isatty(1)`).
  var isTerminal: Bool
  /// Whether `--json` was given.
  var json = false

  /// Output for this process's standard output.
  init(json: Bool = false) {
    isTerminal = isatty(STDOUT_FILENO) == 1
    self.json = json
  }

  /// A JSON value, written compactly on one line.
  enum JSON: Sendable {
    case string(String)
    case number(Int64)
    case bool(Bool)
    case null
    case array([JSON])
    case object([(String, JSON)])

    /// A time as RFC 3339 with milliseconds, or null for 0 ("never", "not set").
    static func time(_ ms: Int64) -> JSON { TimeText.format(ms, fraction: true).map { .string($0) } ?? .null }

    /// The text, empty strings as null.
    static func optional(_ text: String) -> JSON { text.isEmpty ? .null : .string(text) }

    /// The value as compact JSON text.
    var text: String {
      switch self {
      case .string(let value): Self.quote(value)
      case .number(let value): String(value)
      case .bool(let value): value ? "true" : "false"
      case .null: "null"
      case .array(let values): "[" + values.map(\.text).joined(separator: ",") + "]"
      case .object(let pairs): "{" + pairs.map { Self.quote($0.0) + ":" + $0.1.text }.joined(separator: ",") + "}"
      }
    }

    /// `value` as a JSON string.
    static func quote(_ value: String) -> String {
      var result = "\""
      for scalar in value.unicodeScalars {
        switch scalar {
        case "\"": result += "\\\""
        case "\\": result += "\\\\"
        case "\n": result += "\\n"
        case "\r": result += "\\r"
        case "\t": result += "\\t"
        case _ where scalar.value < 0x20: result += String(format: "\\u%04x", scalar.value)
        default: result.unicodeScalars.append(scalar)
        }
      }
      return result + "\""
    }
  }

  /// Writes one line to standard output.
  func line(_ text: String) {
    Swift.print(text)
  }

  /// Writes a JSON object as one line.
  func json(_ pairs: KeyValuePairs<String, JSON>) {
    Swift.print(JSON.object(pairs.map { ($0.key, $0.value) }).text)
  }

  /// Writes one JSON value as one line.
  func json(_ value: JSON) { Swift.print(value.text) }

  /// Writes `text` to standard error after `hookwire: `.
  func error(_ text: String) {
    FileHandle.standardError.write(Data("hookwire: \(text)\n".utf8))
  }

  /// Writes a notice (a hint, a count) to standard error as it is.
  func notice(_ text: String) {
    FileHandle.standardError.write(Data("\(text)\n".utf8))
  }

  /// Says how to get the next page: `more: --page-token TOKEN`, on
  /// standard output after a table on a terminal, on standard error when
  /// output is piped or JSON, so what a script reads stays records only.
  func more(_ token: String) {
    guard !token.isEmpty else { return }
    let text = "more: --page-token \(token)"
    if isTerminal && !json { line(text) } else { notice(text) }
  }

  /// Prints `table`: aligned with a header on a terminal, tab-separated
  /// without a header when piped. An empty table on a terminal says
  /// `empty` on standard error instead (no results is not a failure).
  func table(_ table: Table, empty: String) {
    if table.rows.isEmpty {
      if isTerminal { notice(empty) }
      return
    }
    for text in table.lines(aligned: isTerminal) { line(text) }
  }

  /// Flushes standard output (after each streamed line).
  func flush() { fflush(nil) }
}
