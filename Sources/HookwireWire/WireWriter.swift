/// A growable byte buffer that messages and frames are encoded into.
///
/// It owns one heap block and grows it geometrically; nothing is copied per
/// field. Length-delimited values are written by reserving one byte for the
/// length, writing the body, then back-filling the length and, only when the
/// body reached 128 bytes or more, sliding it along by the extra length bytes.
public struct WireWriter: ~Copyable {
  @usableFromInline var base: UnsafeMutableRawPointer
  @usableFromInline var capacity: Int
  @usableFromInline var written: Int
  /// Whether `base` belongs to someone else (and must not be freed).
  @usableFromInline var borrowed: Bool

  /// The number of bytes written so far.
  @inlinable
  public var count: Int { written }

  /// Creates an empty writer with room for `capacity` bytes before it grows.
  @inlinable
  public init(capacity: Int = 256) {
    let size = max(capacity, 16)
    base = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
    self.capacity = size
    written = 0
    borrowed = false
  }

  /// Creates a writer over memory the caller owns and sized for what will
  /// be written; should it run out, it moves to a block of its own.
  @inlinable
  public init(borrowing buffer: UnsafeMutableRawBufferPointer) {
    if let start = buffer.baseAddress, buffer.count > 0 {
      base = start
      capacity = buffer.count
      borrowed = true
    } else {
      base = UnsafeMutableRawPointer.allocate(byteCount: 16, alignment: 8)
      capacity = 16
      borrowed = false
    }
    written = 0
  }

  /// Whether the writer still writes into the memory it was created over.
  @inlinable
  public var isBorrowing: Bool { borrowed }

  deinit { if !borrowed { base.deallocate() } }

  @inlinable @inline(__always)
  mutating func reserve(_ extra: Int) {
    if capacity &- written < extra { grow(extra) }
  }

