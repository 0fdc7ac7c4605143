import Foundation
import HookwireCommandLine
import HookwireCrypto
import HookwireDomain
import HookwirePostgres
import HookwireServer
import HookwireStore

/// Where the server's data lives: a SQLite data directory (the embedded
/// default) or a PostgreSQL database that several servers share.
enum DatabaseLocation: Equatable {
  /// `sqlite:DIR`: the database file and the secret key in `DIR`.
  case sqlite(directory: String)
  /// `postgres://…` or `postgresql://…`.
  case postgres(PostgresURL)

  /// The default: `./hookwire-data`.
  static let standard = DatabaseLocation.sqlite(directory: "./hookwire-data")

  /// The location `--database` (or `HOOKWIRE_DATABASE`) names; `--data-dir
  /// DIR` stays as another way to say `sqlite:DIR`.
  static func parse(_ text: String, source: String) throws(UsageError) -> DatabaseLocation {
    if text.hasPrefix("sqlite:") {
      let directory = String(text.dropFirst("sqlite:".count))
      guard !directory.isEmpty else { throw UsageError("\(source) takes sqlite:DIR with a directory, not '\(text)'") }
      return .sqlite(directory: directory)
    }
    if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
      do {
        return .postgres(try PostgresURL(parsing: text))
      } catch {
        throw UsageError("\(source): \(error.message)")
      }
    }
    throw UsageError("\(source) takes sqlite:DIR or postgres://user@host:port/database, not '\(Self.shown(text))'")
  }

  /// The `--database`, `--data-dir` and `HOOKWIRE_DATABASE` settings as one location.
  static func chosen(_ parsed: CommandArguments, environment: [String: String]) throws(UsageError) -> DatabaseLocation {
    if let directory = parsed.string("data-dir") {
      guard !directory.isEmpty else { throw UsageError("option '--data-dir' needs a directory") }
      guard parsed.string("database") == nil else {
        throw UsageError("option '--data-dir' and '--database' exclude each other (--data-dir DIR is --database sqlite:DIR)")
      }
      return .sqlite(directory: directory)
    }
    if let text = parsed.string("database") { return try parse(text, source: "option '--database'") }
    if let text = environment["HOOKWIRE_DATABASE"], !text.isEmpty { return try parse(text, source: "HOOKWIRE_DATABASE") }
    return .standard
  }

  /// How the location is named in logs (a URL without its password).
  var description: String {
    switch self {
    case .sqlite(let directory): "sqlite:\(directory)"
    case .postgres(let url): url.description
    }
  }

  /// A URL that does not parse is echoed without what may be its password.
  private static func shown(_ text: String) -> String {
    guard let at = text.lastIndex(of: "@"), let scheme = text.range(of: "://") else { return text }
    return String(text[..<scheme.upperBound]) + "…" + String(text[at...])
  }
}

/// The stores a server or an admin command works on, opened.
struct OpenedDatabase {
  let stores: HookwireApplication.Stores
  /// Closes the database; call once, after the last use.
  let close: @Sendable () async -> Void

  /// Opens (migrating) the database at `location`. SQLite keeps its
  /// secret key in the data directory; PostgreSQL servers share the key
  /// in `secretKeyFile`, which the first one creates.
  ///
  /// `postgres` sets this server's part among several (node name, leases).
  /// An admin command (`forAdmin`) works on partners and keys only, so it
  /// needs no secret key on PostgreSQL. `metrics` counts the database's
  /// transactions and reads, on SQLite or PostgreSQL.
  static func open(
    _ location: DatabaseLocation, secretKeyFile: String?, postgres options: PostgresStores.Options = PostgresStores.Options(),
    forAdmin: Bool = false, metrics: StoreMetrics? = nil
  ) async throws -> OpenedDatabase {
    switch location {
    case .sqlite(let directory):
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
      let database = try Database(
        path: URL(fileURLWithPath: directory).appendingPathComponent("hookwire.sqlite").path, migrations: DatabaseMigrations.migrations,
        metrics: metrics)
      let keyFile = secretKeyFile ?? URL(fileURLWithPath: directory).appendingPathComponent("secret.key").path
      let secrets = try SecretBox(key: try SecretBox.loadOrCreateKey(at: keyFile))
      return OpenedDatabase(stores: .sqlite(database, secrets: secrets), close: { database.close() })
    case .postgres(let url) where forAdmin:
      let stores = try await PostgresStores.open(url: url, options: options, metrics: metrics)
      let unused = try SecretBox(key: Crypto.randomBytes(32))
      return OpenedDatabase(stores: .postgres(stores, secrets: unused), close: { await stores.close() })
    case .postgres(let url):
      guard let secretKeyFile else { throw StartError("a PostgreSQL database needs --secret-key-file: every server on it shares one key file") }
      let secrets = try SecretBox(key: try SecretBox.loadOrCreateKey(at: secretKeyFile))
      let stores = try await PostgresStores.open(url: url, options: options, metrics: metrics)
      do {
        try await stores.verifySecretKey(secrets)
      } catch {
        await stores.close()
        throw error
      }
      return OpenedDatabase(stores: .postgres(stores, secrets: secrets), close: { await stores.close() })
    }
  }
}

/// A reason the server cannot start, said in one line.
struct StartError: Error, CustomStringConvertible {
  let description: String
  init(_ description: String) { self.description = description }
}
