import HookwirePosix
import HookwireTLS
import HookwireTestSupport
import Testing

/// The test receiver's HTTPS mode, as delivery tests use it.
@Suite struct TestReceiverTLSTests {
  private static func post(_ body: String, path: String = "/hook") -> String {
    "POST \(path) HTTP/1.1\r\nHost: localhost\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)"
  }

  @Test func servesRequestsOverTLSOnOneKeptAliveConnection() async throws {
    try await TLSFixture.with { fixture in
      try await TLSTestNetwork.run { network in
        let receiver = try TestReceiver(tls: .init(certificateFile: fixture.server.certificateFile, keyFile: fixture.server.keyFile)) {
          request, index in .init(status: 200 + index, body: "got \(String(decoding: request.body, as: UTF8.self))")
        }
        defer { receiver.stop() }
        #expect(receiver.url("/hook") == "https://127.0.0.1:\(receiver.port)/hook")
        let context = try fixture.clientContext()
        let client = network.connect(port: receiver.port, context: context)
        client.write(Self.post("first"))
        try await client.wait("the first answer") { String(decoding: $0.received, as: UTF8.self).contains("got first") || $0.closed }
        client.write(Self.post("second"))
        let record = try await client.wait("the second answer") {
          String(decoding: $0.received, as: UTF8.self).contains("got second") || $0.closed
        }
        let text = String(decoding: record.received, as: UTF8.self)
        #expect(text.hasPrefix("HTTP/1.1 200 "))
        #expect(text.contains("HTTP/1.1 201 "))
        #expect(receiver.requests.map { String(decoding: $0.body, as: UTF8.self) } == ["first", "second"])
        #expect(receiver.requests.first?.path == "/hook")
        #expect(receiver.acceptedConnections == 1)
        client.closeWhenFlushed()
        #expect(try await client.closed().error == nil)

        let another = network.connect(port: receiver.port, context: context)
        another.write(Self.post("third"))
        try await another.wait("the third answer") { String(decoding: $0.received, as: UTF8.self).contains("got third") || $0.closed }
        #expect(receiver.acceptedConnections == 2)
        another.close()
      }
    }
  }

  @Test func refusesPlaintextAndClientsWithoutTheRequiredCertificate() async throws {
    try await TLSFixture.with { fixture in
      try await TLSTestNetwork.run { network in
        let receiver = try TestReceiver(
          tls: .init(
            certificateFile: fixture.server.certificateFile, keyFile: fixture.server.keyFile, clientCAFile: fixture.authority.certificateFile))
        defer { receiver.stop() }
        let plain = RawPeer.connect(loop: network.clientLoop, port: receiver.port, sending: Array(Self.post("x").utf8))
        try await plain.closed()
        let (_, anonymous) = try await network.handshake(port: receiver.port, context: fixture.clientContext { $0.maximumVersion = .tls12 })
        #expect(anonymous.tlsError?.kind == .clientCertificateRequired, "\(anonymous.summary)")

        let identity = try fixture.authority.issueClient(commonName: "deliveries")
        let context = try fixture.clientContext {
          $0.certificateChainFile = identity.certificateFile
          $0.privateKeyFile = identity.keyFile
        }
        let client = network.connect(port: receiver.port, context: context)
        client.write(Self.post("signed"))
        try await client.wait("the answer") { String(decoding: $0.received, as: UTF8.self).contains("ok") || $0.closed }
        #expect(receiver.requests.count == 1)
        #expect(receiver.failedHandshakes == 2)
        #expect(receiver.acceptedConnections == 3)
      }
    }
  }

  @Test func plaintextModeIsUnchangedAndCountsConnections() async throws {
    try await TLSTestNetwork.run { network in
      let receiver = try TestReceiver()
      defer { receiver.stop() }
      #expect(receiver.url() == "http://127.0.0.1:\(receiver.port)/")
      let raw = RawPeer.connect(loop: network.clientLoop, port: receiver.port, sending: Array(Self.post("plain").utf8))
      let deadline = ContinuousClock.now + .seconds(30)
      while !String(decoding: raw.state.withLock { $0.received }, as: UTF8.self).hasSuffix("ok") && ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(2))
      }
      #expect(String(decoding: raw.state.withLock { $0.received }, as: UTF8.self).hasPrefix("HTTP/1.1 200 "))
      #expect(receiver.requests.map(\.method) == ["POST"])
      #expect(receiver.acceptedConnections == 1)
      network.clientLoop.execute { raw.stream?.close() }
    }
  }
}
