/// The byte classes of RFC 9110 and RFC 9112 that the parser and the writer share.
enum HTTPSyntax {
  static let lf: UInt8 = 0x0A
  static let cr: UInt8 = 0x0D
  static let space: UInt8 = 0x20
  static let tab: UInt8 = 0x09
  static let colon: UInt8 = 0x3A
  static let semicolon: UInt8 = 0x3B
  static let comma: UInt8 = 0x2C

  /// A `tchar` of RFC 9110 §5.6.2: the bytes a field name or a token may hold.
  static func isTokenByte(_ b: UInt8) -> Bool {
    switch b {
    case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
      return true
    case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"), UInt8(ascii: "'"),
      UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "^"), UInt8(ascii: "_"),
      UInt8(ascii: "`"), UInt8(ascii: "|"), UInt8(ascii: "~"):
      return true
    default:
      return false
    }
  }

  /// A byte a field value may hold (RFC 9110 §5.5): visible ASCII, space,
  /// tab and obs-text; never NUL, CR, LF or other controls.
  static func isFieldValueByte(_ b: UInt8) -> Bool {
    b == tab || (b >= 0x20 && b != 0x7F)
  }

  /// Whether `b` is optional whitespace (space or tab).
  static func isWhitespace(_ b: UInt8) -> Bool { b == space || b == tab }

  /// `b` with ASCII upper case letters folded to lower case.
  static func lowercased(_ b: UInt8) -> UInt8 {
    b >= UInt8(ascii: "A") && b <= UInt8(ascii: "Z") ? b | 0x20 : b
  }

  /// Whether two strings are equal ignoring ASCII case (header names, tokens).
  static func equalsIgnoringCase(_ a: String, _ b: String) -> Bool {
    let x = a.utf8
    let y = b.utf8
    return x.count == y.count && zip(x, y).allSatisfy { lowercased($0) == lowercased($1) }
  }

  /// The comma-separated elements of a list-valued field, trimmed, empty ones dropped.
  static func listElements(_ value: String) -> [Substring] {
    value.split(separator: ",").map { $0.trimmingWhitespace() }.filter { !$0.isEmpty }
  }
}

extension Substring {
  /// The substring without leading and trailing spaces and tabs.
  func trimmingWhitespace() -> Substring {
    var s = self
    while let f = s.first, f == " " || f == "\t" { s.removeFirst() }
    while let l = s.last, l == " " || l == "\t" { s.removeLast() }
    return s
  }
}
