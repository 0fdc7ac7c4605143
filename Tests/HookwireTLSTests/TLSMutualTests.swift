import HookwireTLS
import HookwireTestSupport
import Testing

/// Client certificates: asked for, required, and what the server sees of them.
@Suite struct TLSMutualTests {
  @Test(arguments: [TLSVersion.tls12, .tls13])
  func aRequiredClientCertificateMissingIsReportedAndTheServerGoesOn(_ version: TLSVersion) async throws {
    try await TLSFixture.with { fixture in
      try await TLSTestNetwork.run { network in
        let server = try await TLSTestServer(network: network, context: fixture.serverContext {
          $0.clientCAFile = fixture.authority.certificateFile
          $0.clientCertificates = .required
          $0.maximumVersion = version
        })
        defer { server.stop() }
        let anonymous = network.connect(port: server.port, context: try fixture.clientContext())
        // TLS 1.3 clients finish their handshake before the server judges
        // their certificate, so the refusal may come just after it.
        anonymous.write("hello")
        let refused = try await anonymous.closed()
        #expect(refused.tlsError?.kind == .clientCertificateRequired, "\(refused.summary)")
        #expect(refused.tlsError?.reason == "TLS: the server requires a client certificate")
        let serverSide = try await server.peer(0).closed()
        #expect(serverSide.tlsError?.kind == .clientCertificateRequired, "\(serverSide.summary)")
        #expect(serverSide.receivedCount == 0)

        let identity = try fixture.authority.issueClient(commonName: "svc", organization: "Acme", uris: ["spiffe://acme/svc"])
        let context = try fixture.clientContext {
          $0.certificateChainFile = identity.certificateFile
          $0.privateKeyFile = identity.keyFile
        }
        let client = network.connect(port: server.port, context: context)
        client.write("hello")
        let echoed = try await client.wait("the echo") { $0.receivedCount >= 5 || $0.closed }
        #expect(echoed.error == nil)
        let seen = try await server.peer(1).settled().peerCertificate
        #expect(seen?.subject == "CN=svc,O=Acme")
        #expect(seen?.commonName == "svc")
        #expect(seen?.uris == ["spiffe://acme/svc"])
        #expect(seen?.dnsNames == [])
      }
    }
  }

  @Test func anOptionalClientCertificateMayBeLeftOutButNotBeBad() async throws {
    try await TLSFixture.with { fixture in
      try await TLSTestNetwork.run { network in
        let server = try await TLSTestServer(network: network, context: fixture.serverContext {
          $0.clientCAFile = fixture.authority.certificateFile
          $0.clientCertificates = .optional
        })
        defer { server.stop() }
        let (_, anonymous) = try await network.handshake(port: server.port, context: fixture.clientContext())
        #expect(anonymous.established)
        #expect(try await server.peer(0).settled().peerCertificate == nil)

        let stranger = try TestCertificateAuthority(directory: fixture.directory.path, name: "Stranger CA")
        let identity = try stranger.issueClient(commonName: "intruder")
        let context = try fixture.clientContext {
          $0.certificateChainFile = identity.certificateFile
          $0.privateKeyFile = identity.keyFile
        }
        let client = network.connect(port: server.port, context: context)
        client.write("hello")
        let refused = try await client.closed()
        #expect(refused.tlsError?.kind == .certificateRejected, "\(refused.summary)")
        let serverSide = try await server.peer(1).closed()
        #expect(serverSide.tlsError?.kind == .unknownAuthority)
        #expect(serverSide.tlsError?.reason == "TLS: client certificate signed by an unknown authority")
      }
    }
  }
}
