import Foundation
import HookwireClient
import HookwireDomain
import HookwireServer
import HookwireTestSupport
import Testing

/// The strict RFC 8259 check event payloads pass before they are stored,
/// on its own and as publishing applies it.
@Suite("JSON validator")
struct JSONValidatorTests {
  static let validator = JSONValidator()

  /// Texts RFC 8259 accepts.
  static let valid: [String] = [
    "0", "-0", "1", "-1", "12.5", "1e3", "1E+3", "1e-3", "-0.0e0", "123456789012345678901234567890",
    "1e308", "-1.7976931348623157e308", "1e-400", "0e99999",
    "true", "false", "null", #""""#, #""a""#, " \t\r\n1 \t\r\n", "[]", "{}", "[ ]", "{ }",
    "[1,2,3]", #"{"a":1,"b":[true,false,null],"c":{"d":"e"}}"#, #"{"a":1,"a":2}"#,
    #""\" \\ \/ \b \f \n \r \t \u00e9 \u00E9""#, #""\ud83d\ude00""#, #""\uD83D\uDE00""#,
    "\"é ü 漢字 😀\"", "\"\u{7F}\"", #"{"":""}"#, #"[[[[[[]]]]]]"#, #"[{"a":[{"b":[]}]}]"#,
  ]

  /// Texts it does not, each with where it breaks and why.
  static let invalid: [(text: [UInt8], offset: Int, reason: String)] = [
    (Array("[1,]".utf8), 3, "a trailing comma"),
    (Array(#"{"a":1,}"#.utf8), 7, "a trailing comma"),
    ([0xEF, 0xBB, 0xBF] + Array("{}".utf8), 0, "byte-order mark"),
    ([0xEF, 0xBB, 0xBF] + Array("1".utf8), 0, "byte-order mark"),
    (Array("".utf8), 0, "no value"),
    (Array("  ".utf8), 2, "no value"),
    (Array("1 2".utf8), 2, "more after the value"),
    (Array("{} {}".utf8), 3, "more after the value"),
    (Array("[1 2]".utf8), 3, "expected ',' or ']'"),
    (Array(#"{"a" 1}"#.utf8), 5, "expected ':'"),
    (Array("{a:1}".utf8), 1, "key must be a string"),
    (Array("{,}".utf8), 1, "key must be a string"),
    (Array("[,1]".utf8), 1, "where a value should be"),
    (Array("[1".utf8), 2, "not closed"),
    (Array(#"{"a":1"#.utf8), 6, "not closed"),
    (Array("01".utf8), 1, "leading zero"),
    (Array("-01".utf8), 2, "leading zero"),
    (Array("-".utf8), 1, "needs a digit"),
    (Array("+1".utf8), 0, "where a value should be"),
    (Array(".5".utf8), 0, "where a value should be"),
    (Array("1.".utf8), 2, "after '.'"),
    (Array("1.e3".utf8), 2, "after '.'"),
    (Array("1e".utf8), 2, "exponent"),
    (Array("1e+".utf8), 3, "exponent"),
    (Array("1e309".utf8), 0, "beyond the range"),
    (Array("[-1E400]".utf8), 1, "beyond the range"),
    (Array(String(repeating: "9", count: 400).utf8), 0, "beyond the range"),
    (Array("NaN".utf8), 0, "where a value should be"),
    (Array("Infinity".utf8), 0, "where a value should be"),
    (Array("tru".utf8), 0, "not a literal"),
    (Array("nul".utf8), 0, "not a literal"),
    (Array("True".utf8), 0, "where a value should be"),
    (Array("'a'".utf8), 0, "where a value should be"),
    (Array(#""abc"#.utf8), 0, "not closed"),
    (Array("\"a\tb\"".utf8), 2, "control character"),
    (Array("\"a\nb\"".utf8), 2, "control character"),
    ([0x22, 0x00, 0x22], 1, "control character"),
    (Array(#""\x41""#.utf8), 1, "unknown escape"),
    (Array(#""\'""#.utf8), 1, "unknown escape"),
    (Array(#""\u12""#.utf8), 1, "four hex digits"),
    (Array(#""\u12G4""#.utf8), 1, "four hex digits"),
    (Array(#""\ud83d""#.utf8), 1, "high surrogate"),
    (Array(#""\ud83dx""#.utf8), 1, "high surrogate"),
    (Array(#""\ud83d\u0041""#.utf8), 1, "high surrogate"),
    (Array(#""\ude00""#.utf8), 1, "lone low surrogate"),
    ([0x22, 0xFF, 0x22], 1, "invalid UTF-8"),
    ([0x22, 0x80, 0x22], 1, "invalid UTF-8"),
    ([0x22, 0xC0, 0xAF, 0x22], 1, "invalid UTF-8"),  // overlong '/'
    ([0x22, 0xE0, 0x80, 0xAF, 0x22], 1, "invalid UTF-8"),  // overlong
    ([0x22, 0xED, 0xA0, 0x80, 0x22], 1, "invalid UTF-8"),  // an encoded surrogate
    ([0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], 1, "invalid UTF-8"),  // past U+10FFFF
    ([0x22, 0xE2, 0x82, 0x22], 1, "invalid UTF-8"),  // cut short
    ([0xFF], 0, "where a value should be"),
    (Array("/* c */ 1".utf8), 0, "where a value should be"),
    (Array("[1] // c".utf8), 4, "more after the value"),
    (Array("\u{A0}1".utf8), 0, "where a value should be"),  // no-break space is not whitespace
    (Array(String(repeating: "[", count: 65).utf8) + Array(String(repeating: "]", count: 65).utf8), 64, "nested deeper than 64"),
  ]

  @Test("the RFC 8259 grammar: every valid text passes, every invalid one fails at the right byte with the right reason")
  func grammarTable() {
    for text in Self.valid {
      #expect(throws: Never.self, "\(text.debugDescription)") { try Self.validator.validate(Array(text.utf8)) }
    }
    for (text, offset, reason) in Self.invalid {
      do {
        try Self.validator.validate(text)
        Issue.record("accepted \(text)")
      } catch {
        #expect(error.offset == offset && error.reason.contains(reason), "\(String(decoding: text, as: UTF8.self).debugDescription): \(error)")
      }
    }
  }

  @Test("depth and size limits: 64 levels pass, 65 fail; a text over the size limit fails before it is read")
  func limits() throws {
    let deep = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
    try Self.validator.validate(Array(deep.utf8))
    let objects = String(repeating: #"{"a":"#, count: 65) + "1" + String(repeating: "}", count: 65)
    #expect(throws: JSONValidator.Failure.self) { try Self.validator.validate(Array(objects.utf8)) }
    let small = JSONValidator(maxDepth: 64, maxBytes: 10)
    #expect(throws: JSONValidator.Failure(offset: 10, reason: "longer than 10 bytes")) { try small.validate(Array("[1,2,3,4,5]".utf8)) }
    // Thousands of unclosed brackets are refused at the depth limit, without deep recursion.
    #expect(throws: JSONValidator.Failure.self) { try Self.validator.validate(Array(repeating: UInt8(ascii: "["), count: 200_000)) }
  }

  // Over the real server: what a strict receiver would reject is neither
  // stored nor delivered.
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
