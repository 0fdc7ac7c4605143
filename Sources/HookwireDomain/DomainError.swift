/// A domain rule the request broke, with a code the RPC layer maps to a
/// status in one place.
public struct DomainError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The kind of failure.
  public enum Code: Sendable, Equatable {
    case invalidArgument
    case notFound
    case alreadyExists
    case permissionDenied
    case unauthenticated
    case failedPrecondition
    case aborted
    case unavailable
  }

  public var code: Code
  public var message: String

  public init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  public var description: String { "\(code): \(message)" }

  /// A value from the request as it may appear in a message: at most
  /// `limit` characters, cut with an ellipsis, so an error never echoes
  /// unbounded input.
  public static func echo(_ value: some StringProtocol, limit: Int = 64) -> String {
    guard value.count > limit else { return String(value) }
    return String(value.prefix(limit)) + "…"
  }
}
