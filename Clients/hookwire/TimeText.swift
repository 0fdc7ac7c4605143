import Foundation
import HookwireCommandLine

/// Durations (`90s`, `30m`, `1h`, `2d`, `1h30m`) and RFC 3339 times as
/// the command line writes them, and times as `hookwire` prints them.
enum TimeText {
  /// The units a duration may use, longest suffix first so `ms` is not read as `m`.
  private static let units: [(suffix: String, milliseconds: Int64)] = [
    ("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000), ("d", 86_400_000),
  ]

  /// The milliseconds `text` spells as one or more number-and-unit parts
  /// (`1h30m`), nil when it is not such a duration or would overflow.
  static func milliseconds(_ text: String) -> Int64? {
    var rest = Substring(text)
    var total: Int64 = 0
    guard !rest.isEmpty else { return nil }
    while !rest.isEmpty {
      let digits = rest.prefix { $0.isASCII && $0.isNumber }
      guard !digits.isEmpty, digits.count <= 12, let value = Int64(digits) else { return nil }
      rest = rest.dropFirst(digits.count)
      let letters = rest.prefix { $0.isASCII && $0.isLetter }
      guard let unit = units.first(where: { $0.suffix == letters }) else { return nil }
      rest = rest.dropFirst(letters.count)
      let (part, overflow) = value.multipliedReportingOverflow(by: unit.milliseconds)
      guard !overflow else { return nil }
      let (sum, overflowSum) = total.addingReportingOverflow(part)
      guard !overflowSum else { return nil }
      total = sum
    }
    return total
  }

  /// Milliseconds since 1970 of an RFC 3339 time (`2026-08-21T12:00:00Z`,
  /// with an optional fraction and a `Z` or `±hh:mm` offset), nil otherwise.
  static func rfc3339(_ text: String) -> Int64? {
    // A time zone is required: without one the instant is ambiguous.
    guard text.count >= 20, text.count <= 40 else { return nil }
    let plain = ISO8601DateFormatter()
    plain.formatOptions = [.withInternetDateTime]
    let fractional = ISO8601DateFormatter()
    fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    guard let date = plain.date(from: text) ?? fractional.date(from: text) else { return nil }
    return Int64((date.timeIntervalSince1970 * 1_000).rounded())
  }

  /// Milliseconds since 1970 now.
  static func nowMs() -> Int64 { Int64((Date().timeIntervalSince1970 * 1_000).rounded(.down)) }

  /// `ms` as RFC 3339 in UTC, with milliseconds when `fraction` (JSON) and
  /// to the second otherwise (tables); nil for 0, which the API uses for
  /// "never" or "not set".
  static func format(_ ms: Int64, fraction: Bool = false) -> String? {
    guard ms != 0 else { return nil }
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = fraction ? [.withInternetDateTime, .withFractionalSeconds] : [.withInternetDateTime]
    formatter.timeZone = TimeZone(identifier: "UTC")
    return formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1_000))
  }
}
