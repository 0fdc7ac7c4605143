/// Walks JSON bytes by RFC 8259's grammar for `JSONValidator`; every
/// function consumes one production or throws where it breaks.
struct JSONScanner {
  typealias Failure = JSONValidator.Failure

  let bytes: [UInt8]
  let maxDepth: Int
  var position = 0

  init(bytes: [UInt8], maxDepth: Int) {
    self.bytes = bytes
    self.maxDepth = maxDepth
  }

  private var current: UInt8? { position < bytes.count ? bytes[position] : nil }

  private func fail(_ reason: String, at offset: Int? = nil) -> Failure {
    Failure(offset: offset ?? position, reason: reason)
  }

  /// `ws = *( %x20 / %x09 / %x0A / %x0D )`
  mutating func skipWhitespace() {
    while let byte = current, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { position += 1 }
  }

  mutating func value(depth: Int) throws(Failure) {
    guard let byte = current else { throw fail("the text ends where a value should be") }
    switch byte {
    case UInt8(ascii: "{"): try container(depth: depth, close: UInt8(ascii: "}"), members: true)
    case UInt8(ascii: "["): try container(depth: depth, close: UInt8(ascii: "]"), members: false)
    case UInt8(ascii: "\""): try string()
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
    case UInt8(ascii: "t"): try literal("true")
    case UInt8(ascii: "f"): try literal("false")
    case UInt8(ascii: "n"): try literal("null")
    default: throw fail("unexpected byte 0x\(String(byte, radix: 16)) where a value should be")
    }
  }

  /// An object (`members`) or an array, from its opening bracket.
  private mutating func container(depth: Int, close: UInt8, members: Bool) throws(Failure) {
    guard depth < maxDepth else { throw fail("nested deeper than \(maxDepth)") }
    position += 1
    skipWhitespace()
    if current == close {
      position += 1
      return
    }
    while true {
      if members {
        guard current == UInt8(ascii: "\"") else {
          throw fail(current == close ? "a trailing comma" : "an object key must be a string")
        }
        try string()
        skipWhitespace()
        guard current == UInt8(ascii: ":") else { throw fail("expected ':' after an object key") }
        position += 1
        skipWhitespace()
      }
      if !members && current == close { throw fail("a trailing comma") }
      try value(depth: depth + 1)
      skipWhitespace()
      switch current {
      case UInt8(ascii: ","):
        position += 1
        skipWhitespace()
      case close:
        position += 1
        return
      case nil: throw fail(members ? "the object is not closed" : "the array is not closed")
      default: throw fail(members ? "expected ',' or '}'" : "expected ',' or ']'")
      }
    }
  }

  private mutating func literal(_ word: String) throws(Failure) {
    let start = position
    for byte in word.utf8 {
      guard current == byte else { throw fail("not a literal (true, false or null)", at: start) }
      position += 1
    }
  }

  /// `number = [ minus ] int [ frac ] [ exp ]`, within binary64's range.
  private mutating func number() throws(Failure) {
    let start = position
    if current == UInt8(ascii: "-") { position += 1 }
    if current == UInt8(ascii: "0") {
      position += 1
      if let byte = current, isDigit(byte) { throw fail("a number must not have a leading zero") }
    } else {
      guard let byte = current, isDigit(byte) else { throw fail("a number needs a digit here") }
      skipDigits()
    }
    if current == UInt8(ascii: ".") {
      position += 1
      guard let byte = current, isDigit(byte) else { throw fail("a fraction needs a digit after '.'") }
      skipDigits()
    }
    if current == UInt8(ascii: "e") || current == UInt8(ascii: "E") {
      position += 1
      if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { position += 1 }
      guard let byte = current, isDigit(byte) else { throw fail("an exponent needs a digit") }
      skipDigits()
    }
    // RFC 8259 §6 lets an implementation limit the range; receivers mostly
    // read numbers as IEEE 754 doubles, where a larger one is an error or
    // infinity. Short numbers without an exponent are always in range.
    let length = position - start
    if length > 308 || bytes[start..<position].contains(where: { $0 == UInt8(ascii: "e") || $0 == UInt8(ascii: "E") }) {
      let value = Double(String(decoding: bytes[start..<position], as: UTF8.self)) ?? .infinity
      guard value.isFinite else { throw fail("a number beyond the range of a 64-bit float", at: start) }
    }
  }

