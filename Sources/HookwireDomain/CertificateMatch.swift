/// What a service identity recognises in a verified client certificate:
/// its subject, or one of its subject alternative name URIs.
package enum CertificateMatch: Sendable, Hashable, CustomStringConvertible {
  /// The certificate's subject equals this one, both in `DistinguishedName`'s
  /// canonical form.
  case subject(DistinguishedName)
  /// One of the certificate's SAN URIs equals this text exactly, byte for
  /// byte (a SPIFFE ID such as `spiffe://rewards/billing`).
  case uri(String)

  /// A match's kind; the raw values are the stored codes.
  package enum Kind: Int64, Sendable, Equatable, CaseIterable {
    /// Matches the subject.
    case subject = 1
    /// Matches a SAN URI.
    case uri = 2
  }

  /// The longest URI accepted, in UTF-8 bytes (a SPIFFE ID's limit).
  package static let maxURIBytes = 2_048

  /// A subject match from an operator's text (see `DistinguishedName`).
  package static func subject(parsing text: String) throws(DomainError) -> CertificateMatch {
    .subject(try DistinguishedName(parsing: text))
  }

  /// A URI match from an operator's text: `scheme:rest`, the scheme a
  /// letter then letters, digits, `+`, `-` or `.`, something after the
  /// colon, at most 2048 bytes, no spaces or control characters. It is kept
  /// exactly as given: matching is exact.
  package static func uri(validating text: String) throws(DomainError) -> CertificateMatch {
    guard !text.isEmpty else { throw DomainError(.invalid, "a URI is needed, such as spiffe://rewards/billing") }
    guard text.utf8.count <= maxURIBytes else {
      throw DomainError(.invalid, "a URI is at most \(maxURIBytes) bytes, not \(text.utf8.count)")
    }
    guard !text.unicodeScalars.contains(where: { DistinguishedName.isControl($0) || $0 == " " }) else {
      throw DomainError(.invalid, "a URI may not contain spaces or control characters")
    }
    let bytes = Array(text.utf8)
    guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), colon > 0, colon < bytes.count - 1,
      isLetter(bytes[0]),
      bytes[..<colon].allSatisfy({ isLetter($0) || (0x30...0x39).contains($0) || "+-.".utf8.contains($0) })
    else {
      throw DomainError(.invalid, "'\(DomainError.echo(text))' is not a URI: write scheme:…, such as spiffe://rewards/billing")
    }
    return .uri(text)
  }

  /// The match's kind.
  package var kind: Kind {
    switch self {
    case .subject: .subject
    case .uri: .uri
    }
  }

  /// The text compared: the canonical subject, or the URI.
  package var value: String {
    switch self {
    case .subject(let name): name.canonical
    case .uri(let uri): uri
    }
  }

  /// A stored match, as `kind` and `value` read back (values written by
  /// this type, so already checked); nil for a kind no version wrote.
  package init?(kind: Int64, value: String) {
    switch Kind(rawValue: kind) {
    case .subject?:
      guard let name = try? DistinguishedName(parsing: value) else { return nil }
      self = .subject(name)
    case .uri?: self = .uri(value)
    case nil: return nil
    }
  }

  /// `subject CN=…` or `uri spiffe://…`, for operators and errors.
  package var description: String {
    switch self {
    case .subject(let name): "subject \(name.canonical)"
    case .uri(let uri): "uri \(uri)"
    }
  }

  private static func isLetter(_ byte: UInt8) -> Bool { (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) }
}
