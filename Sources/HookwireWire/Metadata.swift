/// Key–value pairs sent with a call (request metadata) or its status
/// (trailing metadata), as gRPC's.
///
/// Keys are lowercase `[0-9a-z_.-]`, 1–255 bytes. Values are printable ASCII,
/// except under keys ending in `-bin`, whose values are any bytes. A key may
/// repeat; order among a key's values is kept.
public struct Metadata: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
  /// A metadata value.
  public enum Value: Sendable, Equatable, ExpressibleByStringLiteral {
    /// A printable-ASCII value.
    case string(String)
    /// A binary value, under a key ending in `-bin`.
    case binary([UInt8])

    /// A string value from a literal.
    public init(stringLiteral value: String) { self = .string(value) }
  }

  /// One key and value.
  public struct Entry: Sendable, Equatable {
    /// The lowercase key.
    public var key: String
    /// The value.
    public var value: Value
  }

  /// The key that carries the caller's API key: `authorization: Bearer <key>`.
  public static let authorizationKey = "authorization"
  /// The key a global partner sets to act as another partner (its numeric id).
  public static let actAsKey = "hookwire-act-as"
  /// Keys starting with this prefix are reserved for Hookwire itself.
  public static let reservedPrefix = "hookwire-"

  /// The entries in order.
  public private(set) var entries: [Entry] = []

  /// Creates empty metadata.
  public init() {}

  /// Creates metadata from key–value pairs; keys are lowercased.
  public init(dictionaryLiteral elements: (String, Value)...) {
    for (key, value) in elements { entries.append(Entry(key: key.lowercased(), value: value)) }
  }

  /// Whether there are no entries.
  public var isEmpty: Bool { entries.isEmpty }

  /// Appends a string value; the key is lowercased.
  public mutating func add(_ key: String, _ value: String) {
    entries.append(Entry(key: key.lowercased(), value: .string(value)))
  }

  /// Appends a binary value; the key should end in `-bin`.
  public mutating func add(_ key: String, binary value: [UInt8]) {
    entries.append(Entry(key: key.lowercased(), value: .binary(value)))
  }

  /// Removes every value of `key`.
  public mutating func removeAll(_ key: String) {
    entries.removeAll { $0.key == key }
  }

  /// How many values `key` has.
  public func count(of key: String) -> Int {
    entries.reduce(0) { $0 + ($1.key == key ? 1 : 0) }
  }

  /// The first string value of `key`.
  public subscript(key: String) -> String? {
    for entry in entries where entry.key == key {
      if case .string(let value) = entry.value { return value }
    }
    return nil
  }

  public func makeIterator() -> IndexingIterator<[Entry]> { entries.makeIterator() }

  // MARK: - Wire form

  /// Validates wire entries and builds metadata from them.
  public init(wire: [MetadataEntry]) throws(WireError) {
    entries.reserveCapacity(wire.count)
    for entry in wire {
      try Self.validate(key: entry.key)
      if entry.key.hasSuffix("-bin") {
        entries.append(Entry(key: entry.key, value: .binary(entry.value)))
        continue
      }
      guard entry.value.allSatisfy({ (0x20...0x7E).contains($0) }) else {
        throw WireError(.invalidMetadata, at: -1, "metadata value of '\(entry.key)' is not printable ASCII")
      }
      entries.append(Entry(key: entry.key, value: .string(String(decoding: entry.value, as: UTF8.self))))
    }
  }

  /// The entries as wire messages, after checking every key and value.
  public func wireEntries() throws(WireError) -> [MetadataEntry] {
    var result: [MetadataEntry] = []
    result.reserveCapacity(entries.count)
    for entry in entries {
      try Self.validate(key: entry.key)
      switch entry.value {
      case .string(let value):
        let bytes = Array(value.utf8)
        guard !entry.key.hasSuffix("-bin"), bytes.allSatisfy({ (0x20...0x7E).contains($0) }) else {
          throw WireError(.invalidMetadata, at: -1, "metadata value of '\(entry.key)' must be printable ASCII")
        }
        result.append(MetadataEntry(key: entry.key, value: bytes))
      case .binary(let value):
        guard entry.key.hasSuffix("-bin") else {
          throw WireError(.invalidMetadata, at: -1, "binary metadata key '\(entry.key)' must end in -bin")
        }
        result.append(MetadataEntry(key: entry.key, value: value))
      }
    }
    return result
  }

  /// Checks a key against `[0-9a-z_.-]{1,255}`.
  public static func validate(key: String) throws(WireError) {
    let utf8 = key.utf8
    guard !utf8.isEmpty, utf8.count <= 255 else {
      throw WireError(.invalidMetadata, at: -1, "metadata key must be 1–255 bytes")
    }
    for byte in utf8 {
      switch byte {
      case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
        UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."):
        continue
      default:
        throw WireError(.invalidMetadata, at: -1, "metadata key '\(key)' may hold only [0-9a-z_.-]")
      }
    }
  }
}
