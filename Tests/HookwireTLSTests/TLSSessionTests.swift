import HookwireTLS
import HookwireTestSupport
import Testing

/// Session resumption, per session key.
@Suite struct TLSSessionTests {
  /// Connects with `key`, exchanges a message (TLS 1.3 tickets arrive after
  /// the handshake), closes, and returns whether the session was resumed.
  private func exchange(_ network: TLSTestNetwork, port: Int, context: TLSContext, key: String?) async throws -> Bool {
    let client = network.connect(port: port, context: context, sessionKey: key)
    client.write("ping")
    let record = try await client.wait("the echo") { $0.receivedCount >= 4 || $0.closed }
    #expect(record.error == nil, "\(record.summary)")
    client.closeWhenFlushed()
    try await client.closed()
    return record.reused
  }

  @Test(arguments: [TLSVersion.tls12, .tls13])
  func resumesTheSessionOfTheSameKeyOnly(_ version: TLSVersion) async throws {
    try await TLSFixture.with { fixture in
      try await TLSTestNetwork.run { network in
        let server = try await TLSTestServer(network: network, context: fixture.serverContext { $0.maximumVersion = version })
        defer { server.stop() }
        let context = try fixture.clientContext()
        #expect(try await exchange(network, port: server.port, context: context, key: "localhost:1") == false)
        #expect(context.cachedSessionKeys == 1)
        #expect(try await exchange(network, port: server.port, context: context, key: "localhost:1") == true)
        // Resumed again: each resumption brings fresh tickets.
        #expect(try await exchange(network, port: server.port, context: context, key: "localhost:1") == true)
        #expect(try await exchange(network, port: server.port, context: context, key: "localhost:2") == false)
        #expect(try await exchange(network, port: server.port, context: context, key: nil) == false)
        #expect(context.cachedSessionKeys == 2)
      }
    }
  }

  @Test func forgetsTheOldestKeysBeyondItsCapacity() async throws {
    try await TLSFixture.with { fixture in
      try await TLSTestNetwork.run { network in
        let server = try await TLSTestServer(network: network, context: fixture.serverContext())
        defer { server.stop() }
        let context = try fixture.clientContext { $0.sessionCacheCapacity = 2 }
        for key in ["a", "b", "c"] { _ = try await exchange(network, port: server.port, context: context, key: key) }
        #expect(context.cachedSessionKeys == 2)
        #expect(try await exchange(network, port: server.port, context: context, key: "a") == false)
        #expect(try await exchange(network, port: server.port, context: context, key: "c") == true)
      }
    }
  }
}
