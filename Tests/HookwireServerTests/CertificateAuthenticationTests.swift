import HookwireAPI
import HookwireDomain
import HookwireRPC
import HookwireServer
import HookwireStore
import HookwireTCP
import HookwireTLS
import HookwireWire
import Testing

/// `AuthInterceptor` on calls over TLS: a key decides when sent; without
/// one, a verified client certificate registered as a service identity
/// authenticates as that service, with a service key's rights.
@Suite("Certificate authentication")
struct CertificateAuthenticationTests {
  static let billing = TLSPeerCertificate(subject: "CN=billing,O=Rewards", commonName: "billing", issuer: "CN=Rewards CA")
  static let spiffe = TLSPeerCertificate(
    subject: "CN=pod-7f3a,O=Rewards", commonName: "pod-7f3a", issuer: "CN=Rewards CA", uris: ["spiffe://rewards/payouts"])
  static let stranger = TLSPeerCertificate(subject: "CN=stranger,O=Elsewhere", commonName: "stranger", issuer: "CN=Rewards CA")

  /// A store with Europe (BU 1), channel partner Acme (1) and its key, and
  /// `billing` registered by subject and `payouts` by SPIFFE URI.
  struct Fixture {
    let store = InMemoryPartnerStore()
    var acmeKey = ""
    var bySubject: ServiceIdentity!
    var byURI: ServiceIdentity!

    static func make() async throws -> Fixture {
      var fixture = Fixture()
      let bu = try await fixture.store.createBusinessUnit(name: "Europe").id
      _ = try await fixture.store.createPartner(id: 1, name: "Acme", kind: .channel, buID: bu, reach: .units([bu]))
      fixture.acmeKey = try await fixture.store.createAPIKey(for: .partner(1)).plaintext
      fixture.bySubject = try await fixture.store.createServiceIdentity(service: "billing", match: try .subject(parsing: "CN=billing, O=Rewards"))
      fixture.byURI = try await fixture.store.createServiceIdentity(service: "payouts", match: try .uri(validating: "spiffe://rewards/payouts"))
      return fixture
    }
  }

  /// A call's context on a TLS connection that verified `certificate` (none: TLS without a client certificate).
  static func context(
    _ method: MethodDescriptor = Partners.Method.WhoAmI.descriptor, key: String? = nil, metadata: Metadata = [:],
    certificate: TLSPeerCertificate?, tls: Bool = true
  ) -> ServerContext {
    var metadata = metadata
    if let key { metadata = ["authorization": .string("Bearer \(key)")] }
    var context = ServerContext(method: method, metadata: metadata)
    if tls {
      context.values[ConnectionSecurityKey.self] = ConnectionSecurity(
        version: .tls13, applicationProtocol: TransportSecurity.applicationProtocol, peerCertificate: certificate)
    }
    return context
  }

  /// The context the interceptor hands the handler.
  static func authenticated(_ interceptor: AuthInterceptor, _ context: ServerContext) async throws -> ServerContext {
    var seen: ServerContext?
    try await interceptor.intercept(context: context) { seen = $0 }
    return try #require(seen)
  }

  /// The domain error the interceptor refuses `context` with.
  static func refusal(_ interceptor: AuthInterceptor, _ context: ServerContext) async -> DomainError? {
    do {
      _ = try await authenticated(interceptor, context)
      return nil
    } catch {
      return error as? DomainError
    }
  }

