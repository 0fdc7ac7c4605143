import Foundation

/// The rules of partner search, shared by every store so they agree.
///
/// A query of digits finds the partner with that id. Any other query is
/// split into words; a partner matches when each query word is a prefix of
/// some word of its name, case-insensitively. Matches are ranked by the
/// partner's first name-word that the first query word prefixes (so an exact
/// word comes before longer ones), then by name, then by id; pages continue
/// after the last result's key, so inserts never shift a page.
package enum PartnerSearch {
  /// The lowercase alphanumeric words of `text`.
  package static func words(_ text: String) -> [String] {
    text.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
  }

  /// The name's sort key: lowercase words joined by single spaces.
  package static func nameKey(_ name: String) -> String { words(name).joined(separator: " ") }

  /// What a query asks for.
  package enum Query: Equatable, Sendable {
    /// The partner with this id (the query was all digits).
    case id(Int64)
    /// Partners with a name-word prefixed by each of these lowercase words.
    case words([String])
  }

  /// The longest query, in UTF-8 bytes.
  package static let maxQueryBytes = 200
  /// The most words a query may have.
  package static let maxQueryWords = 8

  /// Parses a query; INVALID_ARGUMENT when it has no words or is over its
  /// bounds. The length is checked before anything reads the text.
  package static func parse(_ text: String) throws -> Query {
    guard text.utf8.count <= maxQueryBytes else { throw tooLong }
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    if !trimmed.isEmpty, trimmed.allSatisfy(\.isASCII), trimmed.allSatisfy(\.isNumber) {
      guard let id = Int64(trimmed) else { throw DomainError(.invalid, "partner id '\(trimmed)' is too large") }
      return .id(id)
    }
    let tokens = words(trimmed)
    guard !tokens.isEmpty else { throw DomainError(.invalid, "the search query needs a partner id or a name") }
    guard tokens.count <= maxQueryWords else { throw tooLong }
    return .words(tokens)
  }

  private static var tooLong: DomainError {
    DomainError(.invalid, "the search query is too long (\(maxQueryWords) words, \(maxQueryBytes) bytes at most)")
  }

  /// Where a result sorts: the matched word, the name key, the id.
  package struct Key: Comparable, Sendable {
    /// The first, in byte order, of the partner's name-words that the first query word prefixes.
    package var word: String
    /// The partner's name key, as `nameKey(_:)` makes it.
    package var nameKey: String
    /// The partner's id, the last tie-breaker.
    package var id: Int64

    /// A key with every field given.
    package init(word: String, nameKey: String, id: Int64) {
      self.word = word
      self.nameKey = nameKey
      self.id = id
    }

    /// Byte order of the word, then of the name key, then the id.
    package static func < (a: Key, b: Key) -> Bool {
      // Byte order, as SQLite's BINARY collation compares.
      if a.word != b.word { return Array(a.word.utf8).lexicographicallyPrecedes(Array(b.word.utf8)) }
      if a.nameKey != b.nameKey { return Array(a.nameKey.utf8).lexicographicallyPrecedes(Array(b.nameKey.utf8)) }
      return a.id < b.id
    }
  }

  /// The key of `name` (with `id`) for `tokens`, or nil when it does not match.
  package static func key(name: String, id: Int64, tokens: [String]) -> Key? {
    let nameWords = Set(words(name)).sorted { Array($0.utf8).lexicographicallyPrecedes(Array($1.utf8)) }
    for token in tokens.dropFirst() where !nameWords.contains(where: { $0.hasPrefix(token) }) { return nil }
    guard let first = tokens.first, let word = nameWords.first(where: { $0.hasPrefix(first) }) else { return nil }
    return Key(word: word, nameKey: nameKey(name), id: id)
  }

  /// An opaque page token for `key`.
  package static func token(after key: Key) -> String {
    Data("s1\u{1F}\(key.word)\u{1F}\(key.nameKey)\u{1F}\(key.id)".utf8).base64EncodedString()
  }

  /// The key a page token continues after; nil for the first page.
  package static func key(fromToken token: String) throws -> Key? {
    guard !token.isEmpty else { return nil }
    guard let data = Data(base64Encoded: token),
      case let parts = String(decoding: data, as: UTF8.self).split(separator: "\u{1F}", omittingEmptySubsequences: false),
      parts.count == 4, parts[0] == "s1", let id = Int64(parts[3])
    else { throw DomainError(.invalid, "the page token is not one this server issued") }
    return Key(word: String(parts[1]), nameKey: String(parts[2]), id: id)
  }
}

/// Page sizes and simple id tokens for listings.
package enum Paging {
  /// 1–100; 0 means 20.
  package static func size(_ requested: Int) throws -> Int {
    guard requested >= 0 else { throw DomainError(.invalid, "page size must not be negative") }
    if requested == 0 { return 20 }
    guard requested <= 100 else { throw DomainError(.invalid, "page size must be at most 100") }
    return requested
  }

  /// A token continuing after `last`.
  package static func token(after last: String) -> String { Data("p1\u{1F}\(last)".utf8).base64EncodedString() }

  /// The value a token continues after; nil for the first page.
  package static func value(fromToken token: String) throws -> String? {
    guard !token.isEmpty else { return nil }
    guard let data = Data(base64Encoded: token), case let text = String(decoding: data, as: UTF8.self),
      text.hasPrefix("p1\u{1F}")
    else { throw DomainError(.invalid, "the page token is not one this server issued") }
    return String(text.dropFirst(3))
  }
}
