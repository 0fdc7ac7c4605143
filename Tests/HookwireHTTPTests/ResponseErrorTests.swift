import HookwireHTTP
import Testing

/// One response the parser must refuse, and the code it must refuse it with.
struct Refusal: Sendable, CustomTestStringConvertible {
  var name: String
  var bytes: [UInt8]
  var code: HTTPError.Code
  var limits = HTTPParserLimits()

  var testDescription: String { name }
}

@Suite("HTTP response parser: malformed, oversized and cut-short responses, in every split")
struct ResponseErrorTests {
  static let ok = "HTTP/1.1 200 OK\n"
  static let chunked = "HTTP/1.1 200 OK\ntransfer-encoding: chunked\n\n"
  static let many = String(repeating: "a", count: 17 * 1024)

  static let refusals: [Refusal] = [
    // Status lines.
    Refusal(name: "no status code", bytes: wire("HTTP/1.1 OK\n\n"), code: .malformedStatusLine),
    Refusal(name: "two-digit status", bytes: wire("HTTP/1.1 20 OK\n\n"), code: .malformedStatusLine),
    Refusal(name: "four-digit status", bytes: wire("HTTP/1.1 2000 OK\n\n"), code: .malformedStatusLine),
    Refusal(name: "status below 100", bytes: wire("HTTP/1.1 099 Low\n\n"), code: .malformedStatusLine),
    Refusal(name: "status above 599", bytes: wire("HTTP/1.1 600 High\n\n"), code: .malformedStatusLine),
    Refusal(name: "lower-case protocol name", bytes: wire("http/1.1 200 OK\n\n"), code: .malformedStatusLine),
    Refusal(name: "short version", bytes: wire("HTTP/2 200 OK\n\n"), code: .malformedStatusLine),
    Refusal(name: "HTTP/2.0", bytes: wire("HTTP/2.0 200 OK\n\n"), code: .unsupportedVersion),
    Refusal(name: "HTTP/0.9-style garbage", bytes: wire("<html>hello</html>\n"), code: .malformedStatusLine),
    Refusal(name: "another protocol's banner", bytes: wire("SSH-2.0-OpenSSH_9.6\n"), code: .malformedStatusLine),
    Refusal(name: "a blank line before the status", bytes: wire("\nHTTP/1.1 200 OK\n\n"), code: .malformedStatusLine),
    Refusal(name: "a control byte in the reason", bytes: wire("HTTP/1.1 200 O\u{01}K\n\n"), code: .malformedStatusLine),
    Refusal(name: "a bare CR in the reason", bytes: wire("HTTP/1.1 200 O\rK\n\n"), code: .malformedStatusLine),
    Refusal(name: "tab instead of space", bytes: wire("HTTP/1.1\t200 OK\n\n"), code: .malformedStatusLine),
    Refusal(
      name: "101 switching protocols", bytes: wire("HTTP/1.1 101 Switching Protocols\nUpgrade: websocket\n\n"),
      code: .switchingProtocols),
    // Head size.
    Refusal(name: "a 17 KiB header", bytes: wire(ok + "X-Big: \(many)\n\n"), code: .headerTooLarge),
    Refusal(name: "a head that never ends", bytes: wire("HTTP/1.1 200 OK\nX: \(many)"), code: .headerTooLarge),
    Refusal(name: "a status line that never ends", bytes: wire("HTTP/1.1 200 \(many)"), code: .headerTooLarge),
    Refusal(
      name: "endless 1xx responses", bytes: wire(String(repeating: "HTTP/1.1 100 Continue\n\n", count: 800)),
      code: .headerTooLarge),
    Refusal(
      name: "a configured 64-byte head limit", bytes: wire(ok + "X-Long: " + String(repeating: "b", count: 60) + "\n\n"),
      code: .headerTooLarge, limits: HTTPParserLimits(maxHeadBytes: 64)),
    // Header lines.
    Refusal(name: "a space in a header name", bytes: wire(ok + "Bad Name: x\n\n"), code: .invalidHeader),
    Refusal(name: "a space before the colon", bytes: wire(ok + "X-A : x\n\n"), code: .invalidHeader),
    Refusal(name: "a header without a colon", bytes: wire(ok + "no-colon\n\n"), code: .invalidHeader),
    Refusal(name: "an empty header name", bytes: wire(ok + ": value\n\n"), code: .invalidHeader),
    Refusal(name: "obsolete line folding", bytes: wire(ok + "X-A: 1\n  continued\n\n"), code: .invalidHeader),
    Refusal(name: "a NUL in a value", bytes: wire(ok + "X-A: a\u{00}b\n\n"), code: .invalidHeader),
    Refusal(name: "a bare CR in a value", bytes: wire(ok + "X-A: a\rb\n\n"), code: .invalidHeader),
    // Content-length.
    Refusal(name: "content-length not a number", bytes: wire(ok + "content-length: abc\n\n"), code: .badContentLength),
    Refusal(name: "negative content-length", bytes: wire(ok + "content-length: -1\n\n"), code: .badContentLength),
    Refusal(name: "signed content-length", bytes: wire(ok + "content-length: +3\n\nabc"), code: .badContentLength),
    Refusal(name: "empty content-length", bytes: wire(ok + "content-length: \n\n"), code: .badContentLength),
    Refusal(
      name: "content-length beyond 18 digits", bytes: wire(ok + "content-length: 1234567890123456789\n\n"),
      code: .badContentLength),
    Refusal(
      name: "two content-lengths that differ", bytes: wire(ok + "content-length: 3\ncontent-length: 4\n\nabcd"),
      code: .badContentLength),
    Refusal(name: "a content-length list that differs", bytes: wire(ok + "content-length: 3, 4\n\nabc"), code: .badContentLength),
    Refusal(name: "a content-length list with a hole", bytes: wire(ok + "content-length: 3,\n\nabc"), code: .badContentLength),
    // Transfer-encoding.
    Refusal(
      name: "transfer-encoding and content-length together",
      bytes: wire(ok + "transfer-encoding: chunked\ncontent-length: 3\n\n3\nabc\n0\n\n"), code: .conflictingFraming),
    Refusal(name: "gzip then chunked", bytes: wire(ok + "transfer-encoding: gzip, chunked\n\n"), code: .unsupportedTransferEncoding),
    Refusal(name: "gzip alone", bytes: wire(ok + "transfer-encoding: gzip\n\nxyz"), code: .unsupportedTransferEncoding),
    Refusal(
      name: "chunked twice", bytes: wire(ok + "transfer-encoding: chunked\ntransfer-encoding: chunked\n\n"),
      code: .unsupportedTransferEncoding),
    // Chunks.
    Refusal(name: "a chunk size that is not hex", bytes: wire(chunked + "zz\nabc\n0\n\n"), code: .badChunk),
    Refusal(name: "an empty chunk-size line", bytes: wire(chunked + "\n"), code: .badChunk),
    Refusal(name: "a negative chunk size", bytes: wire(chunked + "-5\nhello\n"), code: .badChunk),
    Refusal(name: "a 0x-prefixed chunk size", bytes: wire(chunked + "0x5\nhello\n"), code: .badChunk),
    Refusal(name: "whitespace after a chunk size", bytes: wire(chunked + "5 \nhello\n0\n\n"), code: .badChunk),
    Refusal(name: "a 16-digit chunk size", bytes: wire(chunked + "1000000000000000\n"), code: .badChunk),
    Refusal(name: "chunk data longer than its size", bytes: wire(chunked + "3\nabcdef\n0\n\n"), code: .badChunk),
    Refusal(name: "chunk data ending in CR CR", bytes: wire(chunked + "3\nabc\r\r\n0\n\n"), code: .badChunk),
    Refusal(
      name: "an endless chunk extension", bytes: wire(chunked + "1;" + String(repeating: "e", count: 2000) + "\n"),
      code: .badChunk),
    Refusal(
      name: "trailers past their limit", bytes: wire(chunked + "0\nX-T: " + String(repeating: "t", count: 5000) + "\n\n"),
      code: .trailersTooLarge),
    Refusal(name: "a malformed trailer", bytes: wire(chunked + "0\nbad trailer\n\n"), code: .invalidHeader),
    // The connection closes early.
    Refusal(name: "close before any byte", bytes: [], code: .closedBeforeResponse),
    Refusal(name: "close inside the status line", bytes: wire("HTTP/1.1 20"), code: .unexpectedEOFInHead),
    Refusal(name: "close inside the headers", bytes: wire(ok + "X-A: 1\n"), code: .unexpectedEOFInHead),
    Refusal(name: "close after only a 100 Continue", bytes: wire("HTTP/1.1 100 Continue\n\n"), code: .unexpectedEOFInHead),
    Refusal(
      name: "close mid-body, shorter than content-length", bytes: wire(ok + "content-length: 10\n\nabc"),
      code: .bodyShorterThanContentLength),
    Refusal(name: "close inside a chunk", bytes: wire(chunked + "5\nhel"), code: .unexpectedEOFInChunkedBody),
    Refusal(name: "close before the last chunk", bytes: wire(chunked + "3\nabc\n"), code: .unexpectedEOFInChunkedBody),
    Refusal(name: "close inside the trailers", bytes: wire(chunked + "0\nX-T: 1\n"), code: .unexpectedEOFInChunkedBody),
  ]

