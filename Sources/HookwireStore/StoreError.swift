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
    /// The database cannot be reached now (refused, lost, shutting down,
    /// out of connections); the same work may succeed later.
    case unavailable
    /// The work collided with concurrent work (a serialization failure or
    /// a deadlock) and was rolled back; running it again is expected to succeed.
    case retryable
    /// Anything else the database reported.
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
