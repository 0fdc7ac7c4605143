/// The version on a status line: Hookwire reads HTTP/1.0 and HTTP/1.1.
package enum HTTPVersion: Sendable, Equatable {
  /// HTTP/1.0: the connection closes after the response unless it says `keep-alive`.
  case http10
  /// HTTP/1.1: the connection persists unless it says `close`.
  case http11
}

/// How a response's body ends (RFC 9112 §6.3).
package enum HTTPBodyFraming: Sendable, Equatable {
  /// No body: a response to HEAD, a 204 or a 304, or `content-length: 0`.
  case none
  /// Exactly this many bytes.
  case contentLength(Int)
  /// `transfer-encoding: chunked`, up to the last (empty) chunk and its trailers.
  case chunked
  /// Everything until the server closes the connection.
  case closeDelimited
}

/// The status line and header fields of the final (non-`1xx`) response.
package struct HTTPResponseHead: Sendable, Equatable {
  /// The version on the status line.
  package var version: HTTPVersion
  /// The three-digit status code.
  package var status: Int
  /// The reason phrase; empty when the server sent none.
  package var reason: String
  /// The header fields in arrival order.
  package var headers: HTTPHeaders

  /// Creates a head.
  package init(version: HTTPVersion, status: Int, reason: String, headers: HTTPHeaders) {
    self.version = version
    self.status = status
    self.reason = reason
    self.headers = headers
  }

  /// Whether the server lets the connection carry another request after this
  /// response: HTTP/1.1 without `connection: close`, or HTTP/1.0 with
  /// `connection: keep-alive`. The body's framing decides too; see
  /// ``HTTPResponse/isReusable``.
  package var allowsKeepAlive: Bool {
    if headers.containsToken("close", in: "connection") { return false }
    return version == .http11 || headers.containsToken("keep-alive", in: "connection")
  }
}

/// A whole response as the parser read it.
package struct HTTPResponse: Sendable, Equatable {
  /// The final response's status line and headers (interim `1xx` ones are skipped).
  package var head: HTTPResponseHead
  /// The body, at most ``HTTPParserLimits/maxBodyBytes`` long.
  package var body: [UInt8]
  /// Whether more body followed than the limit keeps; the parse stopped there
  /// and the connection must be dropped.
  package var isBodyTruncated: Bool
  /// How the body was delimited.
  package var framing: HTTPBodyFraming

  /// Creates a response.
  package init(head: HTTPResponseHead, body: [UInt8], isBodyTruncated: Bool, framing: HTTPBodyFraming) {
    self.head = head
    self.body = body
    self.isBodyTruncated = isBodyTruncated
    self.framing = framing
  }

  /// The status code, for short.
  package var status: Int { head.status }

  /// Whether the protocol lets the connection serve another request: the
  /// server allows keep-alive, the body had its own framing (not
  /// close-delimited) and was read in full. HTTP/1.0 with a chunked body is
  /// never reused (RFC 9112 §6.1). The caller must also have no bytes left
  /// over; ``HTTPResponseParser/isConnectionReusable`` says both.
  package var isReusable: Bool {
    if isBodyTruncated || framing == .closeDelimited { return false }
    if head.version == .http10 && framing == .chunked { return false }
    return head.allowsKeepAlive
  }
}
