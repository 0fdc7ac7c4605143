import HookwireRPC
import HookwireWire

/// A bound on one field of a request message: the most bytes of a string
/// or bytes field, the most entries of a repeated field, or a bound on each
/// entry. Measuring a field costs O(1) (or O(entries) for a bound on each
/// entry, checked after the bound on their number), never a look at its text.
struct FieldBound<Message: WireMessage>: Sendable {
  /// The field as the schema names it; `events[]` for a bound on each entry.
  let field: String
  /// What the limit counts.
  let unit: BoundUnit
  /// The largest size allowed.
  let limit: Int
  /// The field's size in `unit`s (the largest entry's, for `events[]`).
  let measure: @Sendable (Message) -> Int
  /// Makes the field `size` units large (tests build requests at and over a bound with it).
  let fill: @Sendable (inout Message, Int) -> Void
  /// Bounds of each entry, for repeated message fields: checked in order,
  /// the first violation named `field[index].name`.
  let entryViolation: (@Sendable (Message) -> String?)?
  /// The bounds of each entry, for repeated message fields, as bounds of
  /// this message (on its first entry): so every bound can be tested alike.
  var entryBounds: [FieldBound] = []

  /// Why `message` breaks this bound, or nil when it keeps it.
  func violation(_ message: Message) -> String? {
    if measure(message) > limit {
      let what = field.hasSuffix("[]") ? "an entry of `\(field.dropLast(2))`" : "`\(field)`"
      return "\(what) exceeds its bound of \(limit) \(unit == .bytes ? "bytes" : "entries")"
    }
    return entryViolation?(message)
  }

  /// A string field of at most `maxBytes` UTF-8 bytes.
  static func text(_ field: String, _ path: WritableKeyPath<Message, String> & Sendable, maxBytes: Int) -> FieldBound {
    FieldBound(
      field: field, unit: .bytes, limit: maxBytes, measure: { $0[keyPath: path].utf8.count },
      fill: { $0[keyPath: path] = String(repeating: "a", count: $1) }, entryViolation: nil)
  }

  /// An optional string field of at most `maxBytes` UTF-8 bytes.
  static func text(_ field: String, _ path: WritableKeyPath<Message, String?> & Sendable, maxBytes: Int) -> FieldBound {
    FieldBound(
      field: field, unit: .bytes, limit: maxBytes, measure: { $0[keyPath: path]?.utf8.count ?? 0 },
      fill: { $0[keyPath: path] = String(repeating: "a", count: $1) }, entryViolation: nil)
  }

  /// A bytes field of at most `maxBytes` bytes.
  static func bytes(_ field: String, _ path: WritableKeyPath<Message, [UInt8]> & Sendable, maxBytes: Int) -> FieldBound {
    FieldBound(
      field: field, unit: .bytes, limit: maxBytes, measure: { $0[keyPath: path].count },
      fill: { $0[keyPath: path] = [UInt8](repeating: 0x61, count: $1) }, entryViolation: nil)
  }

  /// A repeated string field of at most `maxEntries` entries, each of at
  /// most `maxBytesEach` bytes (`field[]`, checked once the count is known to be within bound).
  static func texts(
    _ field: String, _ path: WritableKeyPath<Message, [String]> & Sendable, maxEntries: Int, maxBytesEach: Int
  ) -> FieldBound {
    let each = FieldBound(
      field: "\(field)[]", unit: .bytes, limit: maxBytesEach,
      measure: { $0[keyPath: path].reduce(0) { max($0, $1.utf8.count) } },
      fill: { $0[keyPath: path] = [String(repeating: "a", count: $1)] }, entryViolation: nil)
    var bound = FieldBound(
      field: field, unit: .entries, limit: maxEntries, measure: { $0[keyPath: path].count },
      fill: { $0[keyPath: path] = Array(repeating: "", count: $1) }, entryViolation: { each.violation($0) })
    bound.entryBounds = [each]
    return bound
  }

  /// A repeated message field of at most `maxEntries` entries, each within `bounds`.
  static func messages<Entry: WireMessage>(
    _ field: String, _ path: WritableKeyPath<Message, [Entry]> & Sendable, maxEntries: Int, each bounds: [FieldBound<Entry>]
  ) -> FieldBound {
    var bound = FieldBound(
      field: field, unit: .entries, limit: maxEntries, measure: { $0[keyPath: path].count },
      fill: { $0[keyPath: path] = Array(repeating: Entry(), count: $1) },
      entryViolation: { message in
        for (index, entry) in message[keyPath: path].enumerated() {
          for bound in bounds {
            if let violation = bound.violation(entry) {
              return violation.replacingFirst("`", with: "`\(field)[\(index)].")
            }
          }
        }
        return nil
      })
    bound.entryBounds = bounds.map { inner in
      FieldBound<Message>(
        field: "\(field)[0].\(inner.field)", unit: inner.unit, limit: inner.limit,
        measure: { $0[keyPath: path].first.map(inner.measure) ?? 0 },
        fill: { message, size in
          var entry = Entry()
          inner.fill(&entry, size)
          message[keyPath: path] = [entry]
        }, entryViolation: nil)
    }
    return bound
  }
}

/// What a bound counts.
enum BoundUnit: String, Sendable {
  case bytes, entries
}

extension String {
  /// The string with the first `target` replaced by `replacement`.
  fileprivate func replacingFirst(_ target: Character, with replacement: String) -> String {
    guard let index = firstIndex(of: target) else { return self }
    return String(self[..<index]) + replacement + String(self[self.index(after: index)...])
  }
}
