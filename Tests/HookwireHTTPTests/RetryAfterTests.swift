@testable import HookwireHTTP
import Testing

/// `Retry-After` as delay-seconds or as an HTTP-date in each of its three
/// forms, at a fixed "now": 1994-11-06 08:49:00 UTC (784,111,740).
@Suite("Retry-After")
struct RetryAfterTests {
  static let now: Int64 = 784_111_740

  static let cases: [(String, Duration?)] = [
    ("120", .seconds(120)),
    ("  0 ", .seconds(0)),
    ("86400", .seconds(86_400)),
    ("999999999999999999999", .seconds(86_400)),
    ("Sun, 06 Nov 1994 08:49:37 GMT", .seconds(37)),
    ("Sunday, 06-Nov-94 08:49:37 GMT", .seconds(37)),
    ("Sun Nov  6 08:49:37 1994", .seconds(37)),
    ("Sun, 06 Nov 1994 08:48:00 GMT", .seconds(0)),
    ("Mon, 07 Nov 1994 08:49:00 GMT", .seconds(86_400)),
    ("Sat, 01 Jan 2000 00:00:00 GMT", .seconds(86_400)),
    ("-5", nil),
    ("1.5", nil),
    ("soon", nil),
    ("", nil),
    ("Sun, 06 Nov 1994 08:49:37 PST", nil),
    ("Sun, 06 Foo 1994 08:49:37 GMT", nil),
    ("Sun, 32 Nov 1994 08:49:37 GMT", nil),
    ("Sun, 06 Nov 1994 24:00:00 GMT", nil),
    ("Sun, 6 Nov 1994 08:49:37 GMT", nil),
  ]

  @Test("each form gives the delay it names from now, capped at a day; anything else gives none", arguments: cases)
  func delays(_ value: String, _ expected: Duration?) {
    #expect(HTTPRetryAfter.delay(value, nowSeconds: Self.now) == expected, "\(value)")
  }

  @Test("dates become Unix seconds across leap years and centuries")
  func unixSeconds() {
    #expect(HTTPRetryAfter.date("Thu, 01 Jan 1970 00:00:00 GMT") == 0)
    #expect(HTTPRetryAfter.date("Tue, 29 Feb 2000 12:00:00 GMT") == 951_825_600)
    #expect(HTTPRetryAfter.date("Tue, 01 Dec 2026 22:29:58 GMT") == 1_796_164_198)
    #expect(HTTPRetryAfter.date("Sun, 06 Nov 1994 08:49:37 GMT") == 784_111_777)
  }
}
