/// A value bound to a `$n` parameter of a statement.
///
/// Integers, text and booleans travel in PostgreSQL's text format and take
/// the type the statement gives their place (`$1::bigint` where the server
/// cannot tell); bytes travel in binary as `bytea`.
package enum PostgresValue: Sendable, Equatable {
  /// SQL NULL.
  case null
  /// A 64-bit signed integer (`bigint`; fits any integer column it is in range for).
  case integer(Int64)
  /// UTF-8 text.
  case text(String)
  /// Bytes, as `bytea`.
  case bytes([UInt8])
  /// A boolean.
  case bool(Bool)

  /// The type the parameter is declared as (0: the server infers it).
  var typeOID: UInt32 {
    switch self {
    case .null, .text: 0
    case .integer: PostgresType.int8
    case .bytes: PostgresType.bytea
    case .bool: PostgresType.bool
    }
  }

  /// The parameter's bytes in its wire format, nil for NULL.
  var wireBytes: [UInt8]? {
    switch self {
    case .null: nil
    case .integer(let value): Array(String(value).utf8)
    case .text(let value): Array(value.utf8)
    case .bytes(let value): value
    case .bool(let value): value ? [UInt8(ascii: "t")] : [UInt8(ascii: "f")]
    }
  }

  /// 1 (binary) for bytes, 0 (text) for the rest.
  var wireFormat: Int32 {
    if case .bytes = self { return 1 }
    return 0
  }
}

/// The type OIDs the layer reads and binds (PostgreSQL's `pg_type`).
enum PostgresType {
  static let bool: UInt32 = 16
  static let bytea: UInt32 = 17
  static let int8: UInt32 = 20
  static let int2: UInt32 = 21
  static let int4: UInt32 = 23
  static let text: UInt32 = 25
  static let oid: UInt32 = 26

  /// The types `PostgresRow.int` reads.
  static let integers: Set<UInt32> = [int2, int4, int8, oid]

  /// A name for `oid` in an error message.
  static func name(_ oid: UInt32) -> String {
    switch oid {
    case bool: "boolean"
    case bytea: "bytea"
    case int8: "bigint"
    case int2: "smallint"
    case int4: "integer"
    case text: "text"
    case oid: "oid"
    default: "type \(oid)"
    }
  }
}
