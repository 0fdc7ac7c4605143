/// UTF-8 checks for decoded strings, with a fast path for ASCII.
public enum UTF8Validation {
  /// A string from `bytes`, or nil when they are not valid UTF-8.
  @inlinable
  public static func string(from bytes: UnsafeRawBufferPointer) -> String? {
    let utf8 = bytes.assumingMemoryBound(to: UInt8.self)
    // `String(decoding:)` is the fastest constructor but repairs invalid
    // input with U+FFFD; ASCII needs no repair, and anything else is valid
    // exactly when the repair changed nothing.
    let string = String(decoding: utf8, as: UTF8.self)
    if isASCII(bytes) || string.utf8.elementsEqual(utf8) { return string }
    return nil
  }

  /// Whether every byte is below 0x80, checked eight bytes at a time.
  @inlinable
  public static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
    guard let base = bytes.baseAddress else { return true }
    let count = bytes.count
    var i = 0
    while i &+ 8 <= count {
      if base.loadUnaligned(fromByteOffset: i, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { return false }
      i &+= 8
    }
    while i < count {
      if base.load(fromByteOffset: i, as: UInt8.self) >= 0x80 { return false }
      i &+= 1
    }
    return true
  }
}
