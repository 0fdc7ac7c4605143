/// A domain rule the request broke. The code says what happened in
/// Hookwire's terms; the server's error mapping (one file) decides which
/// status a client sees for each.
package struct DomainError: Error, Equatable, Sendable, CustomStringConvertible {
  /// What happened.
  package enum Code: Sendable, Equatable {
    /// A value in the request breaks a rule (a malformed URL, an unknown
    /// event type, a page token this server did not issue).
    case invalid
    /// The thing named does not exist (or is out of reach and answered as absent).
    case notFound
    /// The thing would clash with one that exists (an id or name taken).
    case conflict
    /// The caller is known but may not do this.
    case forbidden
    /// The caller is not known: no key, or an unknown or revoked one.
    case unauthenticated
    /// The request is well formed but not possible as things stand (a
    /// disabled webhook cannot be paused; credentials cannot be changed).
    case precondition
    /// The caller's expected version is not the current one: reload and retry.
    case staleVersion
    /// The part of Hookwire this needs is not running here.
    case unavailable
    /// The caller used up a bound it is held to (a listener fell too far behind).
    case exhausted
  }

  /// What happened.
  package var code: Code
  /// What the caller is told (never a secret, never unbounded input).
  package var message: String

  /// An error with a message for the caller.
  package init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  /// The code and the message, for logs.
  package var description: String { "\(code): \(message)" }

  /// A value from the request as it may appear in a message: at most
  /// `limit` characters, cut with an ellipsis, so an error never echoes
  /// unbounded input.
  package static func echo(_ value: some StringProtocol, limit: Int = 64) -> String {
    guard value.count > limit else { return String(value) }
    return String(value.prefix(limit)) + "…"
  }
}
