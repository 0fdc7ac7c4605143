import Foundation

/// The result of one HTTP POST.
package struct HTTPOutcome: Sendable, Equatable {
  /// The status, or nil when no response arrived.
  package var status: Int?
  /// The first 1 KiB of the response body.
  package var excerpt: String
  /// Why the exchange failed: no response (timeout, refused…), a redirect
  /// not followed, or a body that broke off; empty otherwise.
  package var error: String
  /// The `Retry-After` delay the endpoint asked for, if any.
  package var retryAfter: Duration?
  /// What kind of failure `error` describes, when the exchange failed.
  package var failure: Failure?

  /// How an exchange failed, for metrics.
  package enum Failure: Sendable, Equatable {
    /// It did not finish within the timeout.
    case timeout
    /// No connection could be made.
    case connect
    /// TLS failed.
    case tls
    /// The answer broke HTTP or the connection ended inside it.
    case protocolError
  }

  /// An outcome; the fields left out are empty or nil.
  package init(status: Int?, excerpt: String = "", error: String = "", retryAfter: Duration? = nil, failure: Failure? = nil) {
    self.status = status
    self.excerpt = excerpt
    self.error = error
    self.retryAfter = retryAfter
    self.failure = failure
  }
}

/// Sends deliveries; a real sender over HTTP, or a recording one in tests.
package protocol HTTPSender: Sendable {
  /// POSTs `body` with `headers` to `target` — to its checked addresses
  /// only — `timeout` bounding the whole exchange; it never throws: no
  /// answer is an outcome with no status and the reason in `error`.
  func post(to target: CheckedTarget, headers: [(String, String)], body: [UInt8], timeout: Duration) async -> HTTPOutcome

  /// Lets go of connections and threads once deliveries have stopped.
  func shutdown() async
}

extension HTTPSender {
  /// Nothing to let go of.
  package func shutdown() async {}
}
