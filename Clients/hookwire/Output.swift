import Foundation

/// What commands print: text or JSON on standard output, errors on standard error.
struct Output {
  enum JSON {
    case string(String)
    case number(Int64)
    case bool(Bool)
    case array([JSON])
    case object([(String, JSON)])

    var text: String {
      switch self {
      case .string(let value): Self.quote(value)
      case .number(let value): String(value)
      case .bool(let value): value ? "true" : "false"
      case .array(let values): "[" + values.map(\.text).joined(separator: ",") + "]"
      case .object(let pairs): "{" + pairs.map { Self.quote($0.0) + ":" + $0.1.text }.joined(separator: ",") + "}"
      }
    }

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

  func line(_ text: String) { print(text) }

  func json(_ pairs: KeyValuePairs<String, JSON>) {
    print(JSON.object(pairs.map { ($0.key, $0.value) }).text)
  }

  func error(_ text: String) {
    FileHandle.standardError.write(Data("hookwire: \(text)\n".utf8))
  }
}
