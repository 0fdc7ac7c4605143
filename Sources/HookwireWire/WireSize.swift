/// Encoded sizes, for computing a message's exact size before writing it.
public enum WireSize {
  /// The bytes a varint of `value` takes (1–10).
  @inlinable
  public static func varint(_ value: UInt64) -> Int {
    // 1 + floor(bitWidth - 1) / 7, with 0 taking one byte.
    let bits = 64 &- (value | 1).leadingZeroBitCount
    return (bits &+ 6) / 7
  }

  /// The bytes a length prefix and `length` bytes of body take.
  @inlinable
  public static func lengthDelimited(_ length: Int) -> Int {
    varint(UInt64(truncatingIfNeeded: length)) &+ length
  }
}