  @usableFromInline
  mutating func grow(_ extra: Int) {
    var size = capacity &* 2
    while size &- written < extra { size &*= 2 }
    let bigger = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 8)
    bigger.copyMemory(from: base, byteCount: written)
    if !borrowed { base.deallocate() }
    borrowed = false
    base = bigger
    capacity = size
  }

  /// Forgets what was written, keeping the allocated block for reuse.
  @inlinable
  public mutating func removeAll() { written = 0 }

  /// Appends one byte.
  @inlinable @inline(__always)
  public mutating func writeByte(_ byte: UInt8) {
    reserve(1)
    base.storeBytes(of: byte, toByteOffset: written, as: UInt8.self)
    written &+= 1
  }

  /// Appends a base-128 varint of 1 to 10 bytes.
  @inlinable @inline(__always)
  public mutating func writeVarint(_ value: UInt64) {
    // Reserve exactly near the end, so a buffer sized by `encodedSize` never grows.
    if capacity &- written < 10 { reserve(WireSize.varint(value)) }
    var v = value
    var at = written
    while v >= 0x80 {
      base.storeBytes(of: UInt8(truncatingIfNeeded: v) | 0x80, toByteOffset: at, as: UInt8.self)
      v >>= 7
      at &+= 1
    }
    base.storeBytes(of: UInt8(truncatingIfNeeded: v), toByteOffset: at, as: UInt8.self)
    written = at &+ 1
  }

  /// Appends a field tag.
  @inlinable
  public mutating func writeTag(_ field: Int, _ wireType: WireType) {
    writeVarint(UInt64(FieldTag.make(field, wireType)))
  }

  /// Appends four bytes, little-endian.
  @inlinable
  public mutating func writeFixed32(_ value: UInt32) {
    reserve(4)
    base.storeBytes(of: value.littleEndian, toByteOffset: written, as: UInt32.self)
    written &+= 4
  }

  /// Appends eight bytes, little-endian.
  @inlinable
  public mutating func writeFixed64(_ value: UInt64) {
    reserve(8)
    base.storeBytes(of: value.littleEndian, toByteOffset: written, as: UInt64.self)
    written &+= 8
  }

  /// Appends four bytes, big-endian (frame headers use network order).
  @inlinable
  public mutating func writeUInt32BigEndian(_ value: UInt32) {
    reserve(4)
    base.storeBytes(of: value.bigEndian, toByteOffset: written, as: UInt32.self)
    written &+= 4
  }

  /// Appends raw bytes.
  @inlinable @inline(__always)
  public mutating func writeRaw(_ bytes: UnsafeRawBufferPointer) {
    guard let source = bytes.baseAddress, bytes.count > 0 else { return }
    reserve(bytes.count)
    (base + written).copyMemory(from: source, byteCount: bytes.count)
    written &+= bytes.count
  }

  /// Appends raw bytes from an array.
  @inlinable
  public mutating func writeRaw(_ bytes: [UInt8]) {
    bytes.withUnsafeBytes { writeRaw($0) }
  }

  /// Appends a varint length and the bytes.
  @inlinable
  public mutating func writeLengthPrefixed(_ bytes: [UInt8]) {
    writeVarint(UInt64(bytes.count))
    writeRaw(bytes)
  }

  /// Appends a varint length and the string's UTF-8 bytes.
  @inlinable @inline(__always)
  public mutating func writeLengthPrefixed(_ string: String) {
    let length = string.utf8.count
    reserve(WireSize.lengthDelimited(length))
    writeVarint(UInt64(truncatingIfNeeded: length))
    let target = base + written
    let copied: Bool? = string.utf8.withContiguousStorageIfAvailable { utf8 in
      if let source = utf8.baseAddress { target.copyMemory(from: source, byteCount: length) }
      return true
    }
    if copied == nil { copyNonContiguous(string, to: target) }
    written &+= length
  }

  /// Bridged or foreign strings have no contiguous UTF-8: copy byte by byte.
  @usableFromInline @inline(never)
  func copyNonContiguous(_ string: String, to target: UnsafeMutableRawPointer) {
    var at = 0
    for byte in string.utf8 {
      target.storeBytes(of: byte, toByteOffset: at, as: UInt8.self)
      at &+= 1
    }
  }

  /// Starts a length-delimited value; pass the result to `endLengthDelimited`.
  @inlinable
  public mutating func beginLengthDelimited() -> Int {
    reserve(1)
    written &+= 1
    return written
  }

  /// Back-fills the length of the value started at `start`.
  @inlinable
  public mutating func endLengthDelimited(_ start: Int) {
    let length = written &- start
    if length < 0x80 {
      base.storeBytes(of: UInt8(truncatingIfNeeded: length), toByteOffset: start &- 1, as: UInt8.self)
      return
    }
    backFillLongLength(start: start, length: length)
  }

  @usableFromInline
  mutating func backFillLongLength(start: Int, length: Int) {
    var size = 1
    var probe = length >> 7
    while probe > 0 { size += 1; probe >>= 7 }
    reserve(size - 1)
    (base + start + size - 1).copyMemory(from: base + start, byteCount: length)
    var v = length
    var at = start - 1
    while v >= 0x80 {
      base.storeBytes(of: UInt8(truncatingIfNeeded: v) | 0x80, toByteOffset: at, as: UInt8.self)
      v >>= 7
      at += 1
    }
    base.storeBytes(of: UInt8(truncatingIfNeeded: v), toByteOffset: at, as: UInt8.self)
    written += size - 1
  }

  /// Overwrites four bytes at `offset` with a big-endian value (for frame lengths).
  @inlinable
  public mutating func setUInt32BigEndian(_ value: UInt32, at offset: Int) {
    precondition(offset >= 0 && offset + 4 <= written, "back-fill outside what was written")
    base.storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt32.self)
  }

  /// Calls `body` with the bytes written so far.
  @inlinable
  public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try body(UnsafeRawBufferPointer(start: base, count: written))
  }

  /// A copy of the bytes written so far.
  @inlinable
  public func bytes() -> [UInt8] {
    [UInt8](unsafeUninitializedCapacity: written) { buffer, initialized in
      if written > 0, let target = buffer.baseAddress {
        UnsafeMutableRawPointer(target).copyMemory(from: base, byteCount: written)
      }
      initialized = written
    }
  }
}