  @Test("a key decides when one is sent, whatever certificate the connection has: a good key is its owner, a bad one UNAUTHENTICATED")
  func keyWinsOverCertificate() async throws {
    let fixture = try await Fixture.make()
    let interceptor = AuthInterceptor(store: fixture.store)
    let scoped = try await Self.authenticated(interceptor, Self.context(key: fixture.acmeKey, certificate: Self.billing))
    #expect(scoped.values[CallerScopeKey.self]?.caller?.id == 1)
    #expect(scoped.values[CallerScopeKey.self]?.principal.authentication.label == fixture.acmeKey.split(separator: "_")[1].description)
    let bad = await Self.refusal(interceptor, Self.context(key: "hwk_aaaaaaaa_" + String(repeating: "b", count: 32), certificate: Self.billing))
    #expect(bad == DomainError(.unauthenticated, "the API key is unknown or revoked"))
    let malformed = Self.context(metadata: ["authorization": "Basic Zm9v"], certificate: Self.billing)
    #expect(await Self.refusal(interceptor, malformed)?.code == .unauthenticated, "a malformed authorization is not ignored for the certificate")
  }

  @Test("a registered certificate without a key is its service: it publishes events as a service key does and may do no partner's work")
  func certificateHasServiceRights() async throws {
    let fixture = try await Fixture.make()
    let interceptor = AuthInterceptor(store: fixture.store)
    let scoped = try await Self.authenticated(interceptor, Self.context(Events.Method.PublishEvent.descriptor, certificate: Self.billing))
    let scope = try #require(scoped.values[CallerScopeKey.self])
    #expect(scope.principal == fixture.bySubject.principal)
    let webhooks = InMemoryWebhookStore()
    let events = EventsService(events: InMemoryEventStore(webhooks: webhooks, partners: fixture.store), partners: fixture.store)
    let published = try await events.publishEvent(PublishEventRequest(buID: 1, eventType: "reward.issued", payloadJSON: "{}"), context: scoped)
    #expect(published.event?.buID == 1)
    let partners = PartnersService(store: fixture.store)
    for (name, call) in [
      ("list business units", { _ = try await partners.listBusinessUnits(ListBusinessUnitsRequest(), context: scoped) }),
      ("search partners", { _ = try await partners.searchPartners(SearchPartnersRequest(query: "acme"), context: scoped) }),
    ] as [(String, () async throws -> Void)] {
      do {
        try await call()
        Issue.record("a certificate service may \(name)")
      } catch {
        #expect((error as? DomainError)?.code == .forbidden, "\(name)")
      }
    }
    let acting = Self.context(metadata: ["hookwire-act-as": "1"], certificate: Self.billing)
    #expect(await Self.refusal(interceptor, acting)?.code == .forbidden, "a service by certificate cannot act as a partner")
  }

  @Test("WhoAmI says a certificate caller authenticated by CLIENT_CERTIFICATE, with the identity matched and no key prefix; a key caller by API_KEY")
  func whoAmIReportsTheMethod() async throws {
    let fixture = try await Fixture.make()
    let interceptor = AuthInterceptor(store: fixture.store)
    let partners = PartnersService(store: fixture.store)
    let bySubject = try await partners.whoAmI(WhoAmIRequest(), context: try await Self.authenticated(interceptor, Self.context(certificate: Self.billing)))
    #expect(bySubject.principalKind == .service && bySubject.serviceName == "billing")
    #expect(bySubject.authenticatedBy == .clientCertificate && bySubject.keyPrefix.isEmpty)
    #expect(bySubject.certificateIdentity == CertificateIdentity(id: UInt64(fixture.bySubject.id), subject: "CN=billing,O=Rewards"))
    let byURI = try await partners.whoAmI(WhoAmIRequest(), context: try await Self.authenticated(interceptor, Self.context(certificate: Self.spiffe)))
    #expect(byURI.serviceName == "payouts")
    #expect(byURI.certificateIdentity == CertificateIdentity(id: UInt64(fixture.byURI.id), uri: "spiffe://rewards/payouts"))
    let byKey = try await partners.whoAmI(
      WhoAmIRequest(), context: try await Self.authenticated(interceptor, Self.context(key: fixture.acmeKey, certificate: Self.billing)))
    #expect(byKey.authenticatedBy == .apiKey && !byKey.keyPrefix.isEmpty && byKey.certificateIdentity == nil)
  }

