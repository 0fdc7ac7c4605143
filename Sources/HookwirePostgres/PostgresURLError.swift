/// Why a PostgreSQL URL was refused; the message never repeats the
/// user information (the password least of all).
package struct PostgresURLError: Error, Equatable, Sendable, CustomStringConvertible {
  /// What is wrong with the URL.
  package enum Reason: Equatable, Sendable {
    /// It starts with neither `postgres://` nor `postgresql://`.
    case scheme
    /// It has no `user@` before the host.
    case noUser
    /// Nothing stands between `@` and the port or path.
    case noHost
    /// An IPv6 host opens `[` and never closes it.
    case unclosedIPv6
    /// The port is not a number from 1 to 65535 (the text given).
    case badPort(String)
    /// It has no `/database` (or an empty one).
    case noDatabase
    /// The database name holds a `/`.
    case databaseWithSlash
    /// A `%` is not followed by two hex digits, or decodes to invalid UTF-8.
    case badPercentEscape
    /// A query parameter other than `sslmode` and `connect_timeout`.
    case unknownParameter(String)
    /// A query parameter without `=value`.
    case parameterWithoutValue(String)
    /// A query parameter given more than once.
    case parameterTwice(String)
    /// `sslmode` is not one of libpq's modes (the text given).
    case sslMode(String)
    /// `connect_timeout` is not a whole number of seconds from 1 to 3600.
    case connectTimeout(String)
  }

  /// What is wrong.
  package var reason: Reason

  /// Creates the error for `reason`.
  package init(_ reason: Reason) { self.reason = reason }

  /// The sentence an operator reads.
  package var message: String {
    switch reason {
    case .scheme: "the database URL must start with postgres:// or postgresql://"
    case .noUser: "the database URL has no user name (postgres://user@host/database)"
    case .noHost: "the database URL has no host"
    case .unclosedIPv6: "the database URL's IPv6 host has no closing ]"
    case .badPort(let port): "the database URL's port \"\(port)\" is not a number from 1 to 65535"
    case .noDatabase: "the database URL has no database name (postgres://user@host/database)"
    case .databaseWithSlash: "the database URL's database name has a /"
    case .badPercentEscape: "the database URL has a % not followed by two hex digits of UTF-8"
    case .unknownParameter(let name): "the database URL has an unknown parameter \"\(name)\" (known: sslmode, connect_timeout)"
    case .parameterWithoutValue(let name): "the database URL's parameter \"\(name)\" has no value"
    case .parameterTwice(let name): "the database URL gives the parameter \"\(name)\" twice"
    case .sslMode(let mode):
      "the database URL's sslmode \"\(mode)\" is not one of "
        + PostgresURL.SSLMode.allCases.map(\.rawValue).joined(separator: ", ")
    case .connectTimeout(let value): "the database URL's connect_timeout \"\(value)\" is not a whole number of seconds from 1 to 3600"
    }
  }

  /// The message.
  package var description: String { message }
}
