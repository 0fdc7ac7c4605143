import CPostgres
import Glibc
import HookwireStore

/// One libpq connection, used on one thread at a time (its worker's): every
/// call blocks that thread until the server answers, so it never runs on an
/// event loop or on Swift's cooperative pool; `PostgresDatabase` runs it on
/// threads of its own.
///
/// Statements take `$1…` parameters, sent apart from the SQL text (no
/// quoting, no injection). Failures are `StoreError`s whose code follows the
/// SQLSTATE (`PostgresErrorMapping`) and whose message is the server's
/// primary message with the SQLSTATE; neither ever repeats a parameter.
package final class PostgresConnection {
  private var handle: OpaquePointer?
  /// Statements prepared on this connection, by text and parameter types:
  /// each is parsed and planned once per connection rather than per call.
  private var prepared: [PreparedKey: String] = [:]
  private var nextPrepared = 0
  /// At most this many statements stay prepared; past it they are all let go.
  static let preparedLimit = 512

  private struct PreparedKey: Hashable {
    let sql: String
    let types: [UInt32]
  }

  /// Connects to `url`; blocks until the server accepts or refuses, at most
  /// the URL's `connect_timeout` (3 s when it has none).
  package init(url: PostgresURL) throws(StoreError) {
    let parameters = url.connectionParameters
    let connection = Self.withCStrings(parameters.map(\.0)) { keywords in
      Self.withCStrings(parameters.map(\.1)) { values in PQconnectdbParams(keywords, values, 0) }
    }
    guard let connection else { throw StoreError(.unavailable, "cannot connect to the database: out of memory") }
    guard PQstatus(connection) == CONNECTION_OK else {
      let message = PostgresErrorMapping.clientMessage(connection)
      PQfinish(connection)
      throw StoreError(.unavailable, "cannot connect to the database at \(url.host):\(url.port): \(message)")
    }
    // Notices (a NOTICE from DDL, a WARNING) are not errors; libpq would print them on stderr.
    PQsetNoticeProcessor(connection, { _, _ in }, nil)
    handle = connection
  }

  deinit { close() }

  /// Closes the connection; using it afterwards fails as a lost connection.
  package func close() {
    if let handle { PQfinish(handle) }
    handle = nil
  }

  /// Whether the connection is open and usable (false once the server went away).
  package var isConnected: Bool {
    guard let handle else { return false }
    return PQstatus(handle) == CONNECTION_OK
  }

  /// Whether a transaction is open on the connection (failed or not).
  package var inTransaction: Bool {
    guard let handle else { return false }
    let status = PQtransactionStatus(handle)
    return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
  }

  /// Whether the open transaction has failed: every statement but a
  /// rollback is refused until it is rolled back (to a savepoint or whole).
  package var inFailedTransaction: Bool {
    guard let handle else { return false }
    return PQtransactionStatus(handle) == PQTRANS_INERROR
  }

  /// Runs SQL without parameters that returns no rows; several statements
  /// separated by `;` are allowed (DDL, a migration).
  package func execute(_ sql: String) throws(StoreError) {
    let handle = try open()
    let result = PQexec(handle, sql)
    defer { PQclear(result) }
    try check(result, handle)
  }

  /// Runs one statement with `parameters` bound to `$1…` and returns its rows.
  @discardableResult
  package func query(_ sql: String, _ parameters: PostgresValue...) throws(StoreError) -> PostgresRows {
    try query(sql, parameters)
  }

  /// Runs one statement with `parameters` bound to `$1…` and returns its
  /// rows. The statement is prepared on first use on this connection (for
  /// these parameter types) and executed prepared from then on.
  @discardableResult
  package func query(_ sql: String, _ parameters: [PostgresValue]) throws(StoreError) -> PostgresRows {
    let handle = try open()
    // Text goes as a C string, which a NUL would cut short; PostgreSQL's text cannot hold one anyway.
    for (index, parameter) in parameters.enumerated() {
      if case .text(let text) = parameter, text.utf8.contains(0) {
        throw StoreError(.internal, "parameter $\(index + 1) is text with a NUL character, which PostgreSQL cannot store")
      }
    }
    let types = parameters.map(\.typeOID)
    let formats = parameters.map(\.wireFormat)
    let buffers = parameters.map(\.wireBytes)
    let lengths = buffers.map { Int32($0?.count ?? 0) }
    // Each value must stay put while libpq reads it: copy into memory of our own.
    let pointers: [UnsafeMutablePointer<CChar>?] = buffers.map { bytes in
      guard let bytes else { return nil }
      let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: bytes.count + 1)
      bytes.withUnsafeBufferPointer { source in
        source.withMemoryRebound(to: CChar.self) { pointer.initialize(from: $0.baseAddress!, count: bytes.count) }
      }
      pointer[bytes.count] = 0
      return pointer
    }
    defer { for pointer in pointers { pointer?.deallocate() } }
    let values = pointers.map { UnsafePointer($0) }
    let name = try statement(for: PreparedKey(sql: sql, types: types.map { UInt32($0) }), handle)
    let result = PQexecPrepared(handle, name, Int32(parameters.count), values, lengths, formats, 0)
    defer { PQclear(result) }
    try check(result, handle)
    return Self.rows(of: result)
  }

  /// The name `key`'s statement is prepared under, preparing it now if it
  /// is not yet. A statement that fails to prepare is not remembered.
  private func statement(for key: PreparedKey, _ handle: OpaquePointer) throws(StoreError) -> String {
    if let name = prepared[key] { return name }
    if prepared.count >= Self.preparedLimit {
      let result = PQexec(handle, "DEALLOCATE ALL")
      defer { PQclear(result) }
      try check(result, handle)
      prepared.removeAll()
    }
    nextPrepared += 1
    let name = "hookwire_\(nextPrepared)"
    let types = key.types.map { Oid($0) }
    let result = PQprepare(handle, name, key.sql, Int32(types.count), types)
    defer { PQclear(result) }
    try check(result, handle)
    prepared[key] = name
    return name
  }

  /// Runs `body` in a transaction of its own: COMMIT when it returns,
  /// ROLLBACK when it throws. Not for use inside `PostgresDatabase.write`,
  /// which is a transaction already (use `savepoint` there).
  @discardableResult
  package func transaction<T>(_ body: () throws -> T) throws -> T {
    try execute("BEGIN")
    do {
      let result = try body()
      try commit()
      return result
    } catch {
      if inTransaction { try? execute("ROLLBACK") }
      throw error
    }
  }

  /// Runs `body` inside a savepoint of the open transaction; when it throws,
  /// only its own changes are undone and the transaction goes on.
  @discardableResult
  package func savepoint<T>(_ body: () throws -> T) throws -> T {
    try execute("SAVEPOINT hookwire_nested")
    do {
      let result = try body()
      try execute("RELEASE SAVEPOINT hookwire_nested")
      return result
    } catch {
      if isConnected { try? execute("ROLLBACK TO SAVEPOINT hookwire_nested; RELEASE SAVEPOINT hookwire_nested") }
      throw error
    }
  }

  /// Sends `payload` to the listeners of `channel` (`pg_notify`); inside a
  /// transaction it is delivered at COMMIT, and not at all on ROLLBACK.
  package func notify(channel: String, payload: String) throws(StoreError) {
    try query("SELECT pg_notify($1, $2)", .text(channel), .text(payload))
  }

  /// Commits, and throws when the server rolled back instead (a failed
  /// transaction answers COMMIT with ROLLBACK).
  func commit() throws(StoreError) {
    let handle = try open()
    let result = PQexec(handle, "COMMIT")
    defer { PQclear(result) }
    try check(result, handle)
    let tag = result.map { String(cString: PQcmdStatus($0)) } ?? ""
    guard tag == "COMMIT" else {
      throw StoreError(.internal, "the transaction had failed and was rolled back; nothing of it was kept")
    }
  }

  /// The raw connection, for the listener's socket and notification reads.
  var rawHandle: OpaquePointer? { handle }

  private func open() throws(StoreError) -> OpaquePointer {
    guard let handle, PQstatus(handle) == CONNECTION_OK else {
      throw StoreError(.unavailable, "the connection to the database was lost")
    }
    return handle
  }

  private func check(_ result: OpaquePointer?, _ handle: OpaquePointer) throws(StoreError) {
    switch result.map(PQresultStatus) {
    case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY: return
    default: throw PostgresErrorMapping.error(result: result, connection: handle)
    }
  }

  private static func rows(of result: OpaquePointer?) -> PostgresRows {
    guard let result else { return PostgresRows(columns: [], types: [], cells: [], affectedRows: 0) }
    let columnCount = Int(PQnfields(result))
    let rowCount = Int(PQntuples(result))
    var columns: [String] = []
    var types: [UInt32] = []
    for column in 0..<columnCount {
      columns.append(PQfname(result, Int32(column)).map { String(cString: $0) } ?? "")
      types.append(PQftype(result, Int32(column)))
    }
    var cells: [[UInt8]?] = []
    cells.reserveCapacity(rowCount * columnCount)
    for row in 0..<rowCount {
      for column in 0..<columnCount {
        if PQgetisnull(result, Int32(row), Int32(column)) == 1 {
          cells.append(nil)
        } else {
          let length = Int(PQgetlength(result, Int32(row), Int32(column)))
          let bytes = PQgetvalue(result, Int32(row), Int32(column)).map {
            UnsafeRawBufferPointer(start: $0, count: length)
          }
          cells.append(bytes.map { [UInt8]($0) } ?? [])
        }
      }
    }
    let affected = Int(String(cString: PQcmdTuples(result))) ?? 0
    return PostgresRows(columns: columns, types: types, cells: cells, affectedRows: affected)
  }

  /// Calls `body` with `strings` as a NULL-terminated array of C strings.
  private static func withCStrings<R>(_ strings: [String], _ body: ([UnsafePointer<CChar>?]) -> R) -> R {
    let copies = strings.map { strdup($0) }
    defer { for copy in copies { free(copy) } }
    return body(copies.map { UnsafePointer($0) } + [nil])
  }
}
