import Foundation
import HookwireAPI
import HookwireClient
import HookwireDomain
import HookwirePosix
import HookwireServer
import HookwireStore
import HookwireTestSupport
import Testing

/// Service identities over a real mutual-TLS connection: the subject and
/// URIs the TLS layer reports match what an operator registers.
@Suite("Certificate authentication over TLS")
struct CertificateAuthenticationTLSTests {
  @Test("without a key, a client certificate registered by subject or URI is its service; an unregistered one is UNAUTHENTICATED; a key still wins")
  func overTheWire() async throws {
    try await withTeardown { teardown in
      let fixture = try TLSFixture()
      teardown.add { fixture.directory.remove() }
      let store = InMemoryPartnerStore()
      let bu = try await store.createBusinessUnit(name: "Europe").id
      _ = try await store.createPartner(id: 1, name: "Acme", kind: .channel, buID: bu, reach: .units([bu]))
      let acmeKey = try await store.createAPIKey(for: .partner(1)).plaintext
      let bySubject = try await store.createServiceIdentity(service: "billing", match: try .subject(parsing: "cn = billing, o = Rewards"))
      let byURI = try await store.createServiceIdentity(service: "payouts", match: try .uri(validating: "spiffe://rewards/payouts"))

      var configuration = RPCServer.Configuration()
      configuration.port = 0
      configuration.loops = 1
      configuration.tls = fixture.serverConfiguration(clients: .optional)
      let server = RPCServer(
        configuration: configuration, services: [PartnersService(store: store)], interceptors: [AuthInterceptor(store: store)],
        log: ServerLog(enabled: false))
      let port = try server.start()
      teardown.add { await server.shutdown() }

      func whoAmI(_ certificate: TestCertificateAuthority.Issued, key: String? = nil) async throws -> WhoAmIResponse {
        let client = try TransportTLSTests.client(port, security: fixture.clientSecurity(certificate: certificate))
        teardown.add { await client.close() }
        let metadata: Metadata = key.map { ["authorization": .string("Bearer \($0)")] } ?? [:]
        return try await Partners.Client(wrapping: client).whoAmI(WhoAmIRequest(), metadata: metadata, options: CallOptions(timeout: .seconds(10)))
      }

      let billing = try fixture.authority.issueClient(commonName: "billing", organization: "Rewards")
      let subject = try await whoAmI(billing)
      #expect(subject.serviceName == "billing" && subject.authenticatedBy == .clientCertificate)
      #expect(subject.certificateIdentity == CertificateIdentity(id: UInt64(bySubject.id), subject: "CN=billing,O=Rewards"))

      let pod = try fixture.authority.issueClient(commonName: "pod-7f3a", organization: "Rewards", uris: ["spiffe://rewards/payouts"])
      let uri = try await whoAmI(pod)
      #expect(uri.serviceName == "payouts" && uri.certificateIdentity?.id == UInt64(byURI.id))

      let keyed = try await whoAmI(billing, key: acmeKey)
      #expect(keyed.authenticatedBy == .apiKey && keyed.caller?.id == 1)

      let stranger = try fixture.authority.issueClient(commonName: "stranger")
      do {
        _ = try await whoAmI(stranger)
        Issue.record("an unregistered certificate was served")
      } catch let error as RPCError {
        #expect(error.code == .unauthenticated)
        #expect(error.message.contains("subject CN=stranger") && error.message.contains("create-service-identity"), "\(error.message)")
      }
    }
  }
}
