import Foundation
import HookwireCrypto
import HookwirePostgres
import HookwireServer
import HookwireStore

extension BenchDatabase {
  /// The environment variable that hands the child servers of one run the
  /// same secret key (hex), so a server can sign for webhooks another one
  /// created; each run makes a fresh one.
  static let secretKeyVariable = "HOOKWIRE_BENCH_SECRET_KEY"

  /// The stores a child server works on, and what it removes when it ends.
  struct Opened: Sendable {
    /// Every store, and the box for webhook secrets.
    let stores: HookwireApplication.Stores
    /// The SQLite database's own directory, removed at the end; nil for PostgreSQL.
    let directory: String?

    /// Removes what the stores left on disk (nothing for PostgreSQL: the
    /// parent drops its scratch database).
    func remove() {
      if let directory { try? FileManager.default.removeItem(atPath: directory) }
    }
  }

  /// A fresh secret key, hex, for `secretKeyVariable`.
  static func freshSecretKey() -> String {
    Crypto.randomBytes(32).map { String(format: "%02x", $0) }.joined()
  }

  /// Opens the stores of a child server: a fresh SQLite database in a new
  /// directory named after `label`, or `PostgresStores` on the URL with
  /// `node` as this server's name in delivery leases, its caches kept by
  /// the other servers' change notices as `hookwire-server`'s are.
  func openStores(label: String, node: String, perWebhookLimit: Int) async throws -> Opened {
    let secrets = try SecretBox(key: Self.secretKey())
    switch self {
    case .sqlite(let base):
      let directory = URL(fileURLWithPath: base ?? NSTemporaryDirectory()).appendingPathComponent("hookwire-bench-\(label)-\(UUID().uuidString)")
      try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
      let database = try Database(path: directory.appendingPathComponent("hookwire.sqlite").path, migrations: DatabaseMigrations.migrations)
      return Opened(stores: .sqlite(database, secrets: secrets), directory: directory.path)
    case .postgres(let url):
      var options = PostgresStores.Options(node: node)
      options.perWebhookLimit = perWebhookLimit
      let postgres = try await PostgresStores.open(url: url, options: options)
      // As hookwire-server does: every server on the database must hold the same key.
      try await postgres.verifySecretKey(secrets)
      return Opened(stores: .postgres(postgres, secrets: secrets), directory: nil)
    }
  }

  /// The run's key from the environment, else a fresh one.
  private static func secretKey() -> [UInt8] {
    guard let hex = ProcessInfo.processInfo.environment[secretKeyVariable], hex.utf8.count == 64 else { return Crypto.randomBytes(32) }
    let digits = Array(hex.utf8)
    var key: [UInt8] = []
    for index in stride(from: 0, to: digits.count, by: 2) {
      guard let byte = UInt8(String(decoding: digits[index...index + 1], as: UTF8.self), radix: 16) else { return Crypto.randomBytes(32) }
      key.append(byte)
    }
    return key
  }
}
