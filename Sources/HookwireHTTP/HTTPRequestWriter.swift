/// Writes an HTTP/1.1 POST with a `content-length` body into a byte buffer.
///
/// The layout is fixed: the request line, `host`, `content-type`,
/// `content-length`, the extra headers in order, an empty line, the body.
/// Everything is checked before a byte is written, so a refused request
/// leaves the buffer as it was.
package enum HTTPRequestWriter {
  /// Field names the writer sets itself and refuses among the extra headers.
  static let reservedNames = ["host", "content-type", "content-length", "transfer-encoding"]

  /// Appends `POST <target> HTTP/1.1` with its headers and `body` to `buffer`.
  ///
  /// - Parameters:
  ///   - target: the origin-form request target, `/path?query`.
  ///   - host: the `host` header: the URL's host, with `:port` when not the scheme's default.
  ///   - contentType: the `content-type` header.
  ///   - headers: extra headers, written in order after `content-length`.
  ///   - body: the request body; its length becomes `content-length`.
  /// - Throws: ``HTTPError`` when a part would break the request's framing.
  package static func writePOST(
    target: String, host: String, contentType: String, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8],
    into buffer: inout [UInt8]
  ) throws(HTTPError) {
    guard target.utf8.first == UInt8(ascii: "/"), target.utf8.allSatisfy(isVisibleASCII) else {
      throw HTTPError(.invalidTarget, "the request target must be /path with visible ASCII only")
    }
    guard !host.isEmpty, host.utf8.allSatisfy(isVisibleASCII) else {
      throw HTTPError(.invalidHost, "the host must be non-empty visible ASCII")
    }
    try checkValue(contentType, of: "content-type")
    for field in headers {
      guard !field.name.isEmpty, field.name.utf8.allSatisfy(HTTPSyntax.isTokenByte) else {
        throw HTTPError(.invalidHeaderName, "a header name must be a non-empty token")
      }
      if reservedNames.contains(where: { HTTPSyntax.equalsIgnoringCase($0, field.name) }) {
        throw HTTPError(.reservedHeader, "\(field.name) is set by the writer")
      }
      try checkValue(field.value, of: field.name)
    }
    buffer.reserveCapacity(buffer.count + 128 + target.utf8.count + body.count)
    append("POST ", to: &buffer)
    append(target, to: &buffer)
    append(" HTTP/1.1\r\nhost: ", to: &buffer)
    append(host, to: &buffer)
    append("\r\ncontent-type: ", to: &buffer)
    append(contentType, to: &buffer)
    append("\r\ncontent-length: \(body.count)\r\n", to: &buffer)
    for field in headers {
      append(field.name, to: &buffer)
      append(": ", to: &buffer)
      append(field.value, to: &buffer)
      append("\r\n", to: &buffer)
    }
    append("\r\n", to: &buffer)
    buffer.append(contentsOf: body)
  }

  private static func checkValue(_ value: String, of name: String) throws(HTTPError) {
    guard value.utf8.allSatisfy(HTTPSyntax.isFieldValueByte) else {
      throw HTTPError(.invalidHeaderValue, "the \(name) value holds CR, LF or another control byte")
    }
  }

  private static func isVisibleASCII(_ b: UInt8) -> Bool { b > 0x20 && b < 0x7F }

  private static func append(_ text: String, to buffer: inout [UInt8]) {
    buffer.append(contentsOf: text.utf8)
  }
}
