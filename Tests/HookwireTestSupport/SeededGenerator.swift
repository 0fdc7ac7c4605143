import HookwireWire

/// A SplitMix64 generator: the same seed gives the same values on every run.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
  private var state: UInt64

  /// Creates a generator from `seed`.
  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A number in `0..<bound`.
  public mutating func count(upTo bound: Int) -> Int { Int(next() % UInt64(max(bound, 1))) }

  /// True about half the time.
  public mutating func chance() -> Bool { next() & 1 == 1 }

  public mutating func bool() -> Bool { chance() }

  /// Edge values (0, ±1, min, max) a quarter of the time, otherwise any value.
  public mutating func int64() -> Int64 {
    switch count(upTo: 8) {
    case 0: 0
    case 1: -1
    case 2: .min
    case 3: .max
    default: Int64(bitPattern: next()) >> Int64(count(upTo: 64))
    }
  }

  public mutating func int32() -> Int32 { Int32(truncatingIfNeeded: int64()) }
  public mutating func uint64() -> UInt64 { UInt64(bitPattern: int64()) }
  public mutating func uint32() -> UInt32 { UInt32(truncatingIfNeeded: uint64()) }

  /// Finite values only, so that equality holds after a round trip.
  public mutating func double() -> Double {
    let value = Double(bitPattern: next())
    return value.isFinite ? value : -0.0
  }

  public mutating func float() -> Float {
    let value = Float(bitPattern: UInt32(truncatingIfNeeded: next()))
    return value.isFinite ? value : 1.5
  }

  static let alphabet: [String] = ["a", "Z", "0", "_", " ", "é", "ß", "中", "🎉", "\u{0}", "\n", "€"]

  /// Strings of 0–40 characters, ASCII and multi-byte, sometimes long.
  public mutating func string() -> String {
    let length = count(upTo: 8) == 0 ? 130 + count(upTo: 200) : count(upTo: 40)
    var result = ""
    for _ in 0..<length { result += Self.alphabet[count(upTo: Self.alphabet.count)] }
    return result
  }

  public mutating func bytes() -> [UInt8] {
    (0..<count(upTo: 48)).map { _ in UInt8(truncatingIfNeeded: next()) }
  }

  /// A known case most of the time, otherwise a number the enum does not declare.
  public mutating func enumValue<E>(_ known: [E], raw: (E) -> Int32, make: (Int32) -> E) -> E {
    if count(upTo: 5) > 0 { return known[count(upTo: known.count)] }
    let used = Set(known.map(raw))
    var candidate = Int32(truncatingIfNeeded: next())
    while used.contains(candidate) { candidate &+= 1 }
    return make(candidate)
  }
}

/// A generated message that can build random values of itself.
public protocol ArbitraryMessage: WireMessage {
  /// A random value; nested messages go at most `depth` levels down.
  static func arbitrary(using rng: inout SeededGenerator, depth: Int) -> Self
}