  @Test("an unregistered certificate is UNAUTHENTICATED naming its subject, bounded, and how to register it; no key and no certificate is today's error")
  func unmappedCertificate() async throws {
    let fixture = try await Fixture.make()
    let interceptor = AuthInterceptor(store: fixture.store)
    let refused = try #require(await Self.refusal(interceptor, Self.context(certificate: Self.stranger)))
    #expect(refused.code == .unauthenticated)
    #expect(refused.message.contains("subject CN=stranger,O=Elsewhere"))
    #expect(refused.message.contains("create-service-identity") && refused.message.contains("authorization: Bearer"))
    let long = TLSPeerCertificate(subject: "CN=" + String(repeating: "x", count: 5_000), commonName: nil, issuer: "CN=Rewards CA")
    let bounded = try #require(await Self.refusal(interceptor, Self.context(certificate: long)))
    #expect(bounded.code == .unauthenticated && bounded.message.utf8.count < 400, "\(bounded.message.utf8.count) bytes")
    let noKey = DomainError(.unauthenticated, "this call needs an API key: send `authorization: Bearer <key>`")
    #expect(await Self.refusal(interceptor, Self.context(certificate: nil)) == noKey, "TLS without a client certificate")
    #expect(await Self.refusal(interceptor, Self.context(certificate: nil, tls: false)) == noKey, "plaintext")
  }

  @Test("a certificate is remembered for the cache time, then its revoked identity is UNAUTHENTICATED")
  func revocationWithinTTL() async throws {
    let fixture = try await Fixture.make()
    let ttl = Duration.milliseconds(400)
    let interceptor = AuthInterceptor(store: fixture.store, cacheTTL: ttl)
    let call = Self.context(certificate: Self.spiffe)
    let cachedAt = ContinuousClock.now
    _ = try await Self.authenticated(interceptor, call)
    _ = try await fixture.store.revokeServiceIdentity(.id(fixture.byURI.id))
    // Within the cache time the revoked identity is still served from the
    // cache, with no store read (judged by when the call ended, so a slow
    // machine cannot make the check wrong).
    let served = await Self.refusal(interceptor, call) == nil
    if ContinuousClock.now - cachedAt < ttl { #expect(served, "a call within the cache time read the store") }
    // Once the cache time has passed, the very next call is refused.
    try await Task.sleep(until: cachedAt + ttl + .milliseconds(20))
    #expect(await Self.refusal(interceptor, call)?.code == .unauthenticated, "the revoked identity outlived the cache time")
  }

  @Test("a stream authenticated by certificate checks its identity again and learns of its revocation; an active one keeps it going")
  func streamRechecksIdentity() async throws {
    let fixture = try await Fixture.make()
    let interceptor = AuthInterceptor(store: fixture.store, cacheTTL: .milliseconds(100))
    let stream = try await Self.authenticated(interceptor, Self.context(EventLogs.Method.TailDeliveries.descriptor, certificate: Self.billing))
    let credential = try #require(stream.values[CredentialKey.self])
    let unary = try await Self.authenticated(interceptor, Self.context(Events.Method.PublishEvent.descriptor, certificate: Self.billing))
    #expect(unary.values[CredentialKey.self] == nil, "a unary call needs no re-check")

    let watch = Task { await credential.untilRevoked() }
    try await Task.sleep(for: .milliseconds(350))
    #expect(!credential.isRevoked, "an active identity is not revoked by its checks")
    _ = try await fixture.store.revokeServiceIdentity(.match(try .subject(parsing: "CN=billing,O=Rewards")))
    // Bounded: a check that never finds the revocation is cancelled after 5 s
    // (it checks every 100 ms), and then it has not found it.
    let timeout = Task {
      try? await Task.sleep(for: .seconds(5))
      watch.cancel()
    }
    await watch.value
    timeout.cancel()
    #expect(credential.isRevoked, "the check ended without finding the revocation")
  }
}
