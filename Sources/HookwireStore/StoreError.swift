/// An error from a store, with a code callers can act on.
public struct StoreError: Error, Equatable, Sendable, CustomStringConvertible {
  /// What kind of failure.
  public enum Code: String, Sendable {
    /// The entity does not exist.
    case notFound = "not_found"
    /// A uniqueness or foreign-key rule would break.
    case constraint
    /// The database is newer than this binary understands.
    case schemaTooNew = "schema_too_new"
    /// The database could not be opened, read or written.
    case io
    /// Anything else SQLite reported.
    case `internal`
  }

  /// The kind of failure.
  public var code: Code
  /// What happened, without any secret.
  public var message: String

  /// Creates an error.
  public init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  public var description: String { "\(code.rawValue): \(message)" }
}
