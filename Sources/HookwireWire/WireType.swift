/// The low three bits of a field tag, saying how the field's value is laid out.
public enum WireType: UInt8, Sendable {
  /// A base-128 varint: bools, enums, integers and zigzag integers.
  case varint = 0
  /// Eight little-endian bytes: `fixed64`, `double`.
  case fixed64 = 1
  /// A varint length, then that many bytes: strings, bytes, messages, packed lists.
  case lengthDelimited = 2
  /// Four little-endian bytes: `fixed32`, `float`.
  case fixed32 = 5
}

/// Field-tag arithmetic shared by the encoder, the decoder and generated code.
public enum FieldTag {
  /// The largest field number a schema may use (2^29 - 1).
  public static let maxFieldNumber = (1 << 29) - 1

  /// The tag value `(field << 3) | wireType`.
  @inlinable
  public static func make(_ field: Int, _ wireType: WireType) -> UInt32 {
    UInt32(truncatingIfNeeded: field) << 3 | UInt32(wireType.rawValue)
  }
}

/// ZigZag mapping of signed integers to unsigned ones (0→0, -1→1, 1→2, -2→3 …).
public enum ZigZag {
  /// Maps a signed 64-bit value to its zigzag form.
  @inlinable
  public static func encode(_ value: Int64) -> UInt64 {
    UInt64(bitPattern: (value << 1) ^ (value >> 63))
  }

  /// Maps a zigzag value back to the signed 64-bit value.
  @inlinable
  public static func decode(_ value: UInt64) -> Int64 {
    Int64(bitPattern: (value >> 1) ^ (0 &- (value & 1)))
  }

  /// Maps a signed 32-bit value to its zigzag form.
  @inlinable
  public static func encode(_ value: Int32) -> UInt32 {
    UInt32(bitPattern: (value << 1) ^ (value >> 31))
  }

  /// Maps a zigzag value back to the signed 32-bit value.
  @inlinable
  public static func decode(_ value: UInt32) -> Int32 {
    Int32(bitPattern: (value >> 1) ^ (0 &- (value & 1)))
  }
}
