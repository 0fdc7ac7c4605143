import HookwirePosix
import HookwireTLS
import HookwireTestSupport
import Testing

/// Peers that do not speak TLS, hostile input, and unusable configuration.
@Suite struct TLSFailureTests {
  @Test func aServerRefusesPlaintextAsNotTLSAndKeepsServingOthers() async throws {
    try await TLSFixture.with { fixture in
      try await TLSTestNetwork.run { network in
        let server = try await TLSTestServer(network: network, context: fixture.serverContext())
        defer { server.stop() }
        for (index, preface) in ["POST / HTTP/1.1\r\nHost: x\r\n\r\n", "HWRPC\u{0}\u{1}preface"].enumerated() {
          let raw = RawPeer.connect(loop: network.clientLoop, port: server.port, sending: Array(preface.utf8))
          try await raw.closed()
          let serverSide = try await server.peer(index).closed()
          #expect(serverSide.tlsError?.kind == .notTLS, "\(serverSide.summary)")
          #expect(raw.state.withLock { $0.received.isEmpty })
        }
        let plaintext = try await server.peer(0).closed()
        #expect(plaintext.tlsError?.reason == #"TLS: the peer does not speak TLS (it sent "POST / HTTP/1.1..Host: x...")"#, "\(plaintext.summary)")
        let client = network.connect(port: server.port, context: try fixture.clientContext())
        client.write("still here")
        let record = try await client.wait("the echo") { $0.receivedCount >= 10 || $0.closed }
        #expect(record.error == nil)
      }
    }
  }

  @Test func aClientReportsAPlaintextServerClearly() async throws {
    try await TLSFixture.with { fixture in
      try await TLSTestNetwork.run { network in
        let http = try await RawServer(loop: network.serverLoop) { _ in Array("HTTP/1.1 400 Bad Request\r\n\r\n".utf8) }
        defer { http.stop() }
        let context = try fixture.clientContext()
        let (_, answered) = try await network.handshake(port: http.port, context: context)
        #expect(answered.tlsError?.kind == .notTLS)
        #expect(answered.tlsError?.reason == #"TLS: the peer does not speak TLS (it sent "HTTP/1.1 400 Bad Request...")"#)

        let echo = try await RawServer(loop: network.serverLoop) { $0 }
        defer { echo.stop() }
        let (_, echoed) = try await network.handshake(port: echo.port, context: context)
        #expect(!echoed.established)
        #expect(echoed.tlsError?.kind == .protocolError, "\(echoed.summary)")
        #expect(echoed.tlsError?.reason.hasPrefix("TLS: handshake failed: ") == true, "\(echoed.summary)")

        let silent = try await RawServer(loop: network.serverLoop) { _ in nil }
        defer { silent.stop() }
        let mute = network.connect(port: silent.port, context: context)
        try await Task.sleep(for: .milliseconds(20))
        mute.close()
        #expect(try await mute.closed().error == nil)
      }
    }
  }

  @Test func anOversizedRecordOrGarbageEndsTheConnectionAtOnce() async throws {
    try await TLSFixture.with { fixture in
      try await TLSTestNetwork.run { network in
        let server = try await TLSTestServer(network: network, context: fixture.serverContext())
        defer { server.stop() }
        // A handshake record announcing 65535 bytes (TLS allows 16 KiB plus
        // overhead): refused from its header, without waiting for the body.
        let huge = RawPeer.connect(loop: network.clientLoop, port: server.port, sending: [0x16, 0x03, 0x01, 0xFF, 0xFF, 0x01])
        try await huge.closed()
        let oversized = try await server.peer(0).closed()
        #expect(oversized.tlsError?.kind == .notTLS, "\(oversized.summary)")
        // A megabyte of noise behind a plausible first byte.
        var generator = SeededGenerator(seed: 7)
        let noise = [0x16] + (0..<(1 << 20)).map { _ in UInt8.random(in: 0...255, using: &generator) }
        let garbage = RawPeer.connect(loop: network.clientLoop, port: server.port, sending: noise)
        try await garbage.closed()
        #expect(try await server.peer(1).closed().error != nil)
      }
    }
  }

