import HookwireHTTP
import Testing

/// A request part that must be refused, and the code it must be refused with.
struct Injection: Sendable, CustomTestStringConvertible {
  var name: String
  var target = "/hook"
  var host = "example.com"
  var contentType = "application/json"
  var headers: [HTTPHeaderField] = []
  var code: HTTPError.Code

  var testDescription: String { name }
}

@Suite("HTTP request writer: exact bytes, and no CR/LF injection")
struct RequestWriterTests {
  @Test("a POST is written byte for byte: request line, host, content-type, content-length, extras, body")
  func exactBytes() throws {
    var buffer: [UInt8] = Array("kept".utf8)
    try HTTPRequestWriter.writePOST(
      target: "/hooks/in?x=1", host: "example.com:8443", contentType: "application/json",
      headers: HTTPHeaders(pairs: [("webhook-id", "msg_1"), ("user-agent", "Hookwire/1"), ("connection", "keep-alive")]),
      body: Array("{\"a\":1}".utf8), into: &buffer)
    let expected =
      "keptPOST /hooks/in?x=1 HTTP/1.1\r\nhost: example.com:8443\r\ncontent-type: application/json\r\ncontent-length: 7\r\n"
      + "webhook-id: msg_1\r\nuser-agent: Hookwire/1\r\nconnection: keep-alive\r\n\r\n{\"a\":1}"
    #expect(String(decoding: buffer, as: UTF8.self) == expected)
  }

  @Test("an empty body is written with content-length 0")
  func emptyBody() throws {
    var buffer: [UInt8] = []
    try HTTPRequestWriter.writePOST(target: "/", host: "[::1]:9000", contentType: "text/plain", body: [], into: &buffer)
    let expected = "POST / HTTP/1.1\r\nhost: [::1]:9000\r\ncontent-type: text/plain\r\ncontent-length: 0\r\n\r\n"
    #expect(String(decoding: buffer, as: UTF8.self) == expected)
  }

  @Test("what the writer writes, the parser's header grammar reads back")
  func readsBack() throws {
    var buffer: [UInt8] = []
    try HTTPRequestWriter.writePOST(
      target: "/", host: "h", contentType: "a/b", headers: HTTPHeaders(pairs: [("x-sig", "v1,abc= ")]), body: [1, 2],
      into: &buffer)
    let head = String(decoding: buffer, as: UTF8.self)
    let response = "HTTP/1.1 200 OK\r\n" + head.split(separator: "\r\n", omittingEmptySubsequences: false).dropFirst().joined(separator: "\r\n")
    var parser = HTTPResponseParser()
    let parsed = try #require(try parser.feed(Array(response.utf8)))
    #expect(parsed.body == [1, 2])
    #expect(parsed.head.headers.first("x-sig") == "v1,abc=")
  }

  static let injections: [Injection] = [
    Injection(name: "CRLF in a header value", headers: [HTTPHeaderField(name: "x-a", value: "1\r\nx-evil: 2")], code: .invalidHeaderValue),
    Injection(name: "bare LF in a header value", headers: [HTTPHeaderField(name: "x-a", value: "1\nx")], code: .invalidHeaderValue),
    Injection(name: "bare CR in a header value", headers: [HTTPHeaderField(name: "x-a", value: "1\rx")], code: .invalidHeaderValue),
    Injection(name: "NUL in a header value", headers: [HTTPHeaderField(name: "x-a", value: "1\u{00}")], code: .invalidHeaderValue),
    Injection(name: "CRLF in a header name", headers: [HTTPHeaderField(name: "x-a\r\nx-b", value: "1")], code: .invalidHeaderName),
    Injection(name: "a colon in a header name", headers: [HTTPHeaderField(name: "x-a:", value: "1")], code: .invalidHeaderName),
    Injection(name: "a space in a header name", headers: [HTTPHeaderField(name: "x a", value: "1")], code: .invalidHeaderName),
    Injection(name: "an empty header name", headers: [HTTPHeaderField(name: "", value: "1")], code: .invalidHeaderName),
    Injection(name: "CRLF in the content-type", contentType: "a/b\r\nx: y", code: .invalidHeaderValue),
    Injection(name: "CRLF in the target", target: "/a\r\nx: y", code: .invalidTarget),
    Injection(name: "a space in the target", target: "/a HTTP/1.0", code: .invalidTarget),
    Injection(name: "a target without a leading slash", target: "http://x/", code: .invalidTarget),
    Injection(name: "a non-ASCII target", target: "/é", code: .invalidTarget),
    Injection(name: "CRLF in the host", host: "a\r\nx: y", code: .invalidHost),
    Injection(name: "an empty host", host: "", code: .invalidHost),
    Injection(name: "a caller's content-length", headers: [HTTPHeaderField(name: "Content-Length", value: "0")], code: .reservedHeader),
    Injection(
      name: "a caller's transfer-encoding", headers: [HTTPHeaderField(name: "transfer-encoding", value: "chunked")],
      code: .reservedHeader),
    Injection(name: "a caller's host", headers: [HTTPHeaderField(name: "HOST", value: "other")], code: .reservedHeader),
  ]

  @Test("a request part that could inject a line is refused and the buffer is untouched", arguments: injections)
  func refuses(injection: Injection) {
    var buffer: [UInt8] = [1, 2, 3]
    let error = #expect(throws: HTTPError.self) {
      try HTTPRequestWriter.writePOST(
        target: injection.target, host: injection.host, contentType: injection.contentType,
        headers: HTTPHeaders(injection.headers), body: [9], into: &buffer)
    }
    #expect(error?.code == injection.code)
    #expect(buffer == [1, 2, 3])
  }
}
