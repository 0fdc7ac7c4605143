/// How a call's caller proved who it is.
package enum Authentication: Sendable, Equatable {
  /// An API key (`authorization: Bearer …`), named by its public prefix.
  case apiKey(prefix: String)
  /// No key: a verified TLS client certificate that satisfied the service
  /// identity `identityID`'s match.
  case clientCertificate(identityID: Int64, match: CertificateMatch)

  /// What records of the caller's changes name as the credential, safe to
  /// show and log: the key's prefix, or `cert:<identity id>` (at most 24
  /// bytes, never a secret; `hookwire-server admin list-service-identities`
  /// says which certificate and service it is).
  package var label: String {
    switch self {
    case .apiKey(let prefix): prefix
    case .clientCertificate(let id, _): "cert:\(id)"
    }
  }
}
