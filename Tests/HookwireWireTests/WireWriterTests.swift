import HookwireWire
import Testing

@Suite("WireWriter")
struct WireWriterTests {
  @Test("back-fills lengths of 1, 2 and 3 bytes, sliding the body", arguments: [0, 1, 127, 128, 300, 16_383, 16_384, 70_000])
  func backFill(length: Int) throws {
    var writer = WireWriter(capacity: 16)
    writer.writeByte(0xAA)
    let start = writer.beginLengthDelimited()
    for i in 0..<length { writer.writeByte(UInt8(truncatingIfNeeded: i)) }
    writer.endLengthDelimited(start)
    writer.writeByte(0xBB)

    var expected = WireWriter()
    expected.writeByte(0xAA)
    expected.writeVarint(UInt64(length))
    for i in 0..<length { expected.writeByte(UInt8(truncatingIfNeeded: i)) }
    expected.writeByte(0xBB)
    #expect(writer.bytes() == expected.bytes())
  }

  @Test("grows past its initial capacity without losing bytes")
  func grows() {
    var writer = WireWriter(capacity: 16)
    for i in 0..<10_000 { writer.writeVarint(UInt64(i)) }
    var reader = [UInt8]()
    reader = writer.bytes()
    #expect(reader.count == (0..<10_000).reduce(0) { $0 + WireSize.varint(UInt64($1)) })
  }

  @Test("a borrowing writer that runs out moves to its own block and keeps the bytes")
  func borrowingOverflow() {
    var storage = [UInt8](repeating: 0, count: 4)
    storage.withUnsafeMutableBytes { buffer in
      var writer = WireWriter(borrowing: buffer)
      writer.writeLengthPrefixed("hello, world")
      let borrowing = writer.isBorrowing
      #expect(!borrowing)
      let bytes = writer.bytes()
      #expect(bytes == [12] + Array("hello, world".utf8))
    }
  }

  @Test("strings are written as their UTF-8 bytes, including bridged-free multi-byte text")
  func strings() {
    var writer = WireWriter()
    writer.writeLengthPrefixed("é🎉")
    #expect(writer.bytes() == [6, 0xC3, 0xA9, 0xF0, 0x9F, 0x8E, 0x89])
  }
}
