@testable import HookwireRPC
import HookwireWire
import Testing

@Suite("Status text and deadlines stay within bounds")
struct BoundsTests {
  static let cuts: [(String, Int, String)] = [
    ("short", 1_024, "short"),
    ("abcdef", 6, "abcdef"),
    ("abcdefg", 6, "abc…"),
    // "é" is 2 bytes, "…" 3: a cut never splits a scalar.
    ("éééé", 7, "éé…"),
    ("éééé", 6, "é…"),
    ("a🎉🎉", 9, "a🎉🎉"),
    ("a🎉🎉", 8, "a🎉…"),
    ("a🎉🎉", 7, "a…"),
    ("abc", 2, ""),
  ]

  @Test("text is cut on a UTF-8 scalar boundary, with an ellipsis, within the byte limit", arguments: cuts)
  func truncatesOnScalarBoundaries(_ text: String, _ limit: Int, _ expected: String) {
    let cut = text.truncated(toUTF8Bytes: limit)
    #expect(cut == expected)
    #expect(cut.utf8.count <= limit)
  }

  @Test("a STATUS payload fits the frame: metadata that does not fit is dropped, the message capped at 1 KiB")
  func statusPayloadFits() {
    let error = RPCError(
      code: .notFound, message: String(repeating: "w", count: 100_000),
      metadata: ["x-bin": .binary([UInt8](repeating: 0, count: 40_000))])
    let status = StatusPayload.make(error, maxFrameSize: 16_384, maxMetadataSize: 8_192)
    #expect(status.encodedSize <= 16_384)
    #expect(status.code == StatusCode.notFound.rawValue)
    #expect(status.metadata.isEmpty)
    #expect(status.message.utf8.count == StatusPayload.maxMessageBytes)
    let small = StatusPayload.make(
      RPCError(code: .aborted, message: "version 3", metadata: ["x-version": "3"]), maxFrameSize: 16_384, maxMetadataSize: 8_192)
    #expect(small.message == "version 3")
    #expect(small.metadata.count == 1)
    #expect(StatusPayload.make(nil, maxFrameSize: 16_384, maxMetadataSize: 8_192) == CallStatus())
  }

  static let budgets: [(UInt64, UInt64, UInt64)] = [
    (1_000, 5, 1_000_005),
    (1 << 63, 5, .max),
    (.max, 5, .max),
    (.max / 1_000, .max - 10, .max),
  ]

  @Test("a deadline saturates at the end of the clock instead of wrapping into the past", arguments: budgets)
  func deadlineSaturates(_ microseconds: UInt64, _ now: UInt64, _ expected: UInt64) {
    let deadline = MonotonicDeadline(afterMicroseconds: microseconds, from: now)
    #expect(deadline.nanoseconds == expected)
    #expect(deadline.remaining(at: now) == expected - now)
    #expect(MonotonicDeadline(after: .seconds(Int64.max), from: now).isDistantFuture)
  }
}
