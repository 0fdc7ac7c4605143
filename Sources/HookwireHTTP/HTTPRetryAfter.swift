/// Reads a `Retry-After` value (RFC 9110 §10.2.3): delay-seconds, or an
/// HTTP-date in any of the three forms a recipient must accept (§5.6.7):
/// IMF-fixdate `Sun, 06 Nov 1994 08:49:37 GMT`, the obsolete RFC 850 form
/// `Sunday, 06-Nov-94 08:49:37 GMT` and asctime's `Sun Nov  6 08:49:37 1994`.
package enum HTTPRetryAfter {
  /// The longest delay honoured: one day (an endpoint cannot park a delivery longer).
  package static let maxSeconds: Int64 = 86_400

  /// The delay `value` asks for at `nowSeconds` (Unix time), capped at a
  /// day; a date in the past is no delay; nil when `value` is neither form.
  package static func delay(_ value: String, nowSeconds: Int64) -> Duration? {
    let text = value.trimmed
    guard !text.isEmpty, text.utf8.count <= 64 else { return nil }
    if text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) {
      guard text.utf8.count <= 12, let seconds = Int64(text) else { return .seconds(maxSeconds) }
      return .seconds(min(seconds, maxSeconds))
    }
    guard let date = date(text) else { return nil }
    return .seconds(min(max(date - nowSeconds, 0), maxSeconds))
  }

  /// An HTTP-date as Unix seconds, or nil.
  static func date(_ text: String) -> Int64? {
    let words = text.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
    if words.count == 6, words[0].hasSuffix(","), words[5] == "GMT" {
      // IMF-fixdate: day-name, DD Mon YYYY hh:mm:ss GMT.
      guard let day = Int(words[1]), words[1].count == 2, let month = month(words[2]), words[3].count == 4, let year = Int(words[3]) else { return nil }
      return unixSeconds(year: year, month: month, day: day, time: words[4])
    }
    if words.count == 4, words[0].hasSuffix(","), words[3] == "GMT" {
      // RFC 850: day-name, DD-Mon-YY hh:mm:ss GMT; a two-digit year is the
      // nearest one not more than 50 years ahead (taken as 2000–2069 here).
      let parts = words[1].split(separator: "-").map(String.init)
      guard parts.count == 3, parts[0].count == 2, let day = Int(parts[0]), let month = month(parts[1]), parts[2].count == 2, let yy = Int(parts[2])
      else { return nil }
      return unixSeconds(year: yy < 70 ? 2_000 + yy : 1_900 + yy, month: month, day: day, time: words[2])
    }
    if words.count == 5, !words[0].hasSuffix(",") {
      // asctime: day-name Mon D hh:mm:ss YYYY (the day padded with a space).
      guard let month = month(words[1]), let day = Int(words[2]), (1...2).contains(words[2].count), words[4].count == 4, let year = Int(words[4])
      else { return nil }
      return unixSeconds(year: year, month: month, day: day, time: words[3])
    }
    return nil
  }

  static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

  static func month(_ name: String) -> Int? { months.firstIndex(of: name).map { $0 + 1 } }

  /// Seconds since 1970 of a proleptic Gregorian UTC date and `hh:mm:ss`.
  static func unixSeconds(year: Int, month: Int, day: Int, time: String) -> Int64? {
    let clock = time.split(separator: ":").map(String.init)
    guard clock.count == 3, clock.allSatisfy({ $0.count == 2 }), let hour = Int(clock[0]), let minute = Int(clock[1]), let second = Int(clock[2]),
      (0...23).contains(hour), (0...59).contains(minute), (0...60).contains(second), (1...12).contains(month), (1...31).contains(day),
      (1_900...9_999).contains(year)
    else { return nil }
    // Days from 1970-01-01 to the date (Howard Hinnant's days_from_civil).
    let y = month <= 2 ? year - 1 : year
    let era = y / 400
    let yearOfEra = y - era * 400
    let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
    let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
    let days = Int64(era * 146_097 + dayOfEra - 719_468)
    return days * 86_400 + Int64(hour * 3_600 + minute * 60 + second)
  }
}

extension String {
  /// Without leading and trailing spaces and tabs.
  fileprivate var trimmed: String {
    let isBlank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
    return String(drop(while: isBlank).reversed().drop(while: isBlank).reversed())
  }
}
