import HookwireWire
import Testing

@Suite("Metadata")
struct MetadataTests {
  @Test("keys are lowercased and values kept in order; -bin keys carry bytes")
  func roundTrip() throws {
    var metadata: Metadata = ["Authorization": "Bearer hw_live_abc", "x-trace": "1"]
    metadata.add("x-trace", "2")
    metadata.add("blob-bin", binary: [0, 255, 10])
    let wire = try metadata.wireEntries()
    #expect(wire.map(\.key) == ["authorization", "x-trace", "x-trace", "blob-bin"])
    let back = try Metadata(wire: wire)
    #expect(back == metadata)
    #expect(back["authorization"] == "Bearer hw_live_abc")
    #expect(back["x-trace"] == "1")
  }

  static let badEntries: [(String, [UInt8])] = [
    ("", [0x61]),
    ("Upper", [0x61]),
    ("spa ce", [0x61]),
    ("ключ", [0x61]),
    (String(repeating: "k", count: 256), [0x61]),
    ("x-value", [0x0A]),
    ("x-value", [0x7F]),
    ("x-value", [0xC3, 0xA9]),
  ]

  @Test("invalid keys and values are refused with invalid_metadata", arguments: badEntries)
  func invalid(key: String, value: [UInt8]) {
    #expect {
      _ = try Metadata(wire: [MetadataEntry(key: key, value: value)])
    } throws: { ($0 as? WireError)?.code == .invalidMetadata }
  }

  @Test("binary values under a key without -bin cannot be sent")
  func binaryNeedsBinKey() {
    var metadata = Metadata()
    metadata.add("x-raw", binary: [1, 2])
    #expect(throws: WireError.self) { _ = try metadata.wireEntries() }
  }

  @Test("status codes carry gRPC's names and numbers")
  func statusCodes() {
    #expect(StatusCode.allKnown.count == 17)
    #expect(StatusCode.deadlineExceeded.rawValue == 4)
    #expect(StatusCode.unauthenticated.name == "UNAUTHENTICATED")
    #expect(StatusCode(rawValue: 99).name == "CODE_99")
  }
}
