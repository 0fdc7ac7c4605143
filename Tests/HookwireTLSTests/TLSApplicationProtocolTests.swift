import HookwireTLS
import HookwireTestSupport
import Testing

/// ALPN: the server picks from its own list, in its own order.
@Suite struct TLSApplicationProtocolTests {
  @Test func agreesOnTheServersPreferredProtocolAmongThoseOffered() async throws {
    try await TLSFixture.with { fixture in
      try await TLSTestNetwork.run { network in
        let server = try await TLSTestServer(network: network, context: fixture.serverContext { $0.applicationProtocols = ["hookwire/1", "http/1.1"] })
        defer { server.stop() }
        let context = try fixture.clientContext { $0.applicationProtocols = ["http/1.1", "hookwire/1"] }
        let (_, record) = try await network.handshake(port: server.port, context: context)
        #expect(record.applicationProtocol == "hookwire/1")
        #expect(try await server.peer(0).settled().applicationProtocol == "hookwire/1")
        // A client offering nothing the server speaks is served without ALPN.
        let other = try fixture.clientContext { $0.applicationProtocols = ["h2"] }
        let (_, without) = try await network.handshake(port: server.port, context: other)
        #expect(without.established)
        #expect(without.applicationProtocol == nil)
      }
    }
  }

  @Test func aServerRequiringALPNRefusesClientsOfferingNoneOfItsProtocols() async throws {
    try await TLSFixture.with { fixture in
      try await TLSTestNetwork.run { network in
        let server = try await TLSTestServer(network: network, context: fixture.serverContext {
          $0.applicationProtocols = ["hookwire/1"]
          $0.requiresApplicationProtocol = true
        })
        defer { server.stop() }
        let wrong = try fixture.clientContext { $0.applicationProtocols = ["h2"] }
        let (_, refused) = try await network.handshake(port: server.port, context: wrong)
        #expect(!refused.established)
        #expect(refused.tlsError?.kind == .protocolError)
        #expect(refused.tlsError?.reason == "TLS: the server speaks none of the application protocols offered")
        let serverSide = try await server.peer(0).closed()
        #expect(serverSide.tlsError?.reason == "TLS: the client offered no application protocol this server speaks")
        // A client offering no ALPN at all is refused once the handshake ends.
        let (silent, _) = try await network.handshake(port: server.port, context: fixture.clientContext())
        try await silent.closed()
        #expect(try await server.peer(1).closed().tlsError?.kind == .protocolError)
        let right = try fixture.clientContext { $0.applicationProtocols = ["h2", "hookwire/1"] }
        let (_, served) = try await network.handshake(port: server.port, context: right)
        #expect(served.applicationProtocol == "hookwire/1")
      }
    }
  }
}