  private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

  private mutating func skipDigits() {
    while let byte = current, isDigit(byte) { position += 1 }
  }

  /// A string from its opening quote: UTF-8 text, no control characters,
  /// only the escapes of §7, surrogate escapes in pairs.
  private mutating func string() throws(Failure) {
    let start = position
    position += 1
    while true {
      guard let byte = current else { throw fail("the string is not closed", at: start) }
      switch byte {
      case UInt8(ascii: "\""):
        position += 1
        return
      case UInt8(ascii: "\\"): try escape()
      case 0x00..<0x20: throw fail("a control character must be escaped in a string")
      case 0x20..<0x80: position += 1
      default: try utf8Sequence()
      }
    }
  }

  private mutating func escape() throws(Failure) {
    let start = position
    position += 1
    guard let byte = current else { throw fail("the string ends inside an escape", at: start) }
    switch byte {
    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"),
      UInt8(ascii: "r"), UInt8(ascii: "t"):
      position += 1
    case UInt8(ascii: "u"):
      position += 1
      let unit = try hex4(escapeAt: start)
      if (0xDC00...0xDFFF).contains(unit) { throw fail("a lone low surrogate escape", at: start) }
      if (0xD800...0xDBFF).contains(unit) {
        guard current == UInt8(ascii: "\\"), position + 1 < bytes.count, bytes[position + 1] == UInt8(ascii: "u") else {
          throw fail("a high surrogate escape without a low one", at: start)
        }
        let second = position
        position += 2
        guard (0xDC00...0xDFFF).contains(try hex4(escapeAt: second)) else {
          throw fail("a high surrogate escape without a low one", at: start)
        }
      }
    default: throw fail("an unknown escape", at: start)
    }
  }

  private mutating func hex4(escapeAt start: Int) throws(Failure) -> UInt32 {
    var unit: UInt32 = 0
    for _ in 0..<4 {
      guard let byte = current else { throw fail("a \\u escape needs four hex digits", at: start) }
      let digit: UInt8
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
      default: throw fail("a \\u escape needs four hex digits", at: start)
      }
      unit = unit << 4 | UInt32(digit)
      position += 1
    }
    return unit
  }

  /// One multi-byte UTF-8 sequence (RFC 3629): no overlong forms, no
  /// encoded surrogates, nothing past U+10FFFF.
  private mutating func utf8Sequence() throws(Failure) {
    let start = position
    let lead = bytes[position]
    let (count, low, high): (Int, UInt8, UInt8) =
      switch lead {
      case 0xC2...0xDF: (2, 0x80, 0xBF)
      case 0xE0: (3, 0xA0, 0xBF)
      case 0xE1...0xEC, 0xEE...0xEF: (3, 0x80, 0xBF)
      case 0xED: (3, 0x80, 0x9F)
      case 0xF0: (4, 0x90, 0xBF)
      case 0xF1...0xF3: (4, 0x80, 0xBF)
      case 0xF4: (4, 0x80, 0x8F)
      default: (0, 0, 0)
      }
    guard count > 0 else { throw fail("invalid UTF-8") }
    for index in 1..<count {
      let at = start + index
      guard at < bytes.count else { throw fail("invalid UTF-8", at: start) }
      let byte = bytes[at]
      let (min, max) = index == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
      guard byte >= min && byte <= max else { throw fail("invalid UTF-8", at: start) }
    }
    position += count
  }
}