  @Test("every split gives the same refusal", arguments: refusals)
  func refuses(refusal: Refusal) {
    for split in Split.all() {
      let outcome = parse(refusal.bytes, split: split, limits: refusal.limits)
      #expect(outcome.error?.code == refusal.code, "\(refusal.name), \(split): \(String(describing: outcome.error))")
      #expect(outcome.response == nil, "\(refusal.name), \(split)")
      #expect(!outcome.connectionReusable, "\(refusal.name), \(split)")
    }
  }

  @Test("a head of exactly the limit is read, one byte more is refused", arguments: [1, 16 * 1024])
  func headLimitBoundary(padding: Int) {
    let head = wire("HTTP/1.1 200 OK\nX-Pad: " + String(repeating: "p", count: padding) + "\ncontent-length: 0\n\n")
    let exact = parse(head, split: .byteByByte, limits: HTTPParserLimits(maxHeadBytes: head.count))
    #expect(exact.response?.status == 200)
    let under = parse(head, split: .byteByByte, limits: HTTPParserLimits(maxHeadBytes: head.count - 1))
    #expect(under.error?.code == .headerTooLarge)
    #expect(HTTPParserLimits().maxHeadBytes == 16 * 1024)
    #expect(HTTPParserLimits().maxBodyBytes == 64 * 1024)
  }

  @Test("an error is sticky: later bytes and EOF repeat it")
  func sticky() {
    var parser = HTTPResponseParser()
    let first = #expect(throws: HTTPError.self) { try parser.feed(wire("HTTP/1.1 OK\n\n")) }
    let again = #expect(throws: HTTPError.self) { try parser.feed(wire(Self.ok)) }
    let atEOF = #expect(throws: HTTPError.self) { try parser.finish() }
    #expect(first?.code == .malformedStatusLine)
    #expect(again == first)
    #expect(atEOF == first)
  }

  @Test("an error message names the offending bytes, bounded and printable")
  func message() {
    let outcome = parse(wire("HTTP/1.1 2x0 \u{07}" + String(repeating: "z", count: 200) + "\n\n"), split: .whole)
    let message = outcome.error?.description ?? ""
    #expect(message.hasPrefix("malformed_status_line: the status code is not three digits: \"HTTP/1.1 2x0 \\x07zz"))
    #expect(message.count < 160)
  }
}
