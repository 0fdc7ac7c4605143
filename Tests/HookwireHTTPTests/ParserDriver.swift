import HookwireHTTP
import Testing

/// How a response's bytes reach the parser: the same bytes must give the
/// same outcome however the socket happened to split them.
enum Split: Sendable, CustomStringConvertible {
  case whole
  case byteByByte
  case random(seed: UInt64)

  /// Whole, byte by byte, then `randomCount` seeded random splits.
  static func all(randomCount: Int = 200) -> [Split] {
    [.whole, .byteByByte] + (0..<randomCount).map { .random(seed: UInt64($0) &* 0x9E37_79B9 &+ 1) }
  }

  var description: String {
    switch self {
    case .whole: "whole"
    case .byteByByte: "byte by byte"
    case .random(let seed): "random split \(seed)"
    }
  }

  /// `bytes` cut into the pieces this split delivers.
  func pieces(_ bytes: [UInt8]) -> [[UInt8]] {
    switch self {
    case .whole: return bytes.isEmpty ? [] : [bytes]
    case .byteByByte: return bytes.map { [$0] }
    case .random(let seed):
      guard bytes.count > 1 else { return bytes.isEmpty ? [] : [bytes] }
      var rng = SplitMix64(state: seed)
      let cutCount = Int.random(in: 1...min(12, bytes.count - 1), using: &rng)
      var cuts = Set<Int>()
      while cuts.count < cutCount { cuts.insert(Int.random(in: 1..<bytes.count, using: &rng)) }
      var pieces: [[UInt8]] = []
      var start = 0
      for cut in cuts.sorted() + [bytes.count] {
        pieces.append(Array(bytes[start..<cut]))
        start = cut
      }
      return pieces
    }
  }
}

/// A small seeded generator, so a failing split can be replayed.
struct SplitMix64: RandomNumberGenerator {
  var state: UInt64

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// What one run of the parser over a response's bytes produced.
struct Outcome {
  var response: HTTPResponse?
  var completedBeforeEOF = false
  var error: HTTPError?
  var excessBytes = 0
  var connectionReusable = false
}

/// Feeds `bytes` as `split` cuts them, then tells the parser about EOF if
/// the response is not complete by then.
func parse(
  _ bytes: [UInt8], split: Split, isResponseToHEAD: Bool = false, limits: HTTPParserLimits = HTTPParserLimits()
) -> Outcome {
  var parser = HTTPResponseParser(limits: limits, isResponseToHEAD: isResponseToHEAD)
  var outcome = Outcome()
  do {
    for piece in split.pieces(bytes) {
      if let response = try parser.feed(piece) {
        #expect(outcome.response == nil, "the response is returned once")
        outcome.response = response
      }
    }
    outcome.completedBeforeEOF = outcome.response != nil
    if outcome.response == nil { outcome.response = try parser.finish() }
  } catch {
    outcome.error = error
  }
  outcome.excessBytes = parser.excessByteCount
  outcome.connectionReusable = parser.isConnectionReusable
  return outcome
}

/// The bytes of `text`, with `\n` meaning CRLF unless `bareLF` is set.
func wire(_ text: String, bareLF: Bool = false) -> [UInt8] {
  bareLF ? Array(text.utf8) : Array(text.split(separator: "\n", omittingEmptySubsequences: false).joined(separator: "\r\n").utf8)
}
