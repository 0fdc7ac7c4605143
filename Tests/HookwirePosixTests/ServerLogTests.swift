import Foundation
import Synchronization
import Testing

@testable import HookwirePosix

/// The server's log lines: the JSON and text formats, the time stamp, level
/// filtering, and escaping of whatever a client managed to put in a field.
@Suite("Server log")
struct ServerLogTests {
  /// Lines a log wrote, collected for the test.
  final class Lines: Sendable {
    private let lines = Mutex<[String]>([])
    var all: [String] { lines.withLock { $0 } }
    func log(_ format: LogFormat, level: LogLevel = .debug) -> ServerLog {
      ServerLog(format: format, level: level) { [self] line in lines.withLock { $0.append(line) } }
    }
  }

  /// Strings a client could make a server log: quotes, line breaks, escape
  /// sequences, NUL, the Unicode line separator, bytes that are not UTF-8, a
  /// would-be extra field and a would-be JSON key.
  static let hostile: [String] = [
    "say \"hi\"", "line\nbreak\r\nend", "tab\there", "nul\u{0}byte", "escape\u{1B}[31mred", "del\u{7F}", "sep\u{2028}arator",
    String(decoding: [0x66, 0xFF, 0xC3, 0x28, 0x6F], as: UTF8.self), "x level=error msg=forged", "\",\"level\":\"error", "back\\slash\\",
    "", "é ü 日本 🎉",
  ]

  static func parse(_ line: String) throws -> [String: Any] {
    let object = try JSONSerialization.jsonObject(with: Data(line.utf8))
    return try #require(object as? [String: Any], "not a JSON object: \(line)")
  }

  @Test("a JSON line is one object with time, level and msg first, then the fields in order, numbers bare")
  func jsonLine() throws {
    let lines = Lines()
    lines.log(.json).error("call failed", .callID("abc-1-3"), .method("/hookwire.v1.Webhooks/GetWebhook"), .partnerID(10_001), .keyPrefix("abcd2345"))
    let line = try #require(lines.all.first)
    #expect(lines.all.count == 1 && !line.contains("\n"))
    let object = try Self.parse(line)
    #expect(object["level"] as? String == "error" && object["msg"] as? String == "call failed")
    #expect(object["call_id"] as? String == "abc-1-3" && object["partner_id"] as? Int == 10_001 && object["key_prefix"] as? String == "abcd2345")
    let time = try #require(object["time"] as? String)
    #expect(time.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/) != nil, "\(time)")
    let keys = ["time", "level", "msg", "call_id", "method", "partner_id", "key_prefix"]
    let offsets = keys.map { line.range(of: "\"\($0)\":")?.lowerBound }
    #expect(offsets.allSatisfy { $0 != nil } && offsets.compactMap { $0 } == offsets.compactMap { $0 }.sorted(), "keys out of order: \(line)")
  }

