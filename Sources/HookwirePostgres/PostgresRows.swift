import HookwireStore

/// The rows a statement returned, copied out of libpq's result: columns by
/// position, cells as PostgreSQL's text format (read them through a
/// `PostgresRow`'s typed accessors).
package struct PostgresRows: RandomAccessCollection, Sendable {
  /// The columns' names, in order.
  package let columns: [String]
  /// The columns' type OIDs, in order.
  let types: [UInt32]
  /// Cells row by row; nil for NULL.
  let cells: [[UInt8]?]
  /// Rows an INSERT, UPDATE or DELETE touched (0 for other statements).
  package let affectedRows: Int

  init(columns: [String], types: [UInt32], cells: [[UInt8]?], affectedRows: Int) {
    self.columns = columns
    self.types = types
    self.cells = cells
    self.affectedRows = affectedRows
  }

  /// The first row's index, 0.
  package var startIndex: Int { 0 }
  /// One past the last row.
  package var endIndex: Int { columns.isEmpty ? 0 : cells.count / columns.count }

  /// The row at `index`.
  package subscript(index: Int) -> PostgresRow { PostgresRow(rows: self, index: index) }

  /// The position of the column named `name`, if there is one.
  package func column(named name: String) -> Int? { columns.firstIndex(of: name) }
}

/// One row of `PostgresRows`; columns are read by position, from 0.
///
/// Each accessor checks the column's type and throws a `StoreError`
/// (`.internal`) when it does not fit or when a non-optional read meets
/// NULL; the `optional…` forms return nil for NULL instead.
package struct PostgresRow: Sendable {
  let rows: PostgresRows
  let index: Int

  /// Whether `column` is NULL.
  package func isNull(_ column: Int) -> Bool { cell(column) == nil }

  /// `column` as an integer (`smallint`, `integer`, `bigint` or `oid`).
  package func int(_ column: Int) throws(StoreError) -> Int64 {
    guard let value = try optionalInt(column) else { throw nullError(column, "an integer") }
    return value
  }

  /// `column` as an integer, nil for NULL.
  package func optionalInt(_ column: Int) throws(StoreError) -> Int64? {
    try check(column, in: PostgresType.integers, "an integer")
    guard let bytes = cell(column) else { return nil }
    guard let value = Int64(String(decoding: bytes, as: UTF8.self)) else {
      throw StoreError(.internal, "column \(describe(column)) is not a whole number")
    }
    return value
  }

  /// `column` as text (any type, in PostgreSQL's text form: `numeric` as
  /// digits, `timestamptz` as the server prints it).
  package func text(_ column: Int) throws(StoreError) -> String {
    guard let value = try optionalText(column) else { throw nullError(column, "text") }
    return value
  }

  /// `column` as text, nil for NULL.
  package func optionalText(_ column: Int) throws(StoreError) -> String? {
    try checkColumn(column)
    return cell(column).map { String(decoding: $0, as: UTF8.self) }
  }

  /// `column` as bytes (`bytea`).
  package func bytes(_ column: Int) throws(StoreError) -> [UInt8] {
    guard let value = try optionalBytes(column) else { throw nullError(column, "bytea") }
    return value
  }

  /// `column` as bytes, nil for NULL.
  package func optionalBytes(_ column: Int) throws(StoreError) -> [UInt8]? {
    try check(column, in: [PostgresType.bytea], "bytea")
    guard let text = cell(column) else { return nil }
    guard let bytes = Self.decodeHex(text) else {
      throw StoreError(.internal, "column \(describe(column)) is not in bytea's hex format (bytea_output = hex)")
    }
    return bytes
  }

  /// `column` as a boolean.
  package func bool(_ column: Int) throws(StoreError) -> Bool {
    guard let value = try optionalBool(column) else { throw nullError(column, "a boolean") }
    return value
  }

  /// `column` as a boolean, nil for NULL.
  package func optionalBool(_ column: Int) throws(StoreError) -> Bool? {
    try check(column, in: [PostgresType.bool], "a boolean")
    guard let text = cell(column) else { return nil }
    return text == [UInt8(ascii: "t")]
  }

  private func cell(_ column: Int) -> [UInt8]? {
    guard column >= 0, column < rows.columns.count else { return nil }
    return rows.cells[index * rows.columns.count + column]
  }

  private func checkColumn(_ column: Int) throws(StoreError) {
    guard column >= 0, column < rows.columns.count else {
      throw StoreError(.internal, "no column \(column): the result has \(rows.columns.count)")
    }
  }

  private func check(_ column: Int, in types: Set<UInt32>, _ wanted: String) throws(StoreError) {
    try checkColumn(column)
    let type = rows.types[column]
    guard types.contains(type) else {
      throw StoreError(.internal, "column \(describe(column)) is \(PostgresType.name(type)), not \(wanted)")
    }
  }

  private func nullError(_ column: Int, _ wanted: String) -> StoreError {
    StoreError(.internal, "column \(describe(column)) is NULL where \(wanted) was expected")
  }

  private func describe(_ column: Int) -> String { "\(column) (\(rows.columns[column]))" }

  /// bytea's hex output, `\x` then two hex digits a byte.
  static func decodeHex(_ text: [UInt8]) -> [UInt8]? {
    guard text.count >= 2, text[0] == UInt8(ascii: "\\"), text[1] == UInt8(ascii: "x"), text.count % 2 == 0 else { return nil }
    var bytes: [UInt8] = []
    bytes.reserveCapacity((text.count - 2) / 2)
    var position = 2
    while position < text.count {
      guard let high = hexDigit(text[position]), let low = hexDigit(text[position + 1]) else { return nil }
      bytes.append(high << 4 | low)
      position += 2
    }
    return bytes
  }

  private static func hexDigit(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
  }
}
