/// A certificate subject (an X.500 distinguished name) in one canonical text
/// form, so that what an operator types and what a certificate says compare
/// as plain strings.
///
/// The form is RFC 2253's as OpenSSL prints it with `-nameopt RFC2253` (and
/// as a verified peer certificate reports its subject): most specific RDN
/// first, RDNs joined by `,` and the attributes of a multi-valued RDN by `+`,
/// no spaces around either or around `=`. Normalising both sides means:
/// - attribute types are their OpenSSL short names, found case-insensitively
///   (`cn`, `commonName` and `2.5.4.3` are all `CN`; `E` and `email` are
///   `emailAddress`); other names made of letters, digits and `-` and dotted
///   OIDs are kept as written;
/// - values are unescaped (`\,`, `\+`, `\2C`, a quoted `"a, b"`), stripped
///   of unescaped leading and trailing spaces, and written back with `,` `+`
///   `"` `\` `<` `>` `;`, a leading `#` or space and a trailing space escaped
///   by a backslash; a `#hex` value keeps its bytes, in upper-case hex;
/// - the attributes of a multi-valued RDN are sorted;
/// - values are compared exactly: `CN=Billing` is not `CN=billing`, and the
///   order of the RDNs matters (`CN=billing,O=Rewards` is not
///   `O=Rewards,CN=billing`, which is how `openssl x509 -subject` prints
///   by default: use `-nameopt RFC2253`).
package struct DistinguishedName: Sendable, Hashable, CustomStringConvertible {
  /// The canonical text, e.g. `CN=billing,O=Rewards`.
  package let canonical: String

  /// The longest subject accepted, in UTF-8 bytes, as typed or as canonical.
  package static let maxBytes = 1_024

  /// Parses `text` as an operator types it; INVALID for an empty or too long
  /// subject, control characters, or text that is not a distinguished name.
  package init(parsing text: String) throws(DomainError) {
    guard !text.utf8.isEmpty else { throw DomainError(.invalid, "a subject needs at least one attribute, such as CN=billing") }
    guard text.utf8.count <= Self.maxBytes else {
      throw DomainError(.invalid, "a subject is at most \(Self.maxBytes) bytes, not \(text.utf8.count)")
    }
    guard !text.unicodeScalars.contains(where: Self.isControl) else {
      throw DomainError(.invalid, "a subject may not contain control characters")
    }
    let canonical = try Self.canonicalise(Array(text.utf8))
    guard canonical.utf8.count <= Self.maxBytes else {
      throw DomainError(.invalid, "a subject is at most \(Self.maxBytes) bytes once written canonically")
    }
    self.canonical = canonical
  }

  /// The canonical form of a verified certificate's subject, or nil when it
  /// cannot match any identity (empty, too long, not parseable, or holding
  /// control characters, which `init(parsing:)` refuses).
  package init?(certificateSubject subject: String) {
    guard !subject.isEmpty, let parsed = try? DistinguishedName(parsing: subject) else { return nil }
    self = parsed
  }

  /// The canonical text.
  package var description: String { canonical }

  static func isControl(_ scalar: Unicode.Scalar) -> Bool {
    scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value)
  }

  // MARK: Parsing

  private static func fail(_ reason: String) -> DomainError {
    DomainError(.invalid, "not a distinguished name (\(reason)); write it as CN=billing,O=Rewards, most specific first")
  }

  private static func canonicalise(_ bytes: [UInt8]) throws(DomainError) -> String {
    var reader = Reader(bytes: bytes)
    var rdns: [String] = []
    var attributes: [String] = []
    while true {
      attributes.append(try attribute(&reader))
      reader.skipSpaces()
      guard let separator = reader.next() else {
        rdns.append(attributes.sorted().joined(separator: "+"))
        break
      }
      switch separator {
      case UInt8(ascii: "+"): continue
      case UInt8(ascii: ","):
        rdns.append(attributes.sorted().joined(separator: "+"))
        attributes = []
      default: throw fail("unexpected '\(Character(Unicode.Scalar(separator)))' after a value")
      }
    }
    return rdns.joined(separator: ",")
  }

  /// One `type=value`, canonical.
  private static func attribute(_ reader: inout Reader) throws(DomainError) -> String {
    reader.skipSpaces()
    var type: [UInt8] = []
    while let byte = reader.peek(), byte != UInt8(ascii: "="), byte != UInt8(ascii: " ") {
      guard byte != UInt8(ascii: ","), byte != UInt8(ascii: "+") else {
        throw fail(type.isEmpty ? "an attribute is missing" : "'\(String(decoding: type, as: UTF8.self))' has no '='")
      }
      type.append(byte)
      reader.advance()
    }
    reader.skipSpaces()
    guard reader.next() == UInt8(ascii: "=") else {
      throw fail(type.isEmpty ? "an attribute is missing" : "'\(DomainError.echo(String(decoding: type, as: UTF8.self), limit: 32))' has no '='")
    }
    let name = try canonicalType(String(decoding: type, as: UTF8.self))
    reader.skipSpaces()
    let value = try self.value(&reader, of: name)
    return "\(name)=\(value)"
  }

  private static func canonicalType(_ type: String) throws(DomainError) -> String {
    guard !type.isEmpty else { throw fail("an attribute has no type before '='") }
    if let known = knownTypes[type.lowercased()] { return known }
    let bytes = Array(type.utf8)
    let isOID = bytes.allSatisfy { isDigit($0) || $0 == UInt8(ascii: ".") }
      && type.split(separator: ".", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty }
    let isName = isLetter(bytes[0]) && bytes.allSatisfy { isLetter($0) || isDigit($0) || $0 == UInt8(ascii: "-") }
    guard (isOID && type.contains(".")) || isName else {
      throw fail("'\(DomainError.echo(type, limit: 32))' is not an attribute type")
    }
    return type
  }

  /// A value up to the next unescaped `,` or `+`, written back canonically.
  private static func value(_ reader: inout Reader, of type: String) throws(DomainError) -> String {
    if reader.peek() == UInt8(ascii: "#") {
      reader.advance()
      var hex: [UInt8] = []
      while let byte = reader.peek(), byte != UInt8(ascii: ","), byte != UInt8(ascii: "+"), byte != UInt8(ascii: " ") {
        guard hexValue(byte) != nil else { throw fail("the #hex value of \(type) has a non-hex character") }
        hex.append(byte >= UInt8(ascii: "a") ? byte - 0x20 : byte)
        reader.advance()
      }
      guard !hex.isEmpty, hex.count.isMultiple(of: 2) else { throw fail("the #hex value of \(type) needs pairs of hex digits") }
      return "#" + String(decoding: hex, as: UTF8.self)
    }
    var raw: [UInt8] = []
    // Bytes up to here are significant even if spaces: escaped or quoted.
    var significant = 0
    if reader.peek() == UInt8(ascii: "\"") {
      reader.advance()
      while true {
        guard let byte = reader.next() else { throw fail("the quoted value of \(type) has no closing '\"'") }
        if byte == UInt8(ascii: "\"") { break }
        raw.append(byte == UInt8(ascii: "\\") ? try escaped(&reader, of: type) : byte)
      }
      significant = raw.count
    } else {
      while let byte = reader.peek(), byte != UInt8(ascii: ","), byte != UInt8(ascii: "+") {
        reader.advance()
        if byte == UInt8(ascii: "\\") {
          raw.append(try escaped(&reader, of: type))
          significant = raw.count
          continue
        }
        guard !unescapedSpecials.contains(byte) else {
          throw fail("'\(Character(Unicode.Scalar(byte)))' in the value of \(type) must be escaped as \\\(Character(Unicode.Scalar(byte)))")
        }
        raw.append(byte)
        if byte != UInt8(ascii: " ") { significant = raw.count }
      }
    }
    raw.removeLast(raw.count - significant)
    guard !raw.isEmpty else { throw fail("\(type) has no value") }
    guard let text = String(validating: raw, as: UTF8.self) else { throw fail("the value of \(type) is not UTF-8") }
    guard !text.unicodeScalars.contains(where: isControl) else {
      throw DomainError(.invalid, "a subject may not contain control characters")
    }
    return escape(raw)
  }

  /// The byte after a backslash: a special character, or two hex digits.
  private static func escaped(_ reader: inout Reader, of type: String) throws(DomainError) -> UInt8 {
    guard let first = reader.next() else { throw fail("the value of \(type) ends in a lone '\\'") }
    if let high = hexValue(first) {
      guard let second = reader.next(), let low = hexValue(second) else {
        throw fail("'\\' in the value of \(type) needs a special character or two hex digits")
      }
      return high << 4 | low
    }
    guard escapable.contains(first) else {
      throw fail("'\\\(Character(Unicode.Scalar(first)))' in the value of \(type) escapes nothing")
    }
    return first
  }

  /// A value's bytes as RFC 2253 text, escaped as OpenSSL escapes them.
  private static func escape(_ value: [UInt8]) -> String {
    var out: [UInt8] = []
    for (index, byte) in value.enumerated() {
      let edge = (index == 0 && (byte == UInt8(ascii: "#") || byte == UInt8(ascii: " ")))
        || (index == value.count - 1 && byte == UInt8(ascii: " "))
      if edge || alwaysEscaped.contains(byte) { out.append(UInt8(ascii: "\\")) }
      out.append(byte)
    }
    return String(decoding: out, as: UTF8.self)
  }

  private static let alwaysEscaped: Set<UInt8> = Set(",+\"\\<>;".utf8)
  private static let escapable: Set<UInt8> = Set(",+\"\\<>;=# ".utf8)
  private static let unescapedSpecials: Set<UInt8> = Set("\"<>;".utf8)

  private static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }
  private static func isLetter(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }
  private static func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case 0x30...0x39: byte - 0x30
    case 0x41...0x46: byte - 0x41 + 10
    case 0x61...0x66: byte - 0x61 + 10
    default: nil
    }
  }

  /// OpenSSL's short names, by every spelling folded to lower case.
  private static let knownTypes: [String: String] = {
    let table: [(String, [String])] = [
      ("CN", ["commonname", "2.5.4.3"]), ("C", ["countryname", "2.5.4.6"]), ("L", ["localityname", "2.5.4.7"]),
      ("ST", ["s", "stateorprovincename", "2.5.4.8"]), ("O", ["organizationname", "2.5.4.10"]),
      ("OU", ["organizationalunitname", "2.5.4.11"]), ("street", ["streetaddress", "2.5.4.9"]),
      ("DC", ["domaincomponent", "0.9.2342.19200300.100.1.25"]), ("UID", ["userid", "0.9.2342.19200300.100.1.1"]),
      ("emailAddress", ["e", "email", "1.2.840.113549.1.9.1"]), ("serialNumber", ["2.5.4.5"]), ("title", ["2.5.4.12"]),
      ("SN", ["surname", "2.5.4.4"]), ("GN", ["givenname", "2.5.4.42"]), ("initials", ["2.5.4.43"]),
      ("pseudonym", ["2.5.4.65"]), ("dnQualifier", ["2.5.4.46"]), ("generationQualifier", ["2.5.4.44"]),
      ("name", ["2.5.4.41"]), ("description", ["2.5.4.13"]), ("postalCode", ["2.5.4.17"]),
      ("businessCategory", ["2.5.4.15"]), ("organizationIdentifier", ["2.5.4.97"]),
      ("jurisdictionC", ["jurisdictioncountryname"]), ("jurisdictionST", ["jurisdictionstateorprovincename"]),
      ("jurisdictionL", ["jurisdictionlocalityname"]),
    ]
    var map: [String: String] = [:]
    for (short, aliases) in table {
      map[short.lowercased()] = short
      for alias in aliases { map[alias] = short }
    }
    return map
  }()

  /// A cursor over the text's bytes.
  private struct Reader {
    let bytes: [UInt8]
    var index = 0

    func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }
    mutating func advance() { index += 1 }
    mutating func next() -> UInt8? {
      defer { index += 1 }
      return peek()
    }
    mutating func skipSpaces() { while peek() == UInt8(ascii: " ") { index += 1 } }
  }
}
