import HookwireWire

extension Metadata {
  /// These entries with `overrides` laid over them: every key `overrides`
  /// names takes its values from there only, and the others stay. A
  /// client's default metadata is overridden by each call's own this way.
  public func overridden(by overrides: Metadata) -> Metadata {
    guard !overrides.isEmpty else { return self }
    guard !isEmpty else { return overrides }
    var merged = self
    for key in Set(overrides.map(\.key)) { merged.removeAll(key) }
    for entry in overrides { merged.addEntry(entry) }
    return merged
  }

  /// Adds one entry, whatever its kind of value.
  fileprivate mutating func addEntry(_ entry: Entry) {
    switch entry.value {
    case .string(let value): add(entry.key, value)
    case .binary(let value): add(entry.key, binary: value)
    }
  }
}
