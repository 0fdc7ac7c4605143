import HookwireDomain
import Testing

/// How an operator's subject or URI and a certificate's are brought to one
/// form and compared, and which identity a certificate matching several
/// authenticates as.
@Suite("Service identity rules")
struct ServiceIdentityRulesTests {
  @Test("a subject as typed reads back in the one canonical RFC 2253 form", arguments: [
    ("CN=billing", "CN=billing"),
    ("cn = billing ,  o=Rewards", "CN=billing,O=Rewards"),
    ("commonName=billing,organizationName=Rewards,2.5.4.6=DE", "CN=billing,O=Rewards,C=DE"),
    ("E=ops@rewards.example,CN=billing", "emailAddress=ops@rewards.example,CN=billing"),
    ("CN=a + UID=b, O=Zürich=x\\;y", "CN=a+UID=b,O=Zürich=x\\;y"),
    ("UID=b+CN=a,O=Zürich=x\\;y", "CN=a+UID=b,O=Zürich=x\\;y"),
    ("O=\"Acme, Inc.\",C=DE", "O=Acme\\, Inc.,C=DE"),
    ("O=Acme\\2C Inc.", "O=Acme\\, Inc."),
    ("CN=\\ padded\\ ", "CN=\\ padded\\ "),
    ("CN=\\#hash", "CN=\\#hash"),
    ("1.2.3.4=#04036162ab", "1.2.3.4=#04036162AB"),
    ("CN=caf\\C3\\A9", "CN=café"),
    ("CN=billing-svc.rewards", "CN=billing-svc.rewards"),
  ])
  func canonicalSubjects(typed: String, canonical: String) throws {
    #expect(try DistinguishedName(parsing: typed).canonical == canonical)
  }

  @Test("a subject that is empty, too long, has control characters or is not a distinguished name is INVALID, saying why", arguments: [
    ("", "at least one attribute"),
    (String(repeating: "a", count: 1_025), "at most 1024 bytes"),
    ("CN=a\u{7}b", "control characters"),
    ("CN=a\\0Ab", "control characters"),
    ("billing", "'billing' has no '='"),
    ("CN=", "CN has no value"),
    ("=billing", "no type"),
    ("CN=a,,O=b", "an attribute is missing"),
    ("CN=a;O=b", "must be escaped as \\;"),
    ("C N=a", "has no '='"),
    ("C!=a", "not an attribute type"),
    ("CN=a\\", "lone '\\'"),
    ("CN=a\\q", "escapes nothing"),
    ("CN=\"open", "no closing"),
    ("CN=#abc", "pairs of hex digits"),
    ("CN=\\FF", "not UTF-8"),
    ("/O=Rewards/CN=billing", "not an attribute type"),
  ])
  func refusedSubjects(text: String, reason: String) {
    do {
      _ = try DistinguishedName(parsing: text)
      Issue.record("'\(text)' was accepted")
    } catch {
      #expect(error.code == .invalid)
      #expect(error.message.contains(reason), "\(error.message)")
    }
  }

  @Test("a certificate's subject as OpenSSL prints it equals the operator's text of it; order and case of values still count")
  func certificateSubjectsCompareCanonically() throws {
    let typed = try CertificateMatch.subject(parsing: "cn=billing, o=Rewards")
    let certificate = PresentedCertificate(subject: "CN=billing,O=Rewards", uris: [])
    #expect(certificate.candidates == [typed])
    #expect(PresentedCertificate(subject: "O=Rewards,CN=billing", uris: []).candidates != [typed])
    #expect(PresentedCertificate(subject: "CN=Billing,O=Rewards", uris: []).candidates != [typed])
    #expect(try CertificateMatch.subject(parsing: "CN=billing") == PresentedCertificate(subject: "CN=billing", uris: []).candidates.first)
    #expect(PresentedCertificate(subject: "", uris: []).candidates.isEmpty, "an empty subject matches nothing")
  }

  @Test("a URI is scheme:rest, at most 2048 bytes, without spaces or control characters, kept exactly", arguments: [
    ("spiffe://rewards/billing", nil), ("urn:rewards:billing", nil), ("Spiffe://Rewards/Billing", nil),
    ("", "a URI is needed"), ("spiffe:", "is not a URI"), (":x", "is not a URI"), ("1a:b", "is not a URI"), ("billing", "is not a URI"),
    ("spiffe://rewards/ billing", "spaces or control"), ("spiffe://rewards/\u{0}", "spaces or control"),
    ("spiffe://" + String(repeating: "a", count: 2_040), "at most 2048 bytes"),
  ] as [(String, String?)])
  func uris(text: String, refusal: String?) {
    do {
      let match = try CertificateMatch.uri(validating: text)
      #expect(refusal == nil, "'\(text)' was accepted")
      #expect(match.value == text)
    } catch {
      #expect(error.code == .invalid)
      #expect(refusal.map { error.message.contains($0) } == true, "\(error.message)")
    }
  }

  @Test("a certificate matching several identities is the one of its first SAN URI, then later URIs, then its subject; revoked ones never")
  func precedence() throws {
    let subject = try CertificateMatch.subject(parsing: "CN=billing")
    let first = try CertificateMatch.uri(validating: "spiffe://rewards/billing")
    let second = try CertificateMatch.uri(validating: "spiffe://rewards/legacy")
    let certificate = PresentedCertificate(subject: "CN=billing", uris: ["spiffe://rewards/billing", "spiffe://rewards/legacy"])
    let bySubject = ServiceIdentity(id: 1, serviceName: "by-subject", match: subject, createdAtMs: 0)
    let byFirst = ServiceIdentity(id: 2, serviceName: "by-first", match: first, createdAtMs: 0)
    let bySecond = ServiceIdentity(id: 3, serviceName: "by-second", match: second, createdAtMs: 0)
    var revokedFirst = byFirst
    revokedFirst.revokedAtMs = 5
    let table: [([ServiceIdentity], Int64?)] = [
      ([bySubject, byFirst, bySecond], 2), ([bySubject, bySecond], 3), ([bySubject], 1), ([bySubject, revokedFirst], 1),
      ([revokedFirst], nil), ([], nil),
    ]
    for (identities, expected) in table {
      #expect(ServiceIdentity.chosen(among: identities, for: certificate)?.id == expected, "\(identities.map(\.id))")
    }
  }

  @Test("a certificate principal is a service with that identity's name; its author label is cert:<id>, a key's is its prefix")
  func principalAndLabel() throws {
    let identity = ServiceIdentity(id: 7, serviceName: "billing", match: try .uri(validating: "spiffe://rewards/billing"), createdAtMs: 0)
    #expect(identity.principal == .service(name: "billing", authentication: .clientCertificate(identityID: 7, match: identity.match)))
    #expect(identity.principal.authentication.label == "cert:7")
    #expect(identity.principal.keyPrefix == nil)
    #expect(Principal.service(name: "billing", keyPrefix: "abcd2345").authentication.label == "abcd2345")
    #expect(Principal.service(name: "billing", keyPrefix: "abcd2345") != identity.principal)
  }

  @Test("service names are trimmed, 1–200 bytes, without control characters", arguments: [
    ("  billing ", "billing"), ("   ", nil), (String(repeating: "s", count: 201), nil), ("bill\u{1B}ing", nil), (String(repeating: "s", count: 200), String(repeating: "s", count: 200)),
  ] as [(String, String?)])
  func serviceNames(name: String, stored: String?) {
    #expect((try? ServiceIdentity.serviceName(name)) == stored)
  }
}
