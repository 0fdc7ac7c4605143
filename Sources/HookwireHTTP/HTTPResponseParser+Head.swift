/// The grammar of the status line, header fields, body framing and chunk sizes.
extension HTTPResponseParser {
  /// Reads `HTTP/1.x NNN [reason]` into the parser's version, status and reason.
  mutating func parseStatusLine(_ l: [UInt8]) throws(HTTPError) {
    func malformed(_ why: String) -> HTTPError {
      HTTPError(.malformedStatusLine, "\(why): \"\(HTTPLineBuffer.preview(l))\"")
    }
    guard l.count >= 12, l[0..<5].elementsEqual("HTTP/".utf8), Self.isDigit(l[5]), l[6] == UInt8(ascii: "."),
      Self.isDigit(l[7]), l[8] == HTTPSyntax.space
    else { throw malformed("not an HTTP status line") }
    switch (l[5], l[7]) {
    case (UInt8(ascii: "1"), UInt8(ascii: "1")): version = .http11
    case (UInt8(ascii: "1"), UInt8(ascii: "0")): version = .http10
    default:
      throw HTTPError(.unsupportedVersion, "HTTP/\(Character(Unicode.Scalar(l[5]))).\(Character(Unicode.Scalar(l[7]))) is not spoken")
    }
    guard l[9...11].allSatisfy(Self.isDigit) else { throw malformed("the status code is not three digits") }
    let code = l[9...11].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    guard (100...599).contains(code) else { throw malformed("the status code is outside 100-599") }
    if l.count > 12 {
      guard l[12] == HTTPSyntax.space else { throw malformed("the status code is not followed by a space") }
      guard l[13...].allSatisfy(HTTPSyntax.isFieldValueByte) else { throw malformed("the reason phrase holds a control byte") }
    }
    status = code
    reason = l.count > 13 ? String(decoding: l[13...], as: UTF8.self) : ""
  }

  /// Reads one `name: value` line (a header or a trailer field).
  static func parseField(_ l: [UInt8]) throws(HTTPError) -> HTTPHeaderField {
    func invalid(_ why: String) -> HTTPError {
      HTTPError(.invalidHeader, "\(why): \"\(HTTPLineBuffer.preview(l))\"")
    }
    if let first = l.first, HTTPSyntax.isWhitespace(first) { throw invalid("obsolete line folding") }
    guard let colon = l.firstIndex(of: HTTPSyntax.colon) else { throw invalid("a header line without a colon") }
    let name = l[..<colon]
    guard !name.isEmpty, name.allSatisfy(HTTPSyntax.isTokenByte) else { throw invalid("a header name that is not a token") }
    var start = colon + 1
    var end = l.count
    while start < end && HTTPSyntax.isWhitespace(l[start]) { start += 1 }
    while end > start && HTTPSyntax.isWhitespace(l[end - 1]) { end -= 1 }
    let value = l[start..<end]
    guard value.allSatisfy(HTTPSyntax.isFieldValueByte) else { throw invalid("a header value with a control byte") }
    return HTTPHeaderField(name: String(decoding: name, as: UTF8.self), value: String(decoding: value, as: UTF8.self))
  }

  /// Acts on the empty line that ends a head: skips a `1xx`, or picks the
  /// body's framing and moves to it.
  mutating func endOfHead() throws(HTTPError) {
    if (100...199).contains(status) {
      if status == 101 { throw HTTPError(.switchingProtocols, "the server switched protocols (101)") }
      state = .statusLine
      return
    }
    hasFinalHead = true
    framing = try Self.framing(status: status, headers: headers, isResponseToHEAD: isResponseToHEAD)
    switch framing {
    case .none, .contentLength(0): complete()
    case .contentLength(let n): state = .fixedBody(remaining: n)
    case .chunked: state = .chunkSize
    case .closeDelimited: state = .untilEOF
    }
  }

  /// The body's framing, RFC 9112 §6.3, with `transfer-encoding` and
  /// `content-length` together refused as a request-smuggling signal.
  static func framing(status: Int, headers: HTTPHeaders, isResponseToHEAD: Bool) throws(HTTPError) -> HTTPBodyFraming {
    if isResponseToHEAD || status == 204 || status == 304 { return .none }
    let encodings = headers.values("transfer-encoding")
    let lengths = headers.values("content-length")
    if !encodings.isEmpty {
      if !lengths.isEmpty {
        throw HTTPError(.conflictingFraming, "both transfer-encoding and content-length are present")
      }
      let codings = encodings.flatMap(HTTPSyntax.listElements)
      guard codings.count == 1, HTTPSyntax.equalsIgnoringCase(String(codings[0]), "chunked") else {
        throw HTTPError(.unsupportedTransferEncoding, "transfer-encoding \"\(encodings.joined(separator: ", "))\"")
      }
      return .chunked
    }
    guard !lengths.isEmpty else { return .closeDelimited }
    var length: Int?
    for value in lengths {
      for element in value.split(separator: ",", omittingEmptySubsequences: false) {
        let text = element.trimmingWhitespace()
        guard let n = decimal(text) else {
          throw HTTPError(.badContentLength, "content-length \"\(value)\" is not a decimal number")
        }
        if let length, length != n {
          throw HTTPError(.badContentLength, "content-length values \(length) and \(n) disagree")
        }
        length = n
      }
    }
    return .contentLength(length ?? 0)
  }

  /// The size of a chunk-size line (`HEX [; extensions]`); extensions are ignored.
  static func chunkSize(_ l: [UInt8]) throws(HTTPError) -> Int {
    func bad(_ why: String) -> HTTPError {
      HTTPError(.badChunk, "\(why): \"\(HTTPLineBuffer.preview(l))\"")
    }
    var size = 0
    var i = 0
    while i < l.count, let digit = hexValue(l[i]) {
      guard i < 15 else { throw bad("a chunk size of more than 15 hex digits") }
      size = size * 16 + digit
      i += 1
    }
    guard i > 0 else { throw bad("a chunk size that is not hexadecimal") }
    var j = i
    while j < l.count && HTTPSyntax.isWhitespace(l[j]) { j += 1 }
    guard j < l.count else {
      if j > i { throw bad("whitespace after a chunk size") }
      return size
    }
    guard l[j] == HTTPSyntax.semicolon else { throw bad("a chunk size followed by a stray byte") }
    guard l[j...].allSatisfy(HTTPSyntax.isFieldValueByte) else { throw bad("a chunk extension with a control byte") }
    return size
  }

  private static func decimal(_ text: Substring) -> Int? {
    guard !text.isEmpty, text.utf8.count <= 18, text.utf8.allSatisfy({ isDigit($0) }) else { return nil }
    return Int(text)
  }

  private static func hexValue(_ b: UInt8) -> Int? {
    switch b {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): return Int(b - UInt8(ascii: "0"))
    case UInt8(ascii: "a")...UInt8(ascii: "f"): return Int(b - UInt8(ascii: "a") + 10)
    case UInt8(ascii: "A")...UInt8(ascii: "F"): return Int(b - UInt8(ascii: "A") + 10)
    default: return nil
    }
  }

  private static func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
}
