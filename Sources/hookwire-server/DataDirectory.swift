import Foundation
import HookwireStore

/// The server's data directory: the SQLite database and its stores.
struct DataDirectory {
  let database: Database
  let store: SQLitePartnerStore

  /// Creates the directory if needed and opens (migrating) the database.
  static func open(_ path: String) throws -> DataDirectory {
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    let database = try Database(
      path: URL(fileURLWithPath: path).appendingPathComponent("hookwire.sqlite").path, migrations: HookwireSchema.migrations)
    return DataDirectory(database: database, store: SQLitePartnerStore(database: database))
  }
}
