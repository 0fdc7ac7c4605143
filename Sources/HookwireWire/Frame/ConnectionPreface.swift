/// The 10 bytes each side sends first: 8 magic bytes, then the protocol
/// version as a big-endian u16.
///
/// The magic `89 48 4B 57 0D 0A 1A 0A` (`\x89HKW\r\n\x1a\n`) is refused by
/// text protocols and shows line-ending damage at once, as PNG's does.
public enum ConnectionPreface {
  /// The magic bytes.
  public static let magic: [UInt8] = [0x89, 0x48, 0x4B, 0x57, 0x0D, 0x0A, 0x1A, 0x0A]
  /// The protocol version this build speaks.
  public static let version: UInt16 = 1
  /// The preface's size on the wire.
  public static let size = 10

  /// Appends the preface for `version` to `writer`.
  public static func write(to writer: inout WireWriter, version: UInt16 = ConnectionPreface.version) {
    magic.withUnsafeBytes { writer.writeRaw($0) }
    writer.writeByte(UInt8(version >> 8))
    writer.writeByte(UInt8(version & 0xFF))
  }

  /// Reads a preface from the start of `bytes`.
  ///
  /// Returns nil while fewer than 10 bytes have arrived and those that have
  /// match the magic; throws `badPreface` at the first byte that does not,
  /// so a peer speaking another protocol is refused without waiting.
  public static func read(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> UInt16? {
    for index in 0..<min(bytes.count, magic.count) where bytes[index] != magic[index] {
      throw WireError(.badPreface, at: index, "connection preface does not start with the Hookwire magic")
    }
    guard bytes.count >= size else { return nil }
    return UInt16(bytes[8]) << 8 | UInt16(bytes[9])
  }
}
