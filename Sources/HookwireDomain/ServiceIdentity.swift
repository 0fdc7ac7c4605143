import Foundation

/// A client certificate identity registered for an internal service: a
/// call whose verified client certificate satisfies `match`, and that sends
/// no API key, is made by service `serviceName` with exactly the rights of
/// that service's keys.
package struct ServiceIdentity: Sendable, Equatable {
  /// Assigned by the store at creation; never reused.
  package var id: Int64
  /// The service the certificate authenticates as (the name rule of service keys).
  package var serviceName: String
  /// What the certificate must say.
  package var match: CertificateMatch
  /// When it was registered, in milliseconds since 1970 (UTC).
  package var createdAtMs: Int64
  /// When it was revoked, nil while it is active.
  package var revokedAtMs: Int64?

  /// An identity with every field given.
  package init(id: Int64, serviceName: String, match: CertificateMatch, createdAtMs: Int64, revokedAtMs: Int64? = nil) {
    self.id = id
    self.serviceName = serviceName
    self.match = match
    self.createdAtMs = createdAtMs
    self.revokedAtMs = revokedAtMs
  }

  /// The longest service name, in UTF-8 bytes once trimmed (the name rule of service keys).
  package static let maxServiceNameBytes = 200

  /// A service name as an identity stores it: trimmed of spaces and line
  /// breaks, 1–200 bytes, no control characters; INVALID otherwise.
  package static func serviceName(_ name: String) throws(DomainError) -> String {
    let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
    guard !trimmed.isEmpty, trimmed.utf8.count <= maxServiceNameBytes else {
      throw DomainError(.invalid, "a service name needs 1–\(maxServiceNameBytes) bytes")
    }
    guard !trimmed.unicodeScalars.contains(where: DistinguishedName.isControl) else {
      throw DomainError(.invalid, "a service name may not contain control characters")
    }
    return trimmed
  }

  /// Whether the identity still authenticates.
  package var isActive: Bool { revokedAtMs == nil }

  /// Which identity to revoke.
  package enum Selector: Sendable, Equatable, CustomStringConvertible {
    /// By the id printed at creation (revoking a revoked one again is fine).
    case id(Int64)
    /// The active identity with this match.
    case match(CertificateMatch)

    /// `id 3` or `subject CN=…`, for messages.
    package var description: String {
      switch self {
      case .id(let id): "id \(id)"
      case .match(let match): match.description
      }
    }
  }

  /// The identity `certificate` authenticates as among `identities` (the
  /// active ones whose match is among its candidates): the one matching
  /// its earliest candidate (`PresentedCertificate.candidates`), nil if none.
  package static func chosen(among identities: [ServiceIdentity], for certificate: PresentedCertificate) -> ServiceIdentity? {
    let active = Dictionary(identities.filter(\.isActive).map { ($0.match, $0) }) { first, _ in first }
    return certificate.candidates.lazy.compactMap { active[$0] }.first
  }

  /// The principal a call authenticated by this identity has.
  package var principal: Principal {
    .service(name: serviceName, authentication: .clientCertificate(identityID: id, match: match))
  }
}
