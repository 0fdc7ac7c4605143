import Foundation
import HookwirePosix
import HookwireTLS
import HookwireTestSupport
import Testing

/// Handshakes, verification and echo between a client and a server stream.
@Suite struct TLSHandshakeTests {
  @Test(arguments: [TLSVersion.tls12, .tls13])
  func echoesBothWaysOverTheVersion(_ version: TLSVersion) async throws {
    try await TLSFixture.with { fixture in
      try await TLSTestNetwork.run { network in
        let server = try await TLSTestServer(network: network, context: fixture.serverContext { $0.maximumVersion = version })
        defer { server.stop() }
        let client = network.connect(port: server.port, context: try fixture.clientContext())
        client.write("hello over TLS")
        let record = try await client.wait("the echo") { $0.receivedCount >= 14 || $0.closed }
        #expect(record.version == version)
        #expect(String(decoding: record.received, as: UTF8.self) == "hello over TLS")
        let serverPeer = try await server.peer(0)
        #expect(String(decoding: serverPeer.record.withLock { $0.received }, as: UTF8.self) == "hello over TLS")
        #expect(serverPeer.record.withLock { $0.version } == version)
        client.closeWhenFlushed()
        let closed = try await client.closed()
        #expect(closed.error == nil)
        let serverClosed = try await serverPeer.closed()
        #expect(serverClosed.error == nil)
      }
    }
  }
}
