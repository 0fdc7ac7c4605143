import Foundation
import HookwireCrypto
import HookwireStore

/// The server's data directory: the SQLite database and its stores.
struct DataDirectory {
  let database: Database
  let store: SQLitePartnerStore
  let webhooks: SQLiteWebhookStore
  let events: SQLiteEventStore
  /// Encrypts webhook secrets at rest; its key is `secret.key` in the directory.
  let secrets: SecretBox

  /// Creates the directory if needed and opens (migrating) the database.
  static func open(_ path: String) throws -> DataDirectory {
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    let database = try Database(
      path: URL(fileURLWithPath: path).appendingPathComponent("hookwire.sqlite").path, migrations: DatabaseMigrations.migrations)
    let key = try SecretBox.loadOrCreateKey(at: URL(fileURLWithPath: path).appendingPathComponent("secret.key").path)
    return DataDirectory(
      database: database, store: SQLitePartnerStore(database: database), webhooks: SQLiteWebhookStore(database: database),
      events: SQLiteEventStore(database: database), secrets: try SecretBox(key: key))
  }
}
