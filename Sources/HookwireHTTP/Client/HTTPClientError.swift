import HookwirePosix

#if canImport(Glibc)
import Glibc
#endif

/// Why an exchange brought no (whole) response: one printable line for a
/// delivery log, and a kind to decide on.
package struct HTTPClientError: Error, Sendable, CustomStringConvertible {
  /// The kinds of failure.
  package enum Kind: Sendable, Equatable {
    /// The request breaks HTTP's framing (CR/LF in a header…); nothing was sent.
    case invalidRequest
    /// No connection could be made to any of the addresses.
    case connectFailed
    /// The whole exchange did not finish in time.
    case timedOut
    /// The endpoint reset the connection.
    case reset
    /// The connection ended before a single byte of response.
    case closedBeforeResponse
    /// The connection ended inside the response.
    case closedMidResponse
    /// The response broke HTTP/1.1; the code says how.
    case malformedResponse(HTTPError.Code)
    /// The TLS handshake or a TLS record failed (an untrusted certificate among them).
    case tls
    /// The client has shut down, or was never given what the request needs.
    case unavailable
  }

  /// The kind.
  package var kind: Kind
  /// One line saying why.
  package var reason: String
  /// The response's status line and headers, when they had arrived before the failure.
  package var head: HTTPResponseHead?

  /// An error of `kind`.
  package init(_ kind: Kind, _ reason: String, head: HTTPResponseHead? = nil) {
    self.kind = kind
    self.reason = reason
    self.head = head
  }

  package var description: String { reason }

  /// The error a failed socket call amounts to.
  static func io(_ error: IOError, receivedResponseBytes: Bool, head: HTTPResponseHead?) -> HTTPClientError {
    if error.errno == ECONNRESET {
      return HTTPClientError(.reset, "connection reset by the endpoint", head: head)
    }
    if error.errno == EPIPE && !receivedResponseBytes {
      // Writing to a connection the endpoint had already closed.
      return HTTPClientError(.closedBeforeResponse, "the endpoint had closed the connection")
    }
    return HTTPClientError(
      receivedResponseBytes ? .closedMidResponse : .closedBeforeResponse, "the connection failed: \(error)", head: head)
  }
}
