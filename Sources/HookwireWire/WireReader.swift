/// A bounds-checked cursor over encoded bytes, used by generated decoders.
///
/// A reader borrows the bytes it reads: it is valid only inside the
/// `withUnsafeBytes` scope that created it. Every length is checked against
/// what remains before anything is allocated, varints over 10 bytes are
/// refused, and nested messages are limited in depth; each failure is a
/// `WireError` naming the byte offset.
public struct WireReader {
  @usableFromInline let base: UnsafeRawPointer?
  @usableFromInline var position: Int
  @usableFromInline let end: Int
  @usableFromInline var depthRemaining: Int

  /// Creates a reader over `bytes` with `limits` (checked here for size).
  @inlinable
  public init(_ bytes: UnsafeRawBufferPointer, limits: WireLimits = .default) throws(WireError) {
    guard bytes.count <= limits.maxMessageBytes else {
      throw WireError(.messageTooLarge, at: 0, "message of \(bytes.count) bytes exceeds the limit of \(limits.maxMessageBytes)")
    }
    base = bytes.baseAddress
    position = 0
    end = bytes.count
    depthRemaining = limits.maxDepth
  }

  @inlinable
  init(base: UnsafeRawPointer?, position: Int, end: Int, depthRemaining: Int) {
    self.base = base
    self.position = position
    self.end = end
    self.depthRemaining = depthRemaining
  }

  /// Whether every byte has been read.
  @inlinable
  public var isAtEnd: Bool { position >= end }

  /// The offset of the next byte, from the start of the outermost buffer.
  @inlinable
  public var offset: Int { position }

  @inlinable
  func byte(at index: Int) -> UInt8 {
    // Callers have checked index < end, and end > 0 implies base != nil.
    base.unsafelyUnwrapped.load(fromByteOffset: index, as: UInt8.self)
  }

  // MARK: - Scalars

  /// Reads a varint of up to 10 bytes.
  @inlinable
  public mutating func readVarint() throws(WireError) -> UInt64 {
    if position < end {
      let first = byte(at: position)
      if first < 0x80 {
        position &+= 1
        return UInt64(first)
      }
    }
    return try readVarintSlow()
  }

  @usableFromInline
  mutating func readVarintSlow() throws(WireError) -> UInt64 {
    let start = position
    var result: UInt64 = 0
    var shift: UInt64 = 0
    var at = position
    while true {
      guard at < end else { throw WireError(.truncated, at: start, "varint runs past the end of the input") }
      let b = byte(at: at)
      at &+= 1
      if shift == 63 && b > 1 {
        throw WireError(.varintTooLong, at: start, "varint longer than 64 bits")
      }
      result |= UInt64(b & 0x7F) << shift
      if b < 0x80 { break }
      shift &+= 7
      if shift > 63 { throw WireError(.varintTooLong, at: start, "varint longer than 10 bytes") }
    }
    position = at
    return result
  }

  /// Reads the next field tag, or returns nil at the end of the message.
  ///
  /// Field number 0 and wire types 3, 4, 6 and 7 are refused here, so a
  /// decoder sees only the four wire types Hookwire uses.
  @inlinable
  public mutating func nextTag() throws(WireError) -> UInt32? {
    guard position < end else { return nil }
    let start = position
    let raw = try readVarint()
    guard raw >> 3 != 0, raw >> 3 <= UInt64(FieldTag.maxFieldNumber) else {
      throw WireError(.invalidFieldNumber, at: start, "field number \(raw >> 3) is outside 1…\(FieldTag.maxFieldNumber)")
    }
    switch raw & 7 {
    case 0, 1, 2, 5: return UInt32(truncatingIfNeeded: raw)
    default: throw WireError(.invalidWireType, at: start, "wire type \(raw & 7) is not used by Hookwire")
    }
  }

  /// Reads a varint as a bool (any non-zero value is true).
  @inlinable
  public mutating func readBool() throws(WireError) -> Bool { try readVarint() != 0 }

  /// Reads a varint as `uint64`.
  @inlinable
  public mutating func readUInt64() throws(WireError) -> UInt64 { try readVarint() }

  /// Reads a varint as `uint32` (higher bits dropped, as protobuf does).
  @inlinable
  public mutating func readUInt32() throws(WireError) -> UInt32 { UInt32(truncatingIfNeeded: try readVarint()) }

  /// Reads a varint as `int64` (two's complement).
  @inlinable
  public mutating func readInt64() throws(WireError) -> Int64 { Int64(bitPattern: try readVarint()) }

  /// Reads a varint as `int32` (two's complement, higher bits dropped).
  @inlinable
  public mutating func readInt32() throws(WireError) -> Int32 { Int32(truncatingIfNeeded: try readVarint()) }

  /// Reads a zigzag varint as `sint64`.
  @inlinable
  public mutating func readSInt64() throws(WireError) -> Int64 { ZigZag.decode(try readVarint()) }

  /// Reads a zigzag varint as `sint32`.
  @inlinable
  public mutating func readSInt32() throws(WireError) -> Int32 {
    ZigZag.decode(UInt32(truncatingIfNeeded: try readVarint()))
  }

  /// Reads four little-endian bytes.
  @inlinable
  public mutating func readFixed32() throws(WireError) -> UInt32 {
    guard end &- position >= 4 else { throw WireError(.truncated, at: position, "fixed32 needs 4 bytes") }
    let v = base.unsafelyUnwrapped.loadUnaligned(fromByteOffset: position, as: UInt32.self)
    position &+= 4
    return UInt32(littleEndian: v)
  }

