import HookwireTestSupport
import HookwireWire
import Testing

/// `RecordV2` is `RecordV1` with fields added, as a later release declares it.
@Suite("Schema evolution")
struct EvolutionTests {
  static let newer = RecordV2(
    id: "rec_1", ownerID: 12_345, state: .archived, tags: ["a", "b"], createdAtMs: 1_764_421_200_123,
    note: NoteV2(text: "added later", score: -7), counts: [1, 2, 300], checksum: 0xDEAD_BEEF,
    ratio: 0.25, flagged: false, blob: [0, 1, 2])

  @Test("a newer message decodes under the older schema, unknown fields skipped and kept")
  func newerUnderOlder() throws {
    let old = try RecordV1(serializedBytes: Self.newer.serializedBytes())
    #expect(old.id == "rec_1")
    #expect(old.ownerID == 12_345)
    #expect(old.tags == ["a", "b"])
    #expect(old.state == .unrecognized(2))
    #expect(!old.unknownFields.isEmpty)
  }

  @Test("re-encoding under the older schema loses nothing the newer one wrote")
  func reencodeKeepsUnknown() throws {
    let old = try RecordV1(serializedBytes: Self.newer.serializedBytes())
    let again = try RecordV2(serializedBytes: old.serializedBytes())
    #expect(again == Self.newer)
  }

  @Test("an older message decodes under the newer schema with defaults for the new fields")
  func olderUnderNewer() throws {
    let old = RecordV1(id: "rec_2", ownerID: 9, state: .active, tags: ["x"])
    let new = try RecordV2(serializedBytes: old.serializedBytes())
    #expect(new.id == "rec_2")
    #expect(new.ownerID == 9)
    #expect(new.state == .active)
    #expect(new.tags == ["x"])
    #expect(new.createdAtMs == 0)
    #expect(new.note == nil)
    #expect(new.counts.isEmpty)
    #expect(new.flagged == nil)
    #expect(new.blob.isEmpty)
    #expect(new.unknownFields.isEmpty)
  }

  @Test("an unknown enum value survives a round trip through an older build")
  func unknownEnum() throws {
    let old = try RecordV1(serializedBytes: RecordV2(state: .archived).serializedBytes())
    #expect(old.state.rawValue == 2)
    #expect(try RecordV2(serializedBytes: old.serializedBytes()).state == .archived)
  }

  @Test("nesting is refused past the depth limit and accepted within it")
  func depthLimit() throws {
    var node = Node(label: "leaf")
    for level in 0..<120 { node = Node(label: "level \(level)", children: [node]) }
    let bytes = node.serializedBytes()
    #expect {
      _ = try Node(serializedBytes: bytes)
    } throws: { ($0 as? WireError)?.code == .depthExceeded }
    let decoded = try Node(serializedBytes: bytes, limits: WireLimits(maxDepth: 200))
    #expect(decoded == node)
  }
}