  @Test func aClosedConnectionDuringTheHandshakeIsAProtocolError() async throws {
    try await TLSFixture.with { fixture in
      try await TLSTestNetwork.run { network in
        let server = try await TLSTestServer(network: network, context: fixture.serverContext())
        defer { server.stop() }
        // The server side: a client that sends half a ClientHello and leaves.
        let half = RawPeer.connect(loop: network.clientLoop, port: server.port, sending: [0x16, 0x03, 0x01, 0x00, 0x40, 0x01])
        try await Task.sleep(for: .milliseconds(20))
        network.clientLoop.execute { half.stream?.close() }
        let serverSide = try await server.peer(0).closed()
        #expect(serverSide.tlsError?.reason == "TLS: the connection closed during the handshake")
      }
    }
  }

  @Test func unusableFilesAreConfigurationErrorsNamingTheFile() throws {
    let fixture = try TLSFixture()
    defer { fixture.directory.remove() }
    let missing = fixture.directory.file("missing.pem")
    let other = try fixture.authority.issue(names: ["other"])
    let locked = try fixture.authority.issue(keyPassphrase: "secret")
    let cases: [(String, () throws(TLSError) -> TLSContext, String)] = [
      ("missing chain", { () throws(TLSError) in try fixture.serverContext((missing, fixture.server.keyFile)) },
        "TLS: cannot use certificate chain file \(missing): No such file or directory"),
      ("missing key", { () throws(TLSError) in try fixture.serverContext((fixture.server.certificateFile, missing)) },
        "TLS: cannot use private key file \(missing): No such file or directory"),
      ("certificate as key", { () throws(TLSError) in try fixture.serverContext((fixture.server.certificateFile, fixture.server.certificateFile)) },
        "TLS: cannot use private key file \(fixture.server.certificateFile): it holds no unencrypted PEM private key"),
      // Encrypted keys are refused, never prompted for.
      ("encrypted key", { () throws(TLSError) in try fixture.serverContext(locked) },
        "TLS: cannot use private key file \(locked.keyFile): it is encrypted, and only unencrypted keys are read"),
      ("key as certificate", { () throws(TLSError) in try fixture.serverContext((fixture.server.keyFile, fixture.server.keyFile)) },
        "TLS: cannot use certificate chain file \(fixture.server.keyFile): it holds no PEM certificate"),
      ("mismatched key", { () throws(TLSError) in try fixture.serverContext((fixture.server.certificateFile, other.keyFile)) },
        "TLS: private key file \(other.keyFile) does not match the certificate in \(fixture.server.certificateFile)"),
      ("missing CA", { () throws(TLSError) in try fixture.clientContext { $0.additionalCAFiles = [missing] } },
        "TLS: cannot use CA file \(missing): No such file or directory"),
      ("key as CA", { () throws(TLSError) in try fixture.clientContext { $0.additionalCAFiles = [fixture.server.keyFile] } },
        "TLS: cannot use CA file \(fixture.server.keyFile): "),
      ("client CA missing", { () throws(TLSError) in try fixture.serverContext { $0.clientCertificates = .required } },
        "TLS: client certificates need a client CA file"),
      ("half an identity", { () throws(TLSError) in try fixture.clientContext { $0.certificateChainFile = fixture.server.certificateFile } },
        "TLS: a client certificate needs both its chain file and its private key file"),
      ("no trust", { () throws(TLSError) in try TLSContext(client: { var c = TLSClientConfiguration(); c.trustsSystemStore = false; return c }()) },
        "TLS: a client trusting no CA can verify no server"),
      ("bad ALPN", { () throws(TLSError) in try fixture.clientContext { $0.applicationProtocols = [""] } },
        "TLS: application protocol names must be 1 to 255 bytes long"),
    ]
    for (name, make, prefix) in cases {
      do {
        _ = try make()
        Issue.record("\(name): no error")
      } catch {
        #expect(error.kind == .configuration, "\(name)")
        #expect(error.reason.hasPrefix(prefix), "\(name): \(error.reason)")
        #expect(!error.reason.contains("\n"), "\(name)")
      }
    }
  }
}
