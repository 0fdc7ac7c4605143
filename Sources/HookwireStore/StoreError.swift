/// An error from a store, with a code callers can act on.
package struct StoreError: Error, Equatable, Sendable, CustomStringConvertible {
  /// What kind of failure.
  package enum Code: String, Sendable {
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
  package var code: Code
  /// What happened, without any secret.
  package var message: String

  /// Creates an error.
  package init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  /// The code's name and the message, as logs show them.
  package var description: String { "\(code.rawValue): \(message)" }
}