  /// Reads eight little-endian bytes.
  @inlinable
  public mutating func readFixed64() throws(WireError) -> UInt64 {
    guard end &- position >= 8 else { throw WireError(.truncated, at: position, "fixed64 needs 8 bytes") }
    let v = base.unsafelyUnwrapped.loadUnaligned(fromByteOffset: position, as: UInt64.self)
    position &+= 8
    return UInt64(littleEndian: v)
  }

  /// Reads a `double` (fixed64 bits).
  @inlinable
  public mutating func readDouble() throws(WireError) -> Double { Double(bitPattern: try readFixed64()) }

  /// Reads a `float` (fixed32 bits).
  @inlinable
  public mutating func readFloat() throws(WireError) -> Float { Float(bitPattern: try readFixed32()) }

  // MARK: - Length-delimited

  /// Reads a length prefix and checks it against what remains.
  @inlinable
  public mutating func readLength() throws(WireError) -> Int {
    let start = position
    let length = try readVarint()
    guard length <= UInt64(end &- position) else {
      throw WireError(.lengthOutOfBounds, at: start, "length \(length) exceeds the \(end &- position) bytes that remain")
    }
    return Int(truncatingIfNeeded: length)
  }

  /// Reads a length-delimited UTF-8 string, refusing invalid UTF-8.
  @inlinable
  public mutating func readString() throws(WireError) -> String {
    let length = try readLength()
    if length == 0 { return "" }
    let start = position
    let bytes = UnsafeRawBufferPointer(start: base.unsafelyUnwrapped + start, count: length)
    position &+= length
    guard let string = UTF8Validation.string(from: bytes) else {
      throw WireError(.invalidUTF8, at: start, "string field is not valid UTF-8")
    }
    return string
  }

  /// Reads length-delimited bytes into a new array.
  @inlinable
  public mutating func readBytes() throws(WireError) -> [UInt8] {
    let length = try readLength()
    if length == 0 { return [] }
    let bytes = UnsafeRawBufferPointer(start: base.unsafelyUnwrapped + position, count: length)
    position &+= length
    return [UInt8](bytes)
  }

  /// Reads a length prefix and returns a reader confined to that many bytes.
  @inlinable
  public mutating func readNested() throws(WireError) -> WireReader {
    let start = position
    let length = try readLength()
    guard depthRemaining > 1 else {
      throw WireError(.depthExceeded, at: start, "messages nested deeper than the limit")
    }
    let nested = WireReader(base: base, position: position, end: position &+ length, depthRemaining: depthRemaining &- 1)
    position &+= length
    return nested
  }

  /// Decodes a nested message field, merging into `message` as protobuf does.
  @inlinable
  public mutating func readMessage<M: WireMessage>(into message: inout M) throws(WireError) {
    var nested = try readNested()
    try message.merge(from: &nested)
  }

  /// Decodes a nested message field into a new value.
  @inlinable
  public mutating func readMessage<M: WireMessage>(_ type: M.Type = M.self) throws(WireError) -> M {
    var message = M()
    try readMessage(into: &message)
    return message
  }

  /// Reads a packed run of varints, calling `body` for each.
  @inlinable
  public mutating func readPackedVarints(_ body: (UInt64) -> Void) throws(WireError) {
    var nested = try readNested()
    while !nested.isAtEnd { body(try nested.readVarint()) }
  }

  /// Reads a packed run of fixed32 values, calling `body` for each.
  @inlinable
  public mutating func readPackedFixed32(_ body: (UInt32) -> Void) throws(WireError) {
    var nested = try readNested()
    while !nested.isAtEnd { body(try nested.readFixed32()) }
  }

  /// Reads a packed run of fixed64 values, calling `body` for each.
  @inlinable
  public mutating func readPackedFixed64(_ body: (UInt64) -> Void) throws(WireError) {
    var nested = try readNested()
    while !nested.isAtEnd { body(try nested.readFixed64()) }
  }

  /// How many fields with `tag` follow, counting the one whose value is next.
  ///
  /// Generated decoders use it to size a repeated field once; it only reads,
  /// and stops quietly at malformed input, which the decoder then reports.
  @inlinable
  public func countOccurrences(of tag: UInt32) -> Int {
    var scan = self
    var count = 1
    do throws(WireError) {
      try scan.skipValue(tag)
      while let next = try scan.nextTag() {
        if next == tag { count &+= 1 }
        try scan.skipValue(next)
      }
    } catch {
      return count
    }
    return count
  }

  // MARK: - Unknown and mismatched fields

  /// Skips the value of a field with tag `tag` and keeps tag and value in `unknown`.
  @inlinable
  public mutating func skipUnknown(_ tag: UInt32, into unknown: inout UnknownFields) throws(WireError) {
    let valueStart = position
    try skipValue(tag)
    var writer = WireWriter(capacity: 16)
    writer.writeVarint(UInt64(tag))
    writer.writeRaw(UnsafeRawBufferPointer(start: base.unsafelyUnwrapped + valueStart, count: position &- valueStart))
    writer.withUnsafeBytes { unknown.bytes.append(contentsOf: $0) }
  }

  /// Skips the value that follows `tag`.
  @inlinable
  public mutating func skipValue(_ tag: UInt32) throws(WireError) {
    switch tag & 7 {
    case 0: _ = try readVarint()
    case 1: _ = try readFixed64()
    case 2: position &+= try readLength()
    case 5: _ = try readFixed32()
    default: throw WireError(.invalidWireType, at: position, "wire type \(tag & 7) is not used by Hookwire")
    }
  }

  /// The error for a known field that arrived with the wrong wire type.
  @inlinable
  public func wrongWireType(_ tag: UInt32, expected: WireType) -> WireError {
    WireError(
      .wrongWireType, at: position,
      "field \(tag >> 3) arrived with wire type \(tag & 7), expected \(expected.rawValue)")
  }
}
