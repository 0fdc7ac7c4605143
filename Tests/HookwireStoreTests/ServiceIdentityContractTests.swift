import HookwireDomain
import Testing

/// The `PartnerStore` contract for service identities, run against every
/// implementation: registration, listing, revocation and which principal a
/// presented certificate authenticates as.
@Suite("Service identity store contract")
struct ServiceIdentityContractTests {
  static let billingSubject = PresentedCertificate(subject: "CN=billing,O=Rewards", uris: [])
  static let billingURI = PresentedCertificate(subject: "CN=anything", uris: ["dns:ignored", "spiffe://rewards/billing"])

  @Test("an identity by subject or URI authenticates its certificate as that service, by a client certificate", arguments: StoreKind.available)
  func authenticates(_ kind: StoreKind) async throws {
    let stores = try await StoreTrio.make(kind)
    defer { stores.cleanup() }
    let partners = stores.partners
    let subject = try await partners.createServiceIdentity(service: " billing ", match: try .subject(parsing: "cn=billing, o=Rewards"))
    #expect(subject.serviceName == "billing" && subject.isActive)
    #expect(subject.match.value == "CN=billing,O=Rewards")
    let uri = try await partners.createServiceIdentity(service: "payouts", match: try .uri(validating: "spiffe://rewards/billing"))
    #expect(uri.id > subject.id)
    #expect(try await partners.authenticate(certificate: Self.billingSubject) == subject.principal)
    #expect(try await partners.authenticate(certificate: Self.billingURI) == uri.principal)
    #expect(try await partners.authenticate(certificate: Self.billingURI)?.authentication == .clientCertificate(identityID: uri.id, match: uri.match))
    // Both match: the URI decides.
    let both = PresentedCertificate(subject: "CN=billing,O=Rewards", uris: ["spiffe://rewards/billing"])
    #expect(try await partners.authenticate(certificate: both) == uri.principal)
    for stranger in [
      PresentedCertificate(subject: "CN=billing", uris: []), PresentedCertificate(subject: "O=Rewards,CN=billing", uris: []),
      PresentedCertificate(subject: "CN=Billing,O=Rewards", uris: ["spiffe://rewards/billing/"]), PresentedCertificate(subject: "", uris: []),
    ] {
      #expect(try await partners.authenticate(certificate: stranger) == nil, "\(stranger)")
    }
    #expect(try await partners.serviceIdentities() == [subject, uri])
  }

  @Test("a match is active once: CONFLICT while it is, and after revocation it registers again under a new id", arguments: StoreKind.available)
  func uniqueWhileActive(_ kind: StoreKind) async throws {
    let stores = try await StoreTrio.make(kind)
    defer { stores.cleanup() }
    let partners = stores.partners
    let first = try await partners.createServiceIdentity(service: "billing", match: try .subject(parsing: "CN=billing"))
    await expectDomainError(.conflict) {
      _ = try await partners.createServiceIdentity(service: "other", match: try .subject(parsing: "cn = billing"))
    }
    _ = try await partners.revokeServiceIdentity(.id(first.id))
    let second = try await partners.createServiceIdentity(service: "other", match: try .subject(parsing: "CN=billing"))
    #expect(second.id > first.id, "ids are never reused")
    #expect(try await partners.authenticate(certificate: PresentedCertificate(subject: "CN=billing", uris: []))?.authentication.label == "cert:\(second.id)")
    #expect(try await partners.serviceIdentities().map(\.isActive) == [false, true])
  }

  @Test("revocation by id or by match stops the identity at once; NOT_FOUND for an unknown id or no active match", arguments: StoreKind.available)
  func revocation(_ kind: StoreKind) async throws {
    let stores = try await StoreTrio.make(kind)
    defer { stores.cleanup() }
    let partners = stores.partners
    let subject = try await partners.createServiceIdentity(service: "billing", match: try .subject(parsing: "CN=billing,O=Rewards"))
    let uri = try await partners.createServiceIdentity(service: "billing", match: try .uri(validating: "spiffe://rewards/billing"))
    let revoked = try await partners.revokeServiceIdentity(.match(try .uri(validating: "spiffe://rewards/billing")))
    #expect(revoked.id == uri.id && revoked.revokedAtMs != nil)
    #expect(try await partners.authenticate(certificate: Self.billingURI) == nil)
    #expect(try await partners.authenticate(certificate: Self.billingSubject) == subject.principal)
    let byID = try await partners.revokeServiceIdentity(.id(subject.id))
    #expect(try await partners.authenticate(certificate: Self.billingSubject) == nil)
    let again = try await partners.revokeServiceIdentity(.id(subject.id))
    #expect(again.revokedAtMs == byID.revokedAtMs, "a second revocation keeps the first time")
    await expectDomainError(.notFound) { _ = try await partners.revokeServiceIdentity(.id(999)) }
    await expectDomainError(.notFound) { _ = try await partners.revokeServiceIdentity(.match(try .subject(parsing: "CN=billing,O=Rewards"))) }
    #expect(try await partners.serviceIdentities().allSatisfy { !$0.isActive })
  }

  @Test("a refused registration stores nothing: bad service names are INVALID", arguments: StoreKind.available)
  func refusedNames(_ kind: StoreKind) async throws {
    let stores = try await StoreTrio.make(kind)
    defer { stores.cleanup() }
    let match = try CertificateMatch.uri(validating: "spiffe://rewards/billing")
    for name in ["   ", String(repeating: "n", count: 201), "bill\u{7}ing"] {
      await expectDomainError(.invalid) { _ = try await stores.partners.createServiceIdentity(service: name, match: match) }
    }
    #expect(try await stores.partners.serviceIdentities().isEmpty)
    #expect(try await stores.partners.authenticate(certificate: Self.billingURI) == nil)
  }

  @Test("a certificate identity gives the service principal a service key of the same name gives, but for how it authenticated", arguments: StoreKind.available)
  func sameServiceAsKey(_ kind: StoreKind) async throws {
    let stores = try await StoreTrio.make(kind)
    defer { stores.cleanup() }
    let key = try await stores.partners.createAPIKey(for: .service("billing"))
    let identity = try await stores.partners.createServiceIdentity(service: "billing", match: try .uri(validating: "spiffe://rewards/billing"))
    guard case .service(let keyName, .apiKey(let prefix))? = try await stores.partners.authenticate(key: key.plaintext),
      case .service(let certificateName, .clientCertificate(let id, _))? = try await stores.partners.authenticate(certificate: Self.billingURI)
    else {
      Issue.record("both should authenticate as a service")
      return
    }
    #expect(keyName == certificateName)
    #expect(prefix == key.prefix && id == identity.id)
  }
}
