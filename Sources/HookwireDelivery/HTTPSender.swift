import Foundation

/// The result of one HTTP POST.
package struct HTTPOutcome: Sendable, Equatable {
  /// The status, or nil when no response arrived.
  package var status: Int?
  /// The first 1 KiB of the response body.
  package var excerpt: String
  /// Why no response arrived (timeout, refused…).
  package var error: String
  /// The `Retry-After` delay the endpoint asked for, if any.
  package var retryAfter: Duration?

  package init(status: Int?, excerpt: String = "", error: String = "", retryAfter: Duration? = nil) {
    self.status = status
    self.excerpt = excerpt
    self.error = error
    self.retryAfter = retryAfter
  }
}

/// Sends deliveries; a real sender over HTTP, or a recording one in tests.
package protocol HTTPSender: Sendable {
  func post(url: URL, headers: [(String, String)], body: [UInt8], timeout: Duration) async -> HTTPOutcome
}
