import HookwirePosix
import HookwireTLS
import HookwireTestSupport
import Testing

/// Closing, and delegates acting from inside their callbacks.
@Suite struct TLSClosingTests {
  @Test func writesAndACloseBeforeTheHandshakeEndGoOutAfterIt() async throws {
    try await TLSFixture.with { fixture in
      try await TLSTestNetwork.run { network in
        let server = try await TLSTestServer(network: network, context: fixture.serverContext()) { $0.echoes = false }
        defer { server.stop() }
        let client = network.connect(port: server.port, context: try fixture.clientContext()) { peer in
          // Just after the ClientHello, long before the server's answer.
          peer.onStarted = { peer in
            #expect(peer.stream?.isHandshakeComplete == false)
            peer.stream?.write(text: "early words")
            peer.stream?.closeWhenFlushed()
            peer.stream?.write(text: " and late ones")
          }
        }
        let serverSide = try await server.peer(0).closed()
        #expect(String(decoding: serverSide.received, as: UTF8.self) == "early words")
        #expect(serverSide.error == nil)
        let clientSide = try await client.closed()
        #expect(clientSide.error == nil)
        #expect(clientSide.closes == 1)
      }
    }
  }

  @Test func aDelegateMayCloseOrWriteFromInsideItsCallbacks() async throws {
    try await TLSFixture.with { fixture in
      try await TLSTestNetwork.run { network in
        let server = try await TLSTestServer(network: network, context: fixture.serverContext()) { peer in
          peer.echoes = false
          peer.onEstablished = { peer in peer.stream?.write(text: "hi") }
          peer.onReceive = { peer, _ in
            peer.stream?.write(text: "bye")
            peer.stream?.closeWhenFlushed()
            peer.stream?.close()
            peer.stream?.write(text: "lost")
          }
        }
        defer { server.stop() }
        let client = network.connect(port: server.port, context: try fixture.clientContext()) { peer in
          peer.onReceive = { peer, _ in peer.stream?.write(text: "x") }
        }
        let clientSide = try await client.closed()
        #expect(String(decoding: clientSide.received, as: UTF8.self).hasPrefix("hi"))
        #expect(!String(decoding: clientSide.received, as: UTF8.self).contains("lost"))
        #expect(clientSide.closes == 1)
        let serverSide = try await server.peer(0).closed()
        #expect(serverSide.closes == 1)
        #expect(serverSide.error == nil)
      }
    }
  }
}
