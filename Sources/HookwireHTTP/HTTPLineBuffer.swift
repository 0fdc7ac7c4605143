/// Gathers one line of an HTTP head, chunk-size line or trailer from
/// arbitrary chunks of bytes, charging every byte to a budget before keeping it.
///
/// A line ends at LF; a CR just before the LF is dropped (RFC 9112 §2.2 lets
/// a recipient accept a bare LF too). Any other CR stays in the line, where
/// the line's own grammar refuses it.
struct HTTPLineBuffer: Sendable {
  private var pending: [UInt8] = []

  /// Whether part of a line is waiting for its LF.
  var isEmpty: Bool { pending.isEmpty }

  /// Takes bytes from `input` at `index` up to and including the next LF.
  ///
  /// - Returns: the whole line without its line end, or nil when `input`
  ///   ran out first (the bytes are kept for the next call).
  /// - Throws: `overflow` when the bytes taken exceed `budget`, before keeping them.
  mutating func take(
    _ input: UnsafeRawBufferPointer, at index: inout Int, budget: inout Int, overflow: @autoclosure () -> HTTPError
  ) throws(HTTPError) -> [UInt8]? {
    let start = index
    var end = start
    while end < input.count && input[end] != HTTPSyntax.lf { end += 1 }
    let found = end < input.count
    let taken = (found ? end + 1 : end) - start
    budget -= taken
    if budget < 0 { throw overflow() }
    pending.append(contentsOf: input[start..<end])
    index = start + taken
    guard found else { return nil }
    var line = pending
    pending.removeAll(keepingCapacity: true)
    if line.last == HTTPSyntax.cr { line.removeLast() }
    return line
  }

  /// A printable, bounded rendering of `line` for an error message.
  static func preview(_ line: [UInt8]) -> String {
    var out = ""
    for b in line.prefix(64) {
      if b >= 0x20 && b < 0x7F { out.unicodeScalars.append(Unicode.Scalar(b)) } else { out += "\\x" + hex(b) }
    }
    return line.count > 64 ? out + "…" : out
  }

  private static func hex(_ b: UInt8) -> String {
    let digits = Array("0123456789abcdef")
    return String([digits[Int(b >> 4)], digits[Int(b & 0x0F)]])
  }
}
