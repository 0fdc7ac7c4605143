import Foundation

/// The result of one HTTP POST.
public struct HTTPOutcome: Sendable, Equatable {
  /// The status, or nil when no response arrived.
  public var status: Int?
  /// The first 1 KiB of the response body.
  public var excerpt: String
  /// Why no response arrived (timeout, refused…).
  public var error: String
  /// The `Retry-After` delay the endpoint asked for, if any.
  public var retryAfter: Duration?

  public init(status: Int?, excerpt: String = "", error: String = "", retryAfter: Duration? = nil) {
    self.status = status
    self.excerpt = excerpt
    self.error = error
    self.retryAfter = retryAfter
  }
}

/// Sends deliveries; a real sender over HTTP, or a recording one in tests.
public protocol HTTPSender: Sendable {
  func post(url: URL, headers: [(String, String)], body: [UInt8], timeout: Duration) async -> HTTPOutcome
}
