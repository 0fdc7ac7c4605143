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

  /// An outcome; the fields left out are empty or nil.
  package init(status: Int?, excerpt: String = "", error: String = "", retryAfter: Duration? = nil) {
    self.status = status
    self.excerpt = excerpt
    self.error = error
    self.retryAfter = retryAfter
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
