import HookwireTestSupport
import HookwireWire
import Testing

/// Hostile bytes fed to a real generated decoder (`CallOpen`: 1 string,
/// 2 uint64, 3 repeated message), each with the error it must produce.
@Suite("Hostile input")
struct HostileInputTests {
  struct Case: CustomTestStringConvertible, Sendable {
    var name: String
    var bytes: [UInt8]
    var code: WireError.Code
    var offset: Int
    var limits = WireLimits.default
    var testDescription: String { name }
  }

  static let cases: [Case] = [
    Case(name: "varint cut short", bytes: [0x10, 0x80], code: .truncated, offset: 1),
    Case(name: "tag cut short", bytes: [0x80], code: .truncated, offset: 0),
    Case(name: "varint of 11 bytes", bytes: [0x10] + [UInt8](repeating: 0xFF, count: 10) + [0x01], code: .varintTooLong, offset: 1),
    Case(name: "varint whose 10th byte exceeds 64 bits", bytes: [0x10] + [UInt8](repeating: 0xFF, count: 9) + [0x02], code: .varintTooLong, offset: 1),
    Case(name: "length past the end", bytes: [0x0A, 0x05, 0x61], code: .lengthOutOfBounds, offset: 1),
    Case(name: "length of 4 GiB", bytes: [0x0A, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F], code: .lengthOutOfBounds, offset: 1),
    Case(name: "length of 2^63", bytes: [0x0A] + [UInt8](repeating: 0xFF, count: 8) + [0x7F], code: .lengthOutOfBounds, offset: 1),
    Case(name: "invalid UTF-8 (bad continuation)", bytes: [0x0A, 0x02, 0xC3, 0x28], code: .invalidUTF8, offset: 2),
    Case(name: "UTF-16 surrogate in UTF-8", bytes: [0x0A, 0x03, 0xED, 0xA0, 0x80], code: .invalidUTF8, offset: 2),
    Case(name: "overlong encoding of '/'", bytes: [0x0A, 0x02, 0xC0, 0xAF], code: .invalidUTF8, offset: 2),
    Case(name: "truncated 4-byte sequence", bytes: [0x0A, 0x03, 0xF0, 0x9F, 0x98], code: .invalidUTF8, offset: 2),
    Case(name: "string field sent as varint", bytes: [0x08, 0x01], code: .wrongWireType, offset: 1),
    Case(name: "uint64 field sent as length-delimited", bytes: [0x12, 0x00], code: .wrongWireType, offset: 1),
    Case(name: "message field sent as fixed32", bytes: [0x1D, 0, 0, 0, 0], code: .wrongWireType, offset: 1),
    Case(name: "group start wire type", bytes: [0x0B], code: .invalidWireType, offset: 0),
    Case(name: "group end wire type", bytes: [0x0C], code: .invalidWireType, offset: 0),
    Case(name: "wire type 6", bytes: [0x0E], code: .invalidWireType, offset: 0),
    Case(name: "wire type 7", bytes: [0x0F], code: .invalidWireType, offset: 0),
    Case(name: "field number 0", bytes: [0x02, 0x00], code: .invalidFieldNumber, offset: 0),
    Case(name: "field number above 2^29-1", bytes: [0x80, 0x80, 0x80, 0x80, 0x20], code: .invalidFieldNumber, offset: 0),
    Case(name: "unknown fixed64 cut short", bytes: [0x21, 1, 2, 3], code: .truncated, offset: 1),
    Case(name: "unknown fixed32 cut short", bytes: [0x25, 1, 2], code: .truncated, offset: 1),
    Case(name: "unknown length-delimited past the end", bytes: [0x22, 0x10, 0x00], code: .lengthOutOfBounds, offset: 1),
    Case(name: "nested message overrunning its parent", bytes: [0x1A, 0x02, 0x0A, 0x05, 0x61, 0x62], code: .lengthOutOfBounds, offset: 3),
    Case(name: "invalid UTF-8 in a nested key", bytes: [0x1A, 0x03, 0x0A, 0x01, 0xFF], code: .invalidUTF8, offset: 4),
    Case(
      name: "message over the size limit", bytes: [0x0A, 0x03, 0x61, 0x62, 0x63], code: .messageTooLarge, offset: 0,
      limits: WireLimits(maxMessageBytes: 4)),
    Case(
      name: "nesting deeper than the limit", bytes: [0x1A, 0x00], code: .depthExceeded, offset: 1,
      limits: WireLimits(maxDepth: 1)),
  ]

  @Test("each hostile input fails with its typed error and offset", arguments: cases)
  func hostile(_ input: Case) {
    #expect {
      _ = try CallOpen(serializedBytes: input.bytes, limits: input.limits)
    } throws: { error in
      guard let error = error as? WireError else { return false }
      return error.code == input.code && error.offset == input.offset
    }
  }

  @Test("packed runs with a truncated element fail as truncated")
  func packedTruncated() {
    // Settings has no packed field; decode a packed run through the reader directly.
    let bytes: [UInt8] = [0x03, 0x01, 0x80, 0x80]
    let result = bytes.withUnsafeBytes { raw -> WireError? in
      do throws(WireError) {
        var reader = try WireReader(raw)
        try reader.readPackedVarints { _ in }
        return nil
      } catch {
        return error
      }
    }
    #expect(result?.code == .truncated)
  }

  @Test("a huge length allocates nothing before it is refused")
  func hugeLengthIsCheap() {
    // 2^62 would crash any allocation; the length check must come first.
    let bytes: [UInt8] = [0x12 | 0x08, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40]
    #expect(throws: WireError.self) { _ = try CallStatus(serializedBytes: bytes) }
  }

  @Test("random bytes never crash or hang a decoder (seeded, 20,000 inputs per type)")
  func randomBytes() {
    var rng = SeededGenerator(seed: 0x5EED_B17E)
    var decoded = 0
    for _ in 0..<20_000 {
      let bytes = (0..<rng.count(upTo: 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
      for type in protocolMessageTypes {
        if (try? type.init(serializedBytes: bytes)) != nil { decoded += 1 }
      }
    }
    // Some random inputs are valid messages; most are not. Either way, no crash.
    #expect(decoded > 0)
  }
}
