import CSQLite

/// One SQLite connection, used by one thread at a time (its worker's).
package final class SQLiteConnection {
  let handle: OpaquePointer
  private var statements: [String: Statement] = [:]

  /// Opens (creating if needed) the database at `path`.
  package init(path: String, readOnly: Bool = false) throws(StoreError) {
    var db: OpaquePointer?
    let flags = (readOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) | SQLITE_OPEN_NOMUTEX
    let result = sqlite3_open_v2(path, &db, flags, nil)
    guard result == SQLITE_OK, let db else {
      let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
      sqlite3_close(db)
      throw StoreError(.io, "cannot open the database: \(message)")
    }
    handle = db
    sqlite3_extended_result_codes(db, 1)
  }

  deinit {
    statements.removeAll()
    sqlite3_close_v2(handle)
  }

  /// Runs SQL that returns no rows (several statements allowed).
  package func execute(_ sql: String) throws(StoreError) {
    var error: UnsafeMutablePointer<CChar>?
    let result = sqlite3_exec(handle, sql, nil, nil, &error)
    if result != SQLITE_OK {
      let message = error.map { String(cString: $0) } ?? "error \(result)"
      sqlite3_free(error)
      throw Self.storeError(result, message)
    }
  }

  /// A prepared statement for `sql`, cached per connection.
  package func prepare(_ sql: String) throws(StoreError) -> Statement {
    if let cached = statements[sql] {
      cached.reset()
      return cached
    }
    var statement: OpaquePointer?
    let result = sqlite3_prepare_v3(handle, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
    guard result == SQLITE_OK, let statement else { throw error(result) }
    let prepared = Statement(statement, connection: self)
    statements[sql] = prepared
    return prepared
  }

  /// Runs `body` in a transaction (BEGIN IMMEDIATE for writers).
  package func transaction<T>(immediate: Bool = true, _ body: () throws -> T) throws -> T {
    try execute(immediate ? "BEGIN IMMEDIATE" : "BEGIN")
    do {
      let result = try body()
      // SQLite may have rolled back on its own (a full disk) under an error the body caught.
      guard inTransaction else { throw StoreError(.io, "the write was rolled back after a storage failure") }
      try execute("COMMIT")
      return result
    } catch {
      if inTransaction { try? execute("ROLLBACK") }
      throw error
    }
  }

  /// Resets every cached statement, so none holds a read snapshot open
  /// past the work that used it.
  package func resetStatements() {
    for statement in statements.values { statement.reset() }
  }

  /// Whether a transaction is open (false once SQLite has rolled one back on its own).
  package var inTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

  /// The rowid of the last insert.
  package var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

  /// Rows changed by the last statement.
  package var changes: Int { Int(sqlite3_changes(handle)) }

  func error(_ result: Int32) -> StoreError {
    Self.storeError(result, String(cString: sqlite3_errmsg(handle)))
  }

  /// SQLite's message, with a full disk said plainly.
  static func storeError(_ result: Int32, _ message: String) -> StoreError {
    if result & 0xFF == SQLITE_FULL { return StoreError(.io, "storage is full (\(message))") }
    return StoreError(code(for: result), message)
  }

  static func code(for result: Int32) -> StoreError.Code {
    switch result & 0xFF {
    case SQLITE_CONSTRAINT: .constraint
    case SQLITE_IOERR, SQLITE_CANTOPEN, SQLITE_FULL, SQLITE_READONLY, SQLITE_CORRUPT, SQLITE_NOTADB: .io
    default: .internal
    }
  }
}

/// A prepared statement: bind, step, read columns.
package final class Statement {
  let handle: OpaquePointer
  unowned let connection: SQLiteConnection

  init(_ handle: OpaquePointer, connection: SQLiteConnection) {
    self.handle = handle
    self.connection = connection
  }

  deinit { sqlite3_finalize(handle) }

  /// Clears the statement for another run with new bindings.
  package func reset() {
    sqlite3_reset(handle)
    sqlite3_clear_bindings(handle)
  }

  /// Binds values to `?` parameters, in order.
  @discardableResult
  package func bind(_ values: SQLValue...) throws(StoreError) -> Statement {
    try bind(values)
  }

  /// Binds values to `?` parameters, in order.
  @discardableResult
  package func bind(_ values: [SQLValue]) throws(StoreError) -> Statement {
    for (offset, value) in values.enumerated() {
      let index = Int32(offset + 1)
      let result: Int32
      switch value {
      case .null: result = sqlite3_bind_null(handle, index)
      case .integer(let v): result = sqlite3_bind_int64(handle, index, v)
      case .text(let v): result = sqlite3_bind_text(handle, index, v, -1, hw_sqlite_transient())
      case .blob(let v):
        result = v.withUnsafeBytes { sqlite3_bind_blob(handle, index, $0.baseAddress, Int32($0.count), hw_sqlite_transient()) }
      }
      guard result == SQLITE_OK else { throw connection.error(result) }
    }
    return self
  }

  /// Advances; true while there is a row to read.
  package func step() throws(StoreError) -> Bool {
    let result = sqlite3_step(handle)
    switch result {
    case SQLITE_ROW: return true
    case SQLITE_DONE: return false
    default: throw connection.error(result)
    }
  }

  /// Runs a statement that returns no rows.
  package func run() throws(StoreError) {
    while try step() {}
  }

  /// The current row's `column` (0-based) as an integer; 0 for NULL.
  package func int(_ column: Int32) -> Int64 { sqlite3_column_int64(handle, column) }
  /// Whether the current row's `column` (0-based) is NULL.
  package func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
  /// The current row's `column` (0-based) as UTF-8 text; empty for NULL.
  package func text(_ column: Int32) -> String {
    guard let pointer = sqlite3_column_text(handle, column) else { return "" }
    return String(cString: pointer)
  }
  /// The current row's `column` (0-based) as bytes; empty for NULL or a zero-length blob.
  package func blob(_ column: Int32) -> [UInt8] {
    let count = Int(sqlite3_column_bytes(handle, column))
    guard count > 0, let pointer = sqlite3_column_blob(handle, column) else { return [] }
    return [UInt8](UnsafeRawBufferPointer(start: pointer, count: count))
  }
}

/// A value bound to a statement parameter.
package enum SQLValue: Sendable {
  /// SQL NULL.
  case null
  /// A 64-bit signed integer.
  case integer(Int64)
  /// UTF-8 text.
  case text(String)
  /// Bytes, stored as they are.
  case blob([UInt8])
}
