import Foundation
import HookwirePostgres

/// Where a benchmark's server keeps its data, from `--database`: a fresh
/// SQLite database in a directory (`sqlite:DIR`, or a temporary one when
/// the flag is left out), or a PostgreSQL server
/// (`postgres://user@host:port/db`, `postgresql://` too).
enum BenchDatabase {
  /// A fresh SQLite database inside `directory` (nil: the system's temporary directory).
  case sqlite(directory: String?)
  /// A PostgreSQL database.
  case postgres(PostgresURL)

  /// The environment variable that carries a PostgreSQL password to the
  /// child servers and to `pgbench`, so it never appears on a command line.
  static let passwordVariable = "PGPASSWORD"

  /// Parses `--database`; nil means the flag was left out.
  init(_ text: String?) throws(BenchFailure) {
    guard let text else {
      self = .sqlite(directory: nil)
      return
    }
    if text.hasPrefix("sqlite:") {
      let directory = String(text.dropFirst("sqlite:".count))
      guard !directory.isEmpty else { throw BenchFailure("--database sqlite:DIR needs a directory") }
      var isDirectory: ObjCBool = false
      guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
        throw BenchFailure("--database sqlite:\(directory): no such directory")
      }
      self = .sqlite(directory: directory)
      return
    }
    guard text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") else {
      throw BenchFailure("--database takes sqlite:DIR or postgres://user@host:port/database, not '\(text.prefix(32))'")
    }
    do {
      self = .postgres(try PostgresURL(parsing: text))
    } catch {
      throw BenchFailure("--database: \(error.message)")
    }
  }

  /// `sqlite` or `postgres`, as the output lines name it.
  var kind: String {
    switch self {
    case .sqlite: "sqlite"
    case .postgres: "postgres"
    }
  }

  /// The `--database` value and environment that hand this database to a
  /// child server: the URL without its password, which goes in the
  /// environment instead.
  var childArguments: (arguments: [String], environment: [String: String]) {
    switch self {
    case .sqlite(let directory):
      return (directory.map { ["--database", "sqlite:" + $0] } ?? [], [:])
    case .postgres(let url):
      var bare = url
      bare.password = nil
      return (["--database", bare.description], url.password.map { [Self.passwordVariable: $0] } ?? [:])
    }
  }

  /// What a child server was handed: the URL it was given, with the
  /// password from the environment when the URL has none.
  static func received(_ text: String?) throws(BenchFailure) -> BenchDatabase {
    let database = try BenchDatabase(text)
    guard case .postgres(var url) = database, url.password == nil,
      let password = ProcessInfo.processInfo.environment[passwordVariable]
    else { return database }
    url.password = password
    return .postgres(url)
  }
}
