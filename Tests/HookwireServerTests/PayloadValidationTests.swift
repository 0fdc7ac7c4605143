import Foundation
import HookwireClient
import HookwireServer
import HookwireTestSupport
import Testing

/// Publishing checks the payload strictly, over the real server: what a
/// strict receiver would reject is neither stored nor delivered.
@Suite("Payload validation", .serialized)
struct PayloadValidationTests {
  @Test("publish refuses a trailing comma, a byte-order mark and other invalid JSON with INVALID_ARGUMENT; nothing of them is delivered")
  func invalidPayloadsAreRefused() async throws {
    try await withTeardown { teardown in
      let setup = try await DeliveryTests.setup()
      teardown.add { await setup.stop() }
      let invalid: [(String, String)] = [
        ("[1,]", "trailing comma"), (#"{"a":1,}"#, "trailing comma"), ("\u{FEFF}{\"a\":1}", "byte-order mark"),
        (#"{"a":1} {"b":2}"#, "more after the value"), (#"{"a":"\ud800"}"#, "surrogate"), ("{\"a\":\"x\ty\"}", "control character"),
        ("[1e999]", "range"), (String(repeating: "[", count: 65) + String(repeating: "]", count: 65), "nested deeper"), ("", "1 byte"),
        (String(repeating: " ", count: 256 * 1_024) + "1", "payload_json"),
      ]
      for (payload, reason) in invalid {
        do {
          _ = try await setup.publish(data: payload)
          Issue.record("published \(payload.prefix(40).debugDescription)")
        } catch let error as RPCError {
          #expect(error.code == .invalidArgument && error.message.contains(reason), "\(payload.prefix(40).debugDescription): \(error)")
        }
      }
      let valid = try await setup.publish(data: " [1, {\"a\": \"é\\u00e9\"}, -0.5e3] ")
      let log = await setup.waitFor(valid.event?.id ?? "", .succeeded)
      #expect(log?.entry?.status == .succeeded)
      try await setup.waitForQuietEngine()
      #expect(setup.receiver.requests.count == 1, "an invalid payload was delivered")
      #expect(setup.receiver.requests.first.map { String(decoding: $0.body, as: UTF8.self) }?.hasSuffix(#""data": [1, {"a": "é\u00e9"}, -0.5e3] }"#) == true)
    }
  }
}
