/// The HTTP layer's one error: a response Hookwire refuses to read any
/// further, or a request it refuses to write.
///
/// A response failure leaves the connection unusable: the caller closes it
/// and records the attempt as failed with ``description`` as its one-line
/// reason. A request failure writes nothing: a byte in it would let a value
/// end its line early and add headers or a request of its own (CR/LF
/// injection), or a field would contradict the framing the writer sets.
package struct HTTPError: Error, Equatable, Sendable, CustomStringConvertible {
  /// What went wrong, as a stable, switchable code.
  package enum Code: String, Sendable, Equatable, CaseIterable {
    /// The status line is not `HTTP/x.y NNN [reason]`.
    case malformedStatusLine = "malformed_status_line"
    /// The status line names a version other than HTTP/1.0 or HTTP/1.1.
    case unsupportedVersion = "unsupported_version"
    /// The server answered `101 Switching Protocols`, which a delivery never asks for.
    case switchingProtocols = "switching_protocols"
    /// The status line and header fields together exceed the head limit.
    case headerTooLarge = "header_too_large"
    /// A header line is not `name: value` with a token name and a clean value.
    case invalidHeader = "invalid_header"
    /// A `content-length` is not a decimal number, or two of them disagree.
    case badContentLength = "bad_content_length"
    /// Both `transfer-encoding` and `content-length` are present (a smuggling signal).
    case conflictingFraming = "conflicting_framing"
    /// A `transfer-encoding` other than exactly `chunked`.
    case unsupportedTransferEncoding = "unsupported_transfer_encoding"
    /// A chunk-size line or a chunk's closing CRLF is malformed.
    case badChunk = "bad_chunk"
    /// The trailer section of a chunked body exceeds the trailer limit.
    case trailersTooLarge = "trailers_too_large"
    /// The connection closed before `content-length` bytes of body arrived.
    case bodyShorterThanContentLength = "body_shorter_than_content_length"
    /// The connection closed inside a chunked body.
    case unexpectedEOFInChunkedBody = "unexpected_eof_in_chunked_body"
    /// The connection closed inside the status line or the header fields.
    case unexpectedEOFInHead = "unexpected_eof_in_head"
    /// The connection closed before a single byte of response arrived
    /// (on a pooled connection: the server had closed it while idle).
    case closedBeforeResponse = "closed_before_response"

    // Requests.
    /// A request line is not `METHOD SP target SP HTTP/x.y` (the metrics server reads requests).
    case malformedRequestLine = "malformed_request_line"
    /// The request target is empty, does not start with `/`, or holds a space, a control or a non-ASCII byte.
    case invalidTarget = "invalid_target"
    /// The host is empty or holds a space, a control or a non-ASCII byte.
    case invalidHost = "invalid_host"
    /// A header name is empty or not a token (CR, LF, colon, space…).
    case invalidHeaderName = "invalid_header_name"
    /// A header value holds CR, LF, NUL or another control byte.
    case invalidHeaderValue = "invalid_header_value"
    /// An extra header names a field the writer sets itself
    /// (`host`, `content-type`, `content-length`, `transfer-encoding`).
    case reservedHeader = "reserved_header"
  }

  /// What went wrong.
  package var code: Code
  /// A human-readable detail, fit for a delivery log line.
  package var message: String

  /// Creates an error with a code and a detail.
  package init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  /// The code and the detail on one line.
  package var description: String { "\(code.rawValue): \(message)" }
}
