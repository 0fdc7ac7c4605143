import HookwireHTTP
import Testing

/// One well-formed response and everything the parser must say about it.
struct Shape: Sendable, CustomTestStringConvertible {
  var name: String
  var bytes: [UInt8]
  var isHEAD = false
  var limits = HTTPParserLimits()
  var status = 200
  var reason = "OK"
  var body: [UInt8] = []
  var framing: HTTPBodyFraming
  var truncated = false
  var reusable = true
  var needsEOF = false
  var excess = 0
  var header: (name: String, value: String)?
  var headerCount: Int?

  var testDescription: String { name }
}

@Suite("HTTP response parser: response shapes, whole, byte by byte and in 200 random splits")
struct ResponseShapeTests {
  static let big = [UInt8](repeating: UInt8(ascii: "x"), count: 64 * 1024)

  static let shapes: [Shape] = [
    Shape(
      name: "content-length keeps the connection, headers keep order and any case",
      bytes: wire("HTTP/1.1 200 OK\nContent-Length: 5\nRetry-After: 120\nX-A: 1\nx-a: 2\n\nhello"),
      body: Array("hello".utf8), framing: .contentLength(5), header: ("RETRY-AFTER", "120"), headerCount: 4),
    Shape(
      name: "no reason phrase", bytes: wire("HTTP/1.1 202\ncontent-length: 0\n\n"), status: 202, reason: "",
      framing: .contentLength(0)),
    Shape(
      name: "empty reason phrase after the space", bytes: wire("HTTP/1.1 500 \ncontent-length: 1\n\n!"), status: 500,
      reason: "", body: Array("!".utf8), framing: .contentLength(1)),
    Shape(
      name: "bare LF line ends and padded values",
      bytes: wire("HTTP/1.1 200 OK\ncontent-length:   2 \t\n\nok", bareLF: true), body: Array("ok".utf8),
      framing: .contentLength(2)),
    Shape(
      name: "identical duplicate content-lengths",
      bytes: wire("HTTP/1.1 200 OK\ncontent-length: 3\nContent-Length: 3, 3\n\nabc"), body: Array("abc".utf8),
      framing: .contentLength(3)),
    Shape(
      name: "chunked with extensions, upper-case hex and trailers",
      bytes: wire(
        "HTTP/1.1 200 OK\nTransfer-Encoding: Chunked\n\n5;name=value\nhello\n1 ; x=\"y\"\n \nA\n0123456789\n0;last\nExpires: never\nX-T: 1\n\n"),
      body: Array("hello 0123456789".utf8), framing: .chunked),
    Shape(
      name: "chunked without trailers", bytes: wire("HTTP/1.1 200 OK\ntransfer-encoding: chunked\n\n3\nabc\n0\n\n"),
      body: Array("abc".utf8), framing: .chunked),
    Shape(
      name: "connection: close is not reusable",
      bytes: wire("HTTP/1.1 200 OK\nConnection: keep-alive, Close\ncontent-length: 2\n\nok"), body: Array("ok".utf8),
      framing: .contentLength(2), reusable: false),
    Shape(
      name: "HTTP/1.1 without framing reads to EOF", bytes: wire("HTTP/1.1 200 OK\n\nuntil the end"),
      body: Array("until the end".utf8), framing: .closeDelimited, reusable: false, needsEOF: true),
    Shape(
      name: "HTTP/1.0 close-delimited", bytes: wire("HTTP/1.0 200 OK\nServer: old\n\nall of it"),
      body: Array("all of it".utf8), framing: .closeDelimited, reusable: false, needsEOF: true),
    Shape(
      name: "HTTP/1.0 with content-length and no keep-alive is not reusable",
      bytes: wire("HTTP/1.0 200 OK\ncontent-length: 2\n\nok"), body: Array("ok".utf8), framing: .contentLength(2),
      reusable: false),
    Shape(
      name: "HTTP/1.0 keep-alive is reusable",
      bytes: wire("HTTP/1.0 200 OK\nConnection: Keep-Alive\ncontent-length: 2\n\nok"), body: Array("ok".utf8),
      framing: .contentLength(2)),
    Shape(
      name: "HTTP/1.0 with a chunked body is read but not reused",
      bytes: wire("HTTP/1.0 200 OK\nConnection: keep-alive\ntransfer-encoding: chunked\n\n2\nok\n0\n\n"),
      body: Array("ok".utf8), framing: .chunked, reusable: false),
    Shape(
      name: "1xx interim responses are skipped",
      bytes: wire(
        "HTTP/1.1 100 Continue\n\nHTTP/1.1 103 Early Hints\nLink: </a>\n\nHTTP/1.1 201 Created\ncontent-length: 2\n\nok"),
      status: 201, reason: "Created", body: Array("ok".utf8), framing: .contentLength(2), headerCount: 1),
    Shape(
      name: "a response to HEAD has no body", bytes: wire("HTTP/1.1 200 OK\ncontent-length: 1234\n\n"), isHEAD: true,
      framing: .none),
    Shape(name: "204 has no body", bytes: wire("HTTP/1.1 204 No Content\n\n"), status: 204, reason: "No Content", framing: .none),
    Shape(
      name: "304 has no body even with a content-length",
      bytes: wire("HTTP/1.1 304 Not Modified\ncontent-length: 50\n\n"), status: 304, reason: "Not Modified", framing: .none),
    Shape(
      name: "a body longer than content-length leaves excess bytes and no reuse",
      bytes: wire("HTTP/1.1 200 OK\ncontent-length: 3\n\nabcdef"), body: Array("abc".utf8), framing: .contentLength(3),
      reusable: false, excess: 3),
    Shape(
      name: "a 64 KiB body is kept whole", bytes: wire("HTTP/1.1 200 OK\ncontent-length: 65536\n\n") + big, body: big,
      framing: .contentLength(65536)),
    Shape(
      name: "one byte past 64 KiB truncates, status kept",
      bytes: wire("HTTP/1.1 503 Busy\ncontent-length: 65537\n\n") + big + [0x79], status: 503, reason: "Busy", body: big,
      framing: .contentLength(65537), truncated: true, reusable: false, excess: 1),
    Shape(
      name: "a chunked body past 64 KiB truncates",
      bytes: wire("HTTP/1.1 200 OK\ntransfer-encoding: chunked\n\n9c40\n") + big.prefix(40000) + wire("\n9c40\n")
        + big.prefix(40000) + wire("\n0\n\n"), body: big, framing: .chunked, truncated: true, reusable: false, excess: 14471),
    Shape(
      name: "a close-delimited body past 64 KiB truncates before EOF",
      bytes: wire("HTTP/1.1 200 OK\n\n") + big + big, body: big, framing: .closeDelimited, truncated: true, reusable: false,
      excess: 65536),
    Shape(
      name: "a configured body cap of 4 bytes",
      bytes: wire("HTTP/1.1 200 OK\ncontent-length: 10\n\n0123456789"), limits: HTTPParserLimits(maxBodyBytes: 4),
      body: Array("0123".utf8), framing: .contentLength(10), truncated: true, reusable: false, excess: 6),
  ]