  @Test("a text line is TIME LEVEL message key=value, values quoted when they must be")
  func textLine() throws {
    let lines = Lines()
    lines.log(.text).warning("TLS handshake failed", .peer("127.0.0.1"), .error("no shared cipher"), LogField("unlogged_since_last", 3), LogField("empty", ""))
    let line = try #require(lines.all.first)
    #expect(
      line.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z WARNING TLS handshake failed peer=127\.0\.0\.1 error="no shared cipher" unlogged_since_last=3 empty=""/)
        != nil, "\(line)")
  }

  @Test("times are RFC 3339 in UTC with milliseconds", arguments: [
    (Int64(0), "1970-01-01T00:00:00.000Z"),
    (Int64(951_782_400_123), "2000-02-29T00:00:00.123Z"),
    (Int64(1_796_309_604_690), "2026-12-03T14:53:24.690Z"),
    (Int64(4_107_542_399_999), "2100-02-28T23:59:59.999Z"),
    (Int64(-1), "1969-12-31T23:59:59.999Z"),
  ])
  func timestamps(_ ms: Int64, _ expected: String) {
    #expect(LogLine.timestamp(ms: ms) == expected)
  }

  @Test("lines below the log's level are neither written nor built")
  func levelFiltering() {
    let lines = Lines()
    let log = lines.log(.json, level: .warning)
    let built = Atomic<Int>(0)
    func message(_ text: String) -> String {
      built.add(1, ordering: .relaxed)
      return text
    }
    log.debug(message("debug"))
    log.info(message("info"))
    log.warning(message("warning"))
    log.error(message("error"))
    #expect(lines.all.compactMap { try? Self.parse($0)["msg"] as? String } == ["warning", "error"])
    #expect(built.load(ordering: .relaxed) == 2)
    #expect(!log.isEnabled(.info) && log.isEnabled(.error))
    var off = log
    off.enabled = false
    off.error(message("off"))
    #expect(lines.all.count == 2 && built.load(ordering: .relaxed) == 2)
  }

  @Test("hostile strings in a message, a field or a key keep a JSON line one parseable line with the same text", arguments: hostile)
  func hostileJSON(_ text: String) throws {
    let lines = Lines()
    lines.log(.json).info(text, .method(text), .peer(text), LogField(text, "value"))
    let line = try #require(lines.all.first)
    #expect(!line.contains("\n") && !line.contains("\r") && !line.unicodeScalars.contains { $0.value < 0x20 || $0 == "\u{2028}" })
    let object = try Self.parse(line)
    #expect(object["msg"] as? String == text && object["method"] as? String == text && object["peer"] as? String == text)
    #expect(object["level"] as? String == "info", "a value forged the level: \(line)")
    if !["time", "level", "msg", "method", "peer"].contains(text) { #expect(object[text] as? String == "value") }
  }

  @Test("hostile strings keep a text line one line: escaped, and quoted as a value", arguments: hostile)
  func hostileText(_ text: String) throws {
    let lines = Lines()
    lines.log(.text).info("call ended", .method(text), .status("OK"))
    let line = try #require(lines.all.first)
    #expect(!line.contains("\n") && !line.contains("\r") && !line.unicodeScalars.contains { $0.value < 0x20 || $0 == "\u{2028}" })
    // The field after the hostile one is still its own, unquoted, at the end.
    #expect(line.hasSuffix(" status=OK"), "\(line)")
    let value = line.dropFirst(line.distance(from: line.startIndex, to: try #require(line.range(of: " method=")).upperBound)).dropLast(" status=OK".count)
    if text.unicodeScalars.contains(where: { $0 == " " || $0 == "\"" || $0 == "=" || $0.value < 0x20 }) || text.isEmpty {
      #expect(value.hasPrefix("\"") && value.hasSuffix("\""), "\(line)")
    }
  }

  @Test("a method name a client sent is cut to a bound, and every value and message to theirs, on a character boundary")
  func bounds() throws {
    let lines = Lines()
    let long = String(repeating: "é", count: 20_000)
    lines.log(.json).info(long, .method("/" + long), .peer(long))
    let object = try Self.parse(try #require(lines.all.first))
    let method = try #require(object["method"] as? String)
    let peer = try #require(object["peer"] as? String)
    let message = try #require(object["msg"] as? String)
    #expect(method.utf8.count <= LogField.maxMethodBytes && method.hasSuffix("…") && method.hasPrefix("/éé"))
    #expect(peer.utf8.count <= LogLine.maxValueBytes && message.utf8.count <= LogLine.maxMessageBytes)
    #expect(!method.dropLast().contains("\u{FFFD}"))
  }

  @Test("levels are named as --log-level takes them, in any case")
  func levelNames() {
    #expect(LogLevel.allCases.map(\.description) == ["debug", "info", "warning", "error"])
    #expect(LogLevel(name: "WARNING") == .warning && LogLevel(name: "warn") == nil)
    #expect(LogLevel.debug < .info && LogLevel.warning < .error)
  }
}
