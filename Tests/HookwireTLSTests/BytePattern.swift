#if canImport(Glibc)
import Glibc
#endif

/// An endless, checkable byte stream for bulk transfers: the byte at
/// offset `i` depends on `i` modulo a prime, so shifted, lost or repeated
/// data does not compare equal.
struct BytePattern: Sendable {
  static let period = 65_521
  /// Longest slice handed out or checked at once.
  static let maximumSlice = 65_536
  private let bytes: [UInt8]

  init() {
    bytes = (0..<(Self.period + Self.maximumSlice)).map { index in
      let phase = index % Self.period
      return UInt8(truncatingIfNeeded: phase &* 7 &+ phase >> 8)
    }
  }

  /// Calls `body` with the `count` bytes from `offset` (count at most `maximumSlice`).
  func withSlice<Result>(at offset: Int, count: Int, _ body: (UnsafeRawBufferPointer) -> Result) -> Result {
    precondition(count <= Self.maximumSlice)
    return bytes.withUnsafeBytes { all in
      body(UnsafeRawBufferPointer(rebasing: all[(offset % Self.period)..<(offset % Self.period + count)]))
    }
  }

  /// Whether `chunk` is what the pattern holds at `offset`.
  func matches(_ chunk: UnsafeRawBufferPointer, at offset: Int) -> Bool {
    var checked = 0
    while checked < chunk.count {
      let count = min(Self.maximumSlice, chunk.count - checked)
      let same = withSlice(at: offset + checked, count: count) { expected in
        memcmp(expected.baseAddress!, chunk.baseAddress! + checked, count) == 0
      }
      guard same else { return false }
      checked += count
    }
    return true
  }
}