  @Test("every split gives the same response", arguments: shapes)
  func parses(shape: Shape) {
    for split in Split.all() {
      let outcome = parse(shape.bytes, split: split, isResponseToHEAD: shape.isHEAD, limits: shape.limits)
      let context: Comment = "\(shape.name), \(split)"
      guard let response = outcome.response else {
        Issue.record("no response: \(String(describing: outcome.error)) (\(context))")
        return
      }
      #expect(response.status == shape.status, context)
      #expect(response.head.reason == shape.reason, context)
      #expect(response.body == shape.body, context)
      #expect(response.framing == shape.framing, context)
      #expect(response.isBodyTruncated == shape.truncated, context)
      #expect(outcome.connectionReusable == shape.reusable, context)
      #expect(outcome.completedBeforeEOF == !shape.needsEOF, context)
      #expect(outcome.excessBytes == shape.excess, context)
      if let header = shape.header { #expect(response.head.headers.first(header.name) == header.value, context) }
      if let count = shape.headerCount { #expect(response.head.headers.count == count, context) }
    }
  }

  @Test("headers are an ordered list with case-insensitive lookup")
  func headerOrder() throws {
    var parser = HTTPResponseParser()
    let bytes = wire("HTTP/1.1 429 Too Many\nRetry-After: Wed, 21 Oct 2026 07:28:00 GMT\nX-A: 1\nx-a: 2\ncontent-length: 0\n\n")
    let response = try #require(try parser.feed(bytes))
    let names = response.head.headers.map(\.name)
    #expect(names == ["Retry-After", "X-A", "x-a", "content-length"])
    #expect(response.head.headers.values("X-a") == ["1", "2"])
    #expect(response.head.headers.first("retry-after") == "Wed, 21 Oct 2026 07:28:00 GMT")
  }

  @Test("the head is readable before the body arrives")
  func headBeforeBody() throws {
    var parser = HTTPResponseParser()
    #expect(try parser.feed(wire("HTTP/1.1 200 OK\ncontent-length: 4\n\nab")) == nil)
    #expect(parser.head?.status == 200)
    #expect(parser.response == nil)
    let response = try #require(try parser.feed(wire("cd")))
    #expect(response.body == Array("abcd".utf8))
  }
}
