/// A strict check that bytes are one JSON text as RFC 8259 defines it:
/// one value with optional whitespace (space, tab, LF, CR) around it; no
/// byte-order mark, trailing comma, comment, single quote, `NaN` or leading
/// zero; strings of valid UTF-8 without raw control characters and with
/// only the escapes the grammar names. It is stricter than the RFC in three
/// ways, so that what it passes every receiver's parser reads the same:
/// - a `\u` escape of a surrogate must be a high surrogate followed by a
///   low one (a lone surrogate is grammatical but no UTF-8 decoder can
///   represent it, so receivers would reject or mangle the event);
/// - numbers must be within the range of an IEEE 754 double (RFC 8259 §6
///   allows the limit; receivers would read a larger one as infinity or
///   fail), though precision beyond a double's is kept as sent;
/// - arrays and objects nest at most `maxDepth` deep.
///
/// Nothing is built: the bytes are walked once, so validation costs at
/// most `maxBytes` steps (and an allocation only per number with an
/// exponent, to check its range).
package struct JSONValidator: Sendable {
  /// Why bytes are not JSON, and where.
  package struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
    /// The offset of the first byte that is wrong (the length when the text ends too soon).
    package var offset: Int
    /// What is wrong there.
    package var reason: String

    /// Creates a failure.
    package init(offset: Int, reason: String) {
      self.offset = offset
      self.reason = reason
    }

    /// The reason and the byte offset, as error messages show them.
    package var description: String { "\(reason) at byte \(offset)" }
  }

  /// Nesting of arrays and objects allowed.
  package var maxDepth: Int
  /// The longest text checked; longer ones fail before any parsing.
  package var maxBytes: Int

  /// A validator with these limits.
  package init(maxDepth: Int = 64, maxBytes: Int = 256 * 1_024) {
    self.maxDepth = maxDepth
    self.maxBytes = maxBytes
  }

  /// Returns when `bytes` are exactly one JSON text; throws why not otherwise.
  package func validate(_ bytes: [UInt8]) throws(Failure) {
    guard bytes.count <= maxBytes else { throw Failure(offset: maxBytes, reason: "longer than \(maxBytes) bytes") }
    if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { throw Failure(offset: 0, reason: "a byte-order mark is not allowed") }
    var scanner = JSONScanner(bytes: bytes, maxDepth: maxDepth)
    scanner.skipWhitespace()
    guard scanner.position < bytes.count else { throw Failure(offset: scanner.position, reason: "no value") }
    try scanner.value(depth: 0)
    scanner.skipWhitespace()
    if scanner.position < bytes.count {
      throw Failure(offset: scanner.position, reason: "more after the value")
    }
  }

  /// Whether `text` is exactly one JSON text.
  package func isValid(_ text: String) -> Bool {
    do {
      try validate(Array(text.utf8))
      return true
    } catch {
      return false
    }
  }
}
