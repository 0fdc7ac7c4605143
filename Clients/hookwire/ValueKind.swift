import HookwireCommandLine

/// What a flag takes and how its value is checked: every value is checked
/// when the command line is read, before any call, and a bad one is a
/// usage error naming the flag and saying what it expects.
enum ValueKind: Sendable {
  /// No value: the flag is on or absent (`--json`, `--yes`).
  case none
  /// Any non-empty text.
  case text
  /// Comma-separated words, blanks dropped (`--events a,b`).
  case list
  /// A whole number within the range.
  case integer(ClosedRange<Int64>)
  /// A duration within the range (`90s`, `30m`, `1h`, `2d`, `500ms`);
  /// with `bareSeconds`, a plain number counts seconds.
  case duration(ClosedRange<Int64>, bareSeconds: Bool)
  /// A point in time: a duration back from now (`1h`) or an RFC 3339 time.
  case instant
  /// One of these words (any case).
  case choice([String])
  /// A request body: inline text, `@FILE`, or `-` for standard input.
  case payload
  /// The path of a readable file.
  case file
  /// `HOST:PORT`.
  case address

  /// Whether the flag takes a value.
  var takesValue: Bool {
    if case .none = self { return false }
    return true
  }

  /// What the value must look like, for messages and help.
  var expectation: String {
    switch self {
    case .none: "no value"
    case .text: "a value"
    case .list: "a comma-separated list"
    case .integer(let range):
      range.upperBound == Int64.max
        ? (range.lowerBound == 1 ? "a positive whole number" : "a whole number of at least \(range.lowerBound)")
        : "a whole number from \(range.lowerBound) to \(range.upperBound)"
    case .duration(let range, let bare):
      "a duration like 90s, 30m, 1h or 2d\(bare ? " (or seconds)" : "") from \(Self.spell(range.lowerBound)) to \(Self.spell(range.upperBound))"
    case .instant: "a duration like 1h or an RFC 3339 time"
    case .choice(let words): "one of " + words.joined(separator: ", ")
    case .payload: "JSON, @FILE or - (standard input)"
    case .file: "a file"
    case .address: "HOST:PORT"
    }
  }

  /// A duration in its largest whole unit, for messages.
  static func spell(_ ms: Int64) -> String {
    for (unit, size) in [("d", Int64(86_400_000)), ("h", 3_600_000), ("m", 60_000), ("s", 1_000)] where ms >= size && ms % size == 0 {
      return "\(ms / size)\(unit)"
    }
    return "\(ms)ms"
  }

  /// Reads `text` given to `flag`; a usage error that names the flag when
  /// it does not fit. `.payload`, `.file` and `.address` are read by
  /// their own types; here they are only required to be non-empty.
  func read(_ text: String, flag: String) throws(UsageError) -> FlagValue {
    func refuse() -> UsageError { UsageError("\(flag): expected \(expectation), got '\(text.echoed)'") }
    switch self {
    case .none:
      return .on
    case .text, .payload, .file, .address:
      guard !text.isEmpty else { throw UsageError("\(flag): expected \(expectation), got nothing") }
      return .text(text)
    case .list:
      let items = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
      guard !items.isEmpty else { throw UsageError("\(flag): expected \(expectation), got '\(text.echoed)'") }
      return .list(items)
    case .integer(let range):
      guard text.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == "-") }), let value = Int64(text), range.contains(value) else { throw refuse() }
      return .integer(value)
    case .duration(let range, let bare):
      let ms: Int64? =
        bare && !text.isEmpty && text.allSatisfy({ $0.isASCII && $0.isNumber })
        ? Int64(text).flatMap { $0 <= Int64.max / 1_000 ? $0 * 1_000 : nil } : TimeText.milliseconds(text)
      guard let ms, range.contains(ms) else { throw refuse() }
      return .milliseconds(ms)
    case .instant:
      if let ago = TimeText.milliseconds(text), ago <= 100 * 365 * 86_400_000 { return .instant(TimeText.nowMs() - ago) }
      if let at = TimeText.rfc3339(text), at > 0 { return .instant(at) }
      throw refuse()
    case .choice(let words):
      guard let word = words.first(where: { $0 == text.lowercased() }) else { throw refuse() }
      return .text(word)
    }
  }
}

/// A flag's value once checked.
enum FlagValue: Sendable, Equatable {
  /// A flag without a value was given.
  case on
  /// Text (also a choice, a payload source, a file path, an address).
  case text(String)
  /// The items of a list.
  case list([String])
  /// A whole number.
  case integer(Int64)
  /// A duration.
  case milliseconds(Int64)
  /// A point in time, as milliseconds since 1970.
  case instant(Int64)
}
