import HookwireAPI
import HookwireTestSupport
import HookwireWire
import Testing

@Suite("Round trips of every generated message")
struct RoundTripTests {
  static let allTypes: [any ArbitraryMessage.Type] = apiMessageTypes + protocolMessageTypes

  @Test("random values (fixed seed) encode, decode equal, and match their computed size")
  func randomValues() throws {
    var rng = SeededGenerator(seed: 20_261_129)
    var checked = 0
    for type in Self.allTypes {
      for _ in 0..<150 {
        checked += try Self.roundTrip(type, &rng)
      }
    }
    #expect(checked == Self.allTypes.count * 150)
  }

  static func roundTrip<M: ArbitraryMessage>(_ type: M.Type, _ rng: inout SeededGenerator) throws -> Int {
    let value = M.arbitrary(using: &rng, depth: 3)
    let bytes = value.serializedBytes()
    #expect(bytes.count == value.encodedSize, "encodedSize of \(M.self)")
    var growing = WireWriter(capacity: 1)
    value.encode(to: &growing)
    let grown = growing.bytes()
    #expect(grown == bytes, "growable and exact-size encodings of \(M.self) differ")
    let decoded = try M(serializedBytes: bytes)
    #expect(decoded == value, "round trip of \(M.self)")
    #expect(decoded.unknownFields.isEmpty)
    return 1
  }

  @Test("default values are not written; optional ones are written even when default")
  func presence() {
    #expect(Webhook().serializedBytes().isEmpty)
    var update = UpdateWebhookEventsRequest()
    update.expectedVersion = 0
    #expect(update.serializedBytes() == [0x28, 0x00])
    let decoded = try? UpdateWebhookEventsRequest(serializedBytes: [0x28, 0x00])
    #expect(decoded?.expectedVersion == 0)
    #expect(decoded?.payloadURL == nil)
  }

  @Test("the last value of a repeated scalar field wins, nested messages merge")
  func mergeSemantics() throws {
    // partner_id = 1, then partner_id = 2; created_by.partner_id = 5, then created_by.key_prefix = "hw".
    let bytes: [UInt8] = [0x10, 0x01, 0x10, 0x02, 0x7A, 0x02, 0x08, 0x05, 0x7A, 0x04, 0x1A, 0x02, 0x68, 0x77]
    let webhook = try Webhook(serializedBytes: bytes)
    #expect(webhook.partnerID == 2)
    #expect(webhook.createdBy == ChangeAuthor(partnerID: 5, keyPrefix: "hw"))
  }

  @Test("packed and unpacked encodings of a repeated number are both accepted")
  func packedAndUnpacked() throws {
    let packed = Partner(reachBUIDs: [1, 300, 2]).serializedBytes()
    #expect(packed == [0x2A, 0x04, 0x01, 0xAC, 0x02, 0x02])
    let unpacked: [UInt8] = [0x28, 0x01, 0x28, 0xAC, 0x02, 0x28, 0x02]
    #expect(try Partner(serializedBytes: unpacked).reachBUIDs == [1, 300, 2])
  }

  @Test("negative int32 values take ten bytes, as protobuf's do, and come back")
  func negativeInt32() throws {
    // No int32 field in the product schema: use the unknown-enum path instead.
    var status = HealthCheckResponse()
    status.status = .unrecognized(-5)
    let bytes = status.serializedBytes()
    #expect(bytes.count == 11)
    #expect(try HealthCheckResponse(serializedBytes: bytes).status == .unrecognized(-5))
  }
}
