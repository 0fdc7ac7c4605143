/// What a caller's verified TLS client certificate says about who it is,
/// as far as service identities look: its subject and its SAN URIs. Only
/// a certificate the server's client CA verified becomes one.
package struct PresentedCertificate: Sendable, Hashable {
  /// The subject as the TLS layer reports it (RFC 2253 text), e.g. `CN=billing,O=Rewards`.
  package var subject: String
  /// The URIs among its subject alternative names, in the certificate's order.
  package var uris: [String]

  /// How many SAN URIs are looked at; a certificate naming more is not an
  /// identity of ours, and the rest are ignored.
  package static let maxURIs = 32

  /// A certificate's identity claims.
  package init(subject: String, uris: [String]) {
    self.subject = subject
    self.uris = uris
  }

  /// The matches this certificate satisfies, in the order that decides
  /// which identity it authenticates as when several are registered: each
  /// SAN URI in the certificate's order (the first 32 of at most 2048
  /// bytes), then the subject.
  package var candidates: [CertificateMatch] {
    var matches = uris.prefix(Self.maxURIs).filter { !$0.isEmpty && $0.utf8.count <= CertificateMatch.maxURIBytes }
      .map(CertificateMatch.uri)
    if let subject = DistinguishedName(certificateSubject: subject) { matches.append(.subject(subject)) }
    return matches
  }

  /// The certificate named in an error: its subject, else its first URI; bounded.
  package var shownName: String {
    if !subject.isEmpty { return "subject \(DomainError.echo(subject, limit: 128))" }
    if let uri = uris.first { return "uri \(DomainError.echo(uri, limit: 128))" }
    return "with no subject or URI"
  }
}
