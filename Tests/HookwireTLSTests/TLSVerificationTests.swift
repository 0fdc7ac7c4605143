import Foundation
import HookwirePosix
import HookwireTLS
import HookwireTestSupport
import Testing

/// What a client accepts of a server's certificate, and how it says no.
@Suite struct TLSVerificationTests {
  @Test func acceptsTheHostNameAndTheIPAddressesTheCertificateNames() async throws {
    try await TLSFixture.with { fixture in
      try await TLSTestNetwork.run { network in
        let server = try await TLSTestServer(network: network, context: fixture.serverContext())
        defer { server.stop() }
        let context = try fixture.clientContext()
        for name in ["localhost", "127.0.0.1", "[127.0.0.1]"] {
          let (_, record) = try await network.handshake(port: server.port, context: context, serverName: name)
          #expect(record.established, "\(name): \(record.summary)")
          #expect(record.peerCertificate?.dnsNames == ["localhost"])
          #expect(record.peerCertificate?.ipAddresses == ["127.0.0.1", "::1"])
        }
      }
    }
  }

  @Test func acceptsIPv6LoopbackThroughItsIPAddressName() async throws {
    try await TLSFixture.with { fixture in
      try await TLSTestNetwork.run { network in
        let server = try await TLSTestServer(network: network, context: fixture.serverContext(), host: "::1")
        defer { server.stop() }
        let (_, record) = try await network.handshake(port: server.port, host: "::1", context: fixture.clientContext(), serverName: "::1")
        #expect(record.established, "\(record.summary)")
      }
    }
  }

  @Test func refusesAServerWhoseCertificateNamesAnotherHost() async throws {
    try await TLSFixture.with { fixture in
      try await TLSTestNetwork.run { network in
        let other = try fixture.authority.issue(names: ["other.example"], ipAddresses: ["10.9.8.7"])
        let server = try await TLSTestServer(network: network, context: fixture.serverContext(other))
        defer { server.stop() }
        let context = try fixture.clientContext()
        let (_, byName) = try await network.handshake(port: server.port, context: context, serverName: "localhost")
        #expect(!byName.established)
        #expect(byName.tlsError?.kind == .hostnameMismatch)
        #expect(byName.tlsError?.reason == "TLS: certificate is not valid for host localhost")
        let (_, byAddress) = try await network.handshake(port: server.port, context: context, serverName: "127.0.0.1")
        #expect(byAddress.tlsError?.kind == .hostnameMismatch)
        // The server hears why: the client's alert.
        let serverSide = try await server.peer(0).closed()
        #expect(serverSide.tlsError?.kind == .certificateRejected, "\(serverSide.summary)")
        // Without hostname verification the chain alone is checked.
        let lax = try fixture.clientContext { $0.verifiesHostname = false }
        let (_, unchecked) = try await network.handshake(port: server.port, context: lax, serverName: "localhost")
        #expect(unchecked.established)
      }
    }
  }

  @Test func refusesAnExpiredCertificateAndOneNotYetValid() async throws {
    try await TLSFixture.with { fixture in
      try await TLSTestNetwork.run { network in
        let expired = try fixture.authority.issue(notBefore: Date() - 7200, notAfter: Date() - 3600)
        let early = try fixture.authority.issue(notBefore: Date() + 3600, notAfter: Date() + 7200)
        let context = try fixture.clientContext()
        for (files, kind, reason) in [
          (expired, TLSError.Kind.certificateExpired, "TLS: certificate has expired (localhost)"),
          (early, .certificateNotYetValid, "TLS: certificate is not yet valid (localhost)"),
        ] {
          let server = try await TLSTestServer(network: network, context: fixture.serverContext(files))
          defer { server.stop() }
          let (_, record) = try await network.handshake(port: server.port, context: context)
          #expect(!record.established)
          #expect(record.tlsError?.kind == kind)
          #expect(record.tlsError?.reason == reason)
        }
      }
    }
  }

  @Test func refusesACertificateFromAnUnknownAuthority() async throws {
    try await TLSFixture.with { fixture in
      try await TLSTestNetwork.run { network in
        let stranger = try TestCertificateAuthority(directory: fixture.directory.path, name: "Stranger CA")
        let server = try await TLSTestServer(network: network, context: fixture.serverContext(stranger.issue()))
        defer { server.stop() }
        let (_, record) = try await network.handshake(port: server.port, context: fixture.clientContext())
        #expect(!record.established)
        #expect(record.tlsError?.kind == .unknownAuthority)
        #expect(record.tlsError?.reason == "TLS: certificate signed by an unknown authority (localhost)")
        // Trusting the system store does not make a private CA trusted either.
        let system = try TLSContext(client: TLSClientConfiguration())
        let (_, again) = try await network.handshake(port: server.port, context: system)
        #expect(again.tlsError?.kind == .unknownAuthority)
      }
    }
  }

  @Test func trustsTheSystemStoreAndExtraCAFilesTogether() async throws {
    try await TLSFixture.with { fixture in
      try await TLSTestNetwork.run { network in
        let server = try await TLSTestServer(network: network, context: fixture.serverContext())
        defer { server.stop() }
        var configuration = TLSClientConfiguration()
        configuration.additionalCAFiles = [fixture.authority.certificateFile]
        let (_, record) = try await network.handshake(port: server.port, context: TLSContext(client: configuration))
        #expect(record.established, "\(record.summary)")
      }
    }
  }

  @Test func aServerPresentsItsWholeChainAndANewContextAfterAReload() async throws {
    try await TLSFixture.with { fixture in
      try await TLSTestNetwork.run { network in
        let chain = try fixture.authority.issue(commonName: "first", includesAuthority: true)
        let server = try await TLSTestServer(network: network, context: fixture.serverContext(chain))
        defer { server.stop() }
        let context = try fixture.clientContext()
        let (_, first) = try await network.handshake(port: server.port, context: context)
        #expect(first.peerCertificate?.commonName == "first")
        server.replaceContext(try fixture.serverContext(fixture.authority.issue(commonName: "second")))
        let (_, second) = try await network.handshake(port: server.port, context: context)
        #expect(second.peerCertificate?.commonName == "second")
        #expect(second.peerCertificate?.issuer == "CN=Hookwire Test CA,O=Hookwire Tests")
      }
    }
  }
}
