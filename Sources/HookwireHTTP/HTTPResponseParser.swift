/// Reads one HTTP/1.1 (or HTTP/1.0) response from a connection, fed the
/// bytes in whatever chunks the socket delivered them.
///
/// A pure state machine: no sockets, no clocks, no Foundation. Every bound in
/// ``HTTPParserLimits`` is checked before a byte is kept. Interim `1xx`
/// responses are skipped (a `101` is an error); the body is framed per
/// RFC 9112 §6.3. Feed bytes with ``feed(_:)-(UnsafeRawBufferPointer)`` until
/// it returns the response; when the peer closes, call ``finish()``, which
/// ends a close-delimited body or says what was missing.
///
/// After the first error, every call throws that error again.
package struct HTTPResponseParser: Sendable {
  enum State: Sendable {
    case statusLine
    case headerLine
    case fixedBody(remaining: Int)
    case chunkSize
    case chunkData(remaining: Int)
    case chunkDataEnd(sawCR: Bool)
    case trailer
    case untilEOF
    case done
    case failed(HTTPError)
  }

  /// The bounds in force.
  package let limits: HTTPParserLimits
  /// Whether the request was HEAD, whose response never has a body.
  package let isResponseToHEAD: Bool

  var state = State.statusLine
  var line = HTTPLineBuffer()
  var headBudget: Int
  var trailerBudget: Int
  var chunkLineBudget: Int
  var version = HTTPVersion.http11
  var status = 0
  var reason = ""
  var headers = HTTPHeaders()
  var framing = HTTPBodyFraming.none
  var body: [UInt8] = []
  var hasFinalHead = false

  /// The response, once complete.
  package private(set) var response: HTTPResponse?
  /// Bytes fed so far, the ones after the response included.
  package private(set) var receivedByteCount = 0
  /// Bytes fed after the response was complete: a server that sends them
  /// cannot be trusted with another request on this connection.
  package private(set) var excessByteCount = 0

  /// Creates a parser for the response to one request.
  package init(limits: HTTPParserLimits = HTTPParserLimits(), isResponseToHEAD: Bool = false) {
    self.limits = limits
    self.isResponseToHEAD = isResponseToHEAD
    self.headBudget = limits.maxHeadBytes
    self.trailerBudget = limits.maxTrailerBytes
    self.chunkLineBudget = limits.maxChunkLineBytes
  }

  /// The final response's status line and headers, as soon as they are read
  /// (before the body), or nil.
  package var head: HTTPResponseHead? {
    hasFinalHead ? HTTPResponseHead(version: version, status: status, reason: reason, headers: headers) : nil
  }

  /// Whether the connection may carry the next request: the response is
  /// complete, ``HTTPResponse/isReusable``, and no byte followed it.
  package var isConnectionReusable: Bool {
    response?.isReusable == true && excessByteCount == 0
  }

  /// Feeds the next bytes read from the connection.
  ///
  /// - Returns: the response on the call that completes it (a truncated body
  ///   completes it too), nil before and after.
  /// - Throws: ``HTTPError`` when the response is malformed or too large.
  package mutating func feed(_ bytes: UnsafeRawBufferPointer) throws(HTTPError) -> HTTPResponse? {
    switch state {
    case .failed(let error): throw error
    case .done:
      receivedByteCount += bytes.count
      excessByteCount += bytes.count
      return nil
    default: break
    }
    receivedByteCount += bytes.count
    var index = 0
    do throws(HTTPError) {
      while index < bytes.count {
        try step(bytes, &index)
        if case .done = state {
          excessByteCount += bytes.count - index
          return response
        }
      }
    } catch {
      state = .failed(error)
      throw error
    }
    return nil
  }

  /// Feeds the next bytes read from the connection; see ``feed(_:)-(UnsafeRawBufferPointer)``.
  package mutating func feed(_ bytes: [UInt8]) throws(HTTPError) -> HTTPResponse? {
    let result: Result<HTTPResponse?, HTTPError> = bytes.withUnsafeBytes { raw in
      Result { () throws(HTTPError) in try feed(raw) }
    }
    return try result.get()
  }

  /// Tells the parser the peer closed the connection (end of file).
  ///
  /// - Returns: the response, when it was complete or its body was close-delimited.
  /// - Throws: ``HTTPError`` naming what the close cut short.
  package mutating func finish() throws(HTTPError) -> HTTPResponse {
    if let response { return response }
    let error: HTTPError
    switch state {
    case .failed(let e): throw e
    case .untilEOF, .done: return complete()
    case .statusLine where receivedByteCount == 0:
      error = HTTPError(.closedBeforeResponse, "the connection closed before any response byte")
    case .statusLine, .headerLine:
      error = HTTPError(.unexpectedEOFInHead, "the connection closed inside the response head")
    case .fixedBody(let remaining):
      error = HTTPError(
        .bodyShorterThanContentLength, "the connection closed with \(remaining) bytes of the content-length missing")
    case .chunkSize, .chunkData, .chunkDataEnd, .trailer:
      error = HTTPError(.unexpectedEOFInChunkedBody, "the connection closed inside the chunked body")
    }
    state = .failed(error)
    throw error
  }

  /// Advances by one step of the state machine, consuming at least one byte.
  private mutating func step(_ bytes: UnsafeRawBufferPointer, _ index: inout Int) throws(HTTPError) {
    switch state {
    case .statusLine:
      let limit = limits.maxHeadBytes
      guard let l = try line.take(bytes, at: &index, budget: &headBudget, overflow: Self.headTooLarge(limit)) else { return }
      try parseStatusLine(l)
      headers = HTTPHeaders()
      state = .headerLine
    case .headerLine:
      let limit = limits.maxHeadBytes
      guard let l = try line.take(bytes, at: &index, budget: &headBudget, overflow: Self.headTooLarge(limit)) else { return }
      if l.isEmpty { try endOfHead() } else { headers.append(try Self.parseField(l)) }
    case .fixedBody(let remaining):
      let n = min(remaining, bytes.count - index)
      guard keepBody(bytes, &index, n) else { return }
      if remaining == n { complete() } else { state = .fixedBody(remaining: remaining - n) }
    case .chunkSize:
      let limit = limits.maxChunkLineBytes
      guard
        let l = try line.take(
          bytes, at: &index, budget: &chunkLineBudget,
          overflow: HTTPError(.badChunk, "a chunk-size line is longer than \(limit) bytes"))
      else { return }
      chunkLineBudget = limits.maxChunkLineBytes
      let size = try Self.chunkSize(l)
      state = size == 0 ? .trailer : .chunkData(remaining: size)
    case .chunkData(let remaining):
      let n = min(remaining, bytes.count - index)
      guard keepBody(bytes, &index, n) else { return }
      state = remaining == n ? .chunkDataEnd(sawCR: false) : .chunkData(remaining: remaining - n)
    case .chunkDataEnd(let sawCR):
      let b = bytes[index]
      index += 1
      if b == HTTPSyntax.lf {
        state = .chunkSize
      } else if b == HTTPSyntax.cr && !sawCR {
        state = .chunkDataEnd(sawCR: true)
      } else {
        throw HTTPError(.badChunk, "chunk data is longer than its size (no CRLF after it)")
      }
    case .trailer:
      let limit = limits.maxTrailerBytes
      guard
        let l = try line.take(
          bytes, at: &index, budget: &trailerBudget,
          overflow: HTTPError(.trailersTooLarge, "the trailer fields exceed \(limit) bytes"))
      else { return }
      if l.isEmpty { complete() } else { _ = try Self.parseField(l) }
    case .untilEOF:
      _ = keepBody(bytes, &index, bytes.count - index)
    case .done, .failed:
      index = bytes.count
    }
  }

  /// Keeps `count` body bytes at `index` within the body limit.
  ///
  /// - Returns: false when the limit was passed: the response is then
  ///   complete and truncated, and `index` stops at the first byte not kept.
  private mutating func keepBody(_ bytes: UnsafeRawBufferPointer, _ index: inout Int, _ count: Int) -> Bool {
    let room = limits.maxBodyBytes - body.count
    let kept = min(count, room)
    body.append(contentsOf: bytes[index..<(index + kept)])
    index += kept
    if count > room {
      complete(truncated: true)
      return false
    }
    return true
  }

  /// Builds the response, stores it and moves to `.done`.
  @discardableResult
  mutating func complete(truncated: Bool = false) -> HTTPResponse {
    let done = HTTPResponse(
      head: HTTPResponseHead(version: version, status: status, reason: reason, headers: headers), body: body,
      isBodyTruncated: truncated, framing: framing)
    response = done
    state = .done
    return done
  }

  private static func headTooLarge(_ limit: Int) -> HTTPError {
    HTTPError(.headerTooLarge, "the response head exceeds \(limit) bytes")
  }
}

/// The bounds an ``HTTPResponseParser`` keeps, all checked before the bytes are kept.
package struct HTTPParserLimits: Sendable, Equatable {
  /// The most bytes of status line and header fields (with their line ends)
  /// across one response and the `1xx` interim responses before it.
  package var maxHeadBytes: Int
  /// The most bytes of body kept; one byte more ends the parse as truncated.
  package var maxBodyBytes: Int
  /// The most bytes of trailer fields after a chunked body's last chunk.
  package var maxTrailerBytes: Int
  /// The most bytes of one chunk-size line, extensions included.
  package var maxChunkLineBytes: Int

  /// Creates limits; the defaults are 16 KiB of head, 64 KiB of body,
  /// 4 KiB of trailers and 1 KiB per chunk-size line.
  package init(
    maxHeadBytes: Int = 16 * 1024, maxBodyBytes: Int = 64 * 1024, maxTrailerBytes: Int = 4 * 1024,
    maxChunkLineBytes: Int = 1024
  ) {
    self.maxHeadBytes = maxHeadBytes
    self.maxBodyBytes = maxBodyBytes
    self.maxTrailerBytes = maxTrailerBytes
    self.maxChunkLineBytes = maxChunkLineBytes
  }
}
