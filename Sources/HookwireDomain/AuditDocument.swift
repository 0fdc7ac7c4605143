/// A small JSON object with its keys in the order given: the before and
/// after of an audit event. Only the values an audit needs: text, integers,
/// booleans, lists of text and null.
package struct AuditDocument: Sendable, Equatable {
  /// One value of the object.
  package enum Value: Sendable, Equatable {
    /// A JSON string.
    case text(String)
    /// A JSON number (an integer).
    case integer(Int64)
    /// `true` or `false`.
    case bool(Bool)
    /// An array of strings.
    case texts([String])
    /// `null`.
    case null
  }

  /// The members, in order.
  package private(set) var members: [(String, Value)] = []

  /// An empty object.
  package init() {}

  /// The object with `key` set to `value` (appended; keys are the caller's to keep unique).
  package func with(_ key: String, _ value: Value) -> AuditDocument {
    var copy = self
    copy.members.append((key, value))
    return copy
  }

  /// Whether the object has no members.
  package var isEmpty: Bool { members.isEmpty }

  /// The object as JSON text (RFC 8259), or empty when it has no members.
  package var json: String {
    guard !members.isEmpty else { return "" }
    return "{" + members.map { "\(Self.quoted($0.0)):\(Self.render($0.1))" }.joined(separator: ",") + "}"
  }

  /// Whether both objects are written alike.
  package static func == (lhs: AuditDocument, rhs: AuditDocument) -> Bool { lhs.json == rhs.json }

  private static func render(_ value: Value) -> String {
    switch value {
    case .text(let text): quoted(text)
    case .integer(let number): String(number)
    case .bool(let flag): flag ? "true" : "false"
    case .texts(let texts): "[" + texts.map(quoted).joined(separator: ",") + "]"
    case .null: "null"
    }
  }

  /// `text` as a JSON string: quotes, backslashes and control characters escaped.
  static func quoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case _ where scalar.value < 0x20:
        let hex = String(scalar.value, radix: 16)
        out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }
}
