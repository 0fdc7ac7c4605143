import HookwireWire
import Testing

@Suite("Varints and zigzag")
struct VarintTests {
  static let cases: [(UInt64, [UInt8])] = [
    (0, [0x00]),
    (1, [0x01]),
    (127, [0x7F]),
    (128, [0x80, 0x01]),
    (150, [0x96, 0x01]),
    (16_383, [0xFF, 0x7F]),
    (16_384, [0x80, 0x80, 0x01]),
    (UInt64(UInt32.max), [0xFF, 0xFF, 0xFF, 0xFF, 0x0F]),
    (UInt64.max, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x01]),
  ]

  @Test("encodes to the protobuf varint bytes", arguments: cases)
  func encodes(value: UInt64, bytes: [UInt8]) {
    var writer = WireWriter()
    writer.writeVarint(value)
    #expect(writer.bytes() == bytes)
    #expect(WireSize.varint(value) == bytes.count)
  }

  @Test("decodes back to the value", arguments: cases)
  func decodes(value: UInt64, bytes: [UInt8]) throws {
    let decoded = try bytes.withUnsafeBytes { raw throws(WireError) -> UInt64 in
      var reader = try WireReader(raw)
      let v = try reader.readVarint()
      #expect(reader.isAtEnd)
      return v
    }
    #expect(decoded == value)
  }

  @Test(
    "zigzag maps small magnitudes to small numbers",
    arguments: [(Int64(0), UInt64(0)), (-1, 1), (1, 2), (-2, 3), (2_147_483_647, 4_294_967_294), (.min, .max)])
  func zigzag(signed: Int64, unsigned: UInt64) {
    #expect(ZigZag.encode(signed) == unsigned)
    #expect(ZigZag.decode(unsigned) == signed)
  }

  @Test("32-bit zigzag round-trips its extremes", arguments: [Int32.min, -1, 0, 1, Int32.max])
  func zigzag32(value: Int32) {
    #expect(ZigZag.decode(ZigZag.encode(value)) == value)
  }
}
