import Foundation
import HookwireClient
import HookwirePosix
import HookwireServer
import HookwireTestSupport
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A CA and a server certificate made for one test, in a directory of its own.
struct TLSFixture {
  let directory: TemporaryDirectory
  let authority: TestCertificateAuthority
  let server: TestCertificateAuthority.Issued

  init(names: [String] = ["localhost"], ipAddresses: [String] = ["127.0.0.1", "::1"], notAfter: Date = Date() + 86_400) throws {
    directory = try TemporaryDirectory(prefix: "hookwire-tls")
    do {
      authority = try TestCertificateAuthority(directory: directory.path)
      server = try authority.issue(names: names, ipAddresses: ipAddresses, notAfter: notAfter)
    } catch {
      directory.remove()
      throw error
    }
  }

  /// The server's TLS configuration with `clients` asked of them.
  func serverConfiguration(clients: ClientCertificatePolicy = .none) -> TLSServerConfiguration {
    var configuration = TLSServerConfiguration(certificateChainFile: server.certificateFile, privateKeyFile: server.keyFile)
    if clients != .none { configuration.clientCAFile = authority.certificateFile }
    configuration.clientCertificates = clients
    return configuration
  }

  /// TLS trusting only this fixture's CA (not the system's store).
  func clientSecurity(certificate: TestCertificateAuthority.Issued? = nil) -> TransportSecurity {
    var configuration = TLSClientConfiguration()
    configuration.trustsSystemStore = false
    configuration.additionalCAFiles = [authority.certificateFile]
    configuration.certificateChainFile = certificate?.certificateFile
    configuration.privateKeyFile = certificate?.keyFile
    return .tls(configuration)
  }
}

/// Echo answering with what the call's connection established:
/// `tls=<version> alpn=<protocol> peer=<subject>` (or `plaintext`).
struct ConnectionReportingDiagnostics: Diagnostics.ServiceProtocol {
  func echo(_ request: EchoRequest, context: ServerContext) async throws -> EchoResponse {
    guard let security = context.values[ConnectionSecurityKey.self] else { return EchoResponse(payload: Array("plaintext".utf8)) }
    let text = "tls=\(security.version) alpn=\(security.applicationProtocol ?? "-") peer=\(security.peerCertificate?.subject ?? "-")"
    return EchoResponse(payload: Array(text.utf8))
  }
}

/// Log lines a server wrote, for tests that check what it said.
final class LogLines: Sendable {
  private let lines = Mutex<[String]>([])
  var log: ServerLog { ServerLog { [self] line in lines.withLock { $0.append(line) } } }
  var all: [String] { lines.withLock { $0 } }
}

@Suite("TLS on the RPC port")
struct TransportTLSTests {
  /// A server on a free loopback port serving the reporting echo and the
  /// streaming logs, plaintext or TLS.
  static func server(tls: TLSServerConfiguration?, log: ServerLog = ServerLog(enabled: false), handshakeTimeout: Duration = .seconds(10))
    throws -> RPCServer
  {
    var configuration = RPCServer.Configuration()
    configuration.port = 0
    configuration.loops = 2
    configuration.tls = tls
    configuration.tlsHandshakeTimeout = handshakeTimeout
    configuration.shutdownGrace = .seconds(2)
    let server = RPCServer(
      configuration: configuration, services: [ConnectionReportingDiagnostics(), StreamingLogs(probe: Probe())], log: log)
    try server.start()
    return server
  }

  static func client(_ port: Int, host: String = "127.0.0.1", security: TransportSecurity) throws -> RPCClient {
    var configuration = RPCClient.Configuration()
    configuration.security = security
    configuration.connectTimeout = .seconds(20)
    return try RPCClient(host: host, port: port, configuration: configuration)
  }

  /// The reporting echo's answer, or the error's message.
  static func report(_ client: RPCClient, timeout: Duration = .seconds(10)) async -> Result<String, RPCError> {
    do {
      let response = try await Diagnostics.Client(wrapping: client).echo(EchoRequest(payload: []), options: CallOptions(timeout: timeout))
      return .success(String(decoding: response.payload, as: UTF8.self))
    } catch let error as RPCError {
      return .failure(error)
    } catch {
      return .failure(RPCError(code: .unknown, message: "\(error)"))
    }
  }

  /// The message a call's failure carries; nil when it succeeded.
  static func failure(_ client: RPCClient, timeout: Duration = .seconds(10)) async -> String? {
    if case .failure(let error) = await report(client, timeout: timeout) { return error.message }
    return nil
  }

  @Test("a unary call and a server stream run over TLS 1.3 with ALPN hookwire/1")
  func unaryAndStream() async throws {
    let fixture = try TLSFixture()
    defer { fixture.directory.remove() }
    try await withTeardown { teardown in
      let server = try Self.server(tls: fixture.serverConfiguration())
      teardown.add { await server.shutdown() }
      let client = try Self.client(try #require(server.port), security: fixture.clientSecurity())
      teardown.add { await client.close() }
      #expect(try await Self.report(client).get() == "tls=TLS 1.3 alpn=hookwire/1 peer=-")
      let logs = EventLogs.Client(wrapping: client)
      let received = try await logs.tailDeliveries(TailDeliveriesRequest(webhookID: "200:3000"), options: CallOptions(timeout: .seconds(20))) {
        stream in
        var sizes: [Int] = []
        for try await attempt in stream { sizes.append(attempt.responseExcerpt.utf8.count) }
        return sizes
      }
      #expect(received == Array(repeating: 3_000, count: 200))
    }
  }

  @Test("required client certificates: none refused, another CA's refused, the right one accepted and seen by the handler")
  func mutualTLSRequired() async throws {
    let fixture = try TLSFixture()
    defer { fixture.directory.remove() }
    let stranger = try TestCertificateAuthority(directory: fixture.directory.path, name: "Stranger CA")
    try await withTeardown { teardown in
      let server = try Self.server(tls: fixture.serverConfiguration(clients: .required))
      teardown.add { await server.shutdown() }
      let port = try #require(server.port)

      let anonymous = try Self.client(port, security: fixture.clientSecurity())
      teardown.add { await anonymous.close() }
      let refusal = try #require(await Self.failure(anonymous))
      #expect(refusal.contains("requires a client certificate"), "\(refusal)")

      let foreign = try Self.client(port, security: fixture.clientSecurity(certificate: try stranger.issueClient(commonName: "billing")))
      teardown.add { await foreign.close() }
      let rejection = try #require(await Self.failure(foreign))
      #expect(rejection.contains("rejected"), "\(rejection)")

      let billing = try fixture.authority.issueClient(commonName: "billing", organization: "Rewards", uris: ["spiffe://rewards/billing"])
      let trusted = try Self.client(port, security: fixture.clientSecurity(certificate: billing))
      teardown.add { await trusted.close() }
      #expect(try await Self.report(trusted).get() == "tls=TLS 1.3 alpn=hookwire/1 peer=CN=billing,O=Rewards")
    }
  }

  @Test("optional client certificates: a client without one is served, one with a certificate is seen")
  func mutualTLSOptional() async throws {
    let fixture = try TLSFixture()
    defer { fixture.directory.remove() }
    try await withTeardown { teardown in
      let server = try Self.server(tls: fixture.serverConfiguration(clients: .optional))
      teardown.add { await server.shutdown() }
      let port = try #require(server.port)
      let anonymous = try Self.client(port, security: fixture.clientSecurity())
      teardown.add { await anonymous.close() }
      #expect(try await Self.report(anonymous).get() == "tls=TLS 1.3 alpn=hookwire/1 peer=-")
      let named = try Self.client(port, security: fixture.clientSecurity(certificate: try fixture.authority.issueClient(commonName: "ledger")))
      teardown.add { await named.close() }
      #expect(try await Self.report(named).get() == "tls=TLS 1.3 alpn=hookwire/1 peer=CN=ledger")
    }
  }

  @Test("the client refuses a certificate for another name, an expired one, and one from a CA it does not trust")
  func serverCertificateChecks() async throws {
    let wrongName = try TLSFixture(names: ["billing.internal"], ipAddresses: [])
    defer { wrongName.directory.remove() }
    let expired = try TLSFixture(notAfter: Date() - 60)
    defer { expired.directory.remove() }
    let unknown = try TLSFixture()
    defer { unknown.directory.remove() }
    try await withTeardown { teardown in
      let cases: [(TLSFixture, TransportSecurity, String)] = [
        (wrongName, wrongName.clientSecurity(), "not valid for"),
        (expired, expired.clientSecurity(), "expired"),
        (unknown, expired.clientSecurity(), "unknown authority"),
      ]
      for (fixture, security, expected) in cases {
        let server = try Self.server(tls: fixture.serverConfiguration())
        teardown.add { await server.shutdown() }
        let client = try Self.client(try #require(server.port), security: security)
        teardown.add { await client.close() }
        let message = try #require(await Self.failure(client))
        #expect(message.contains(expected), "\(message)")
      }
    }
  }

  @Test("the server name is checked against the host the client was given: localhost passes, a certificate's IP address too")
  func serverNameFromHost() async throws {
    let fixture = try TLSFixture(names: ["localhost"], ipAddresses: [])
    defer { fixture.directory.remove() }
    try await withTeardown { teardown in
      let server = try Self.server(tls: fixture.serverConfiguration())
      teardown.add { await server.shutdown() }
      let port = try #require(server.port)
      let byName = try Self.client(port, host: "localhost", security: fixture.clientSecurity())
      teardown.add { await byName.close() }
      #expect(try await Self.report(byName).get().hasPrefix("tls="))
      let byAddress = try Self.client(port, host: "127.0.0.1", security: fixture.clientSecurity())
      teardown.add { await byAddress.close() }
      let message = try #require(await Self.failure(byAddress))
      #expect(message.contains("not valid for"), "\(message)")
    }
  }

  @Test("reloading TLS: a new connection gets the new certificate, an open one keeps working, a bad file keeps the old one")
  func reload() async throws {
    let fixture = try TLSFixture()
    defer { fixture.directory.remove() }
    let next = try TestCertificateAuthority(directory: fixture.directory.path, name: "Next CA")
    let nextServer = try next.issue()
    var trustsNext = TLSClientConfiguration()
    trustsNext.trustsSystemStore = false
    trustsNext.additionalCAFiles = [next.certificateFile]
    // The server reads fixed paths, as an operator's would be: copies of the first certificate.
    let chain = fixture.directory.file("live.pem")
    let key = fixture.directory.file("live-key.pem")
    try FileManager.default.copyItem(atPath: fixture.server.certificateFile, toPath: chain)
    try FileManager.default.copyItem(atPath: fixture.server.keyFile, toPath: key)
    try await withTeardown { teardown in
      let server = try Self.server(tls: TLSServerConfiguration(certificateChainFile: chain, privateKeyFile: key))
      teardown.add { await server.shutdown() }
      let port = try #require(server.port)
      let old = try Self.client(port, security: fixture.clientSecurity())
      teardown.add { await old.close() }
      #expect(try await Self.report(old).get().hasPrefix("tls="))

      for (source, target) in [(nextServer.certificateFile, chain), (nextServer.keyFile, key)] {
        try FileManager.default.removeItem(atPath: target)
        try FileManager.default.copyItem(atPath: source, toPath: target)
      }
      try server.reloadTLS()
      let renewed = try Self.client(port, security: .tls(trustsNext))
      teardown.add { await renewed.close() }
      #expect(try await Self.report(renewed).get().hasPrefix("tls="))
      let stale = try Self.client(port, security: fixture.clientSecurity())
      teardown.add { await stale.close() }
      let message = try #require(await Self.failure(stale))
      #expect(message.contains("unknown authority"), "\(message)")
      // The connection made before the reload still carries calls.
      #expect(try await Self.report(old).get().hasPrefix("tls="))

      try Data("not a certificate".utf8).write(to: URL(fileURLWithPath: chain))
      #expect(throws: TLSError.self) { try server.reloadTLS() }
      let after = try Self.client(port, security: .tls(trustsNext))
      teardown.add { await after.close() }
      #expect(try await Self.report(after).get().hasPrefix("tls="))
    }
  }

  @Test("a plaintext client at a TLS port and a TLS client at a plaintext port both fail fast saying why")
  func mismatchedSecurity() async throws {
    let fixture = try TLSFixture()
    defer { fixture.directory.remove() }
    try await withTeardown { teardown in
      let tlsServer = try Self.server(tls: fixture.serverConfiguration())
      teardown.add { await tlsServer.shutdown() }
      let plainServer = try Self.server(tls: nil)
      teardown.add { await plainServer.shutdown() }

      let plainClient = try Self.client(try #require(tlsServer.port), security: .plaintext)
      teardown.add { await plainClient.close() }
      var started = ContinuousClock.now
      // Fast: an answer, not a timeout (the call may wait 60 s; loaded machines are slow).
      let expectsTLS = try #require(await Self.failure(plainClient, timeout: .seconds(60)))
      #expect(expectsTLS.contains("expects TLS"), "\(expectsTLS)")
      #expect(ContinuousClock.now - started < .seconds(20))
      #expect(await eventually { tlsServer.failedHandshakes == 1 && tlsServer.openConnections == 0 })

      let tlsClient = try Self.client(try #require(plainServer.port), security: fixture.clientSecurity())
      teardown.add { await tlsClient.close() }
      started = ContinuousClock.now
      let noTLS = try #require(await Self.failure(tlsClient, timeout: .seconds(60)))
      #expect(noTLS.contains("does not speak TLS"), "\(noTLS)")
      #expect(ContinuousClock.now - started < .seconds(20))
      #expect(await eventually { plainServer.openConnections == 0 })
    }
  }

  @Test("a garbage ClientHello, a stalled handshake and a refused certificate each close within the handshake timeout, logged, while others are served")
  func hostileHandshakes() async throws {
    let fixture = try TLSFixture()
    defer { fixture.directory.remove() }
    let stranger = try TestCertificateAuthority(directory: fixture.directory.path, name: "Stranger CA")
    let lines = LogLines()
    try await withTeardown { teardown in
      let server = try Self.server(tls: fixture.serverConfiguration(clients: .optional), log: lines.log, handshakeTimeout: .milliseconds(500))
      teardown.add { await server.shutdown() }
      let port = try #require(server.port)
      let served = try Self.client(port, security: fixture.clientSecurity())
      teardown.add { await served.close() }
      #expect(try await Self.report(served).get().hasPrefix("tls="))

      // A handshake record header followed by junk.
      var garbage = PeerScript()
      garbage.raw([0x16, 0x03, 0x01, 0x00, 0x40] + (0..<64).map { UInt8(truncatingIfNeeded: $0 &* 37) })
      let junk = try RawSocket(port: port)
      defer { junk.close() }
      let junkReply = await junk.exchange(garbage)
      #expect(junkReply.closed)
      #expect(junkReply.elapsed < .seconds(10))

      // A client that connects and says nothing.
      let silent = try RawSocket(port: port)
      defer { silent.close() }
      let silentReply = await silent.exchange(PeerScript())
      #expect(silentReply.closed)
      #expect(silentReply.elapsed >= .milliseconds(400) && silentReply.elapsed < .seconds(10), "\(silentReply.elapsed)")

      let foreign = try Self.client(port, security: fixture.clientSecurity(certificate: try stranger.issueClient(commonName: "intruder")))
      teardown.add { await foreign.close() }
      #expect(await Self.failure(foreign) != nil)

      #expect(try await Self.report(served).get().hasPrefix("tls="), "the established client stopped being served")
      #expect(await eventually { server.failedHandshakes == 3 && server.openConnections == 1 })
      let logged = lines.all.filter { $0.hasPrefix("TLS handshake failed") }.joined(separator: "\n")
      #expect(!logged.isEmpty)
      #expect(!logged.contains("PRIVATE KEY"))
    }
  }

  @Test("host names resolve to every address, tried in turn until one accepts")
  func addressesInTurn() async throws {
    try await withTeardown { teardown in
      let server = try Self.server(tls: nil)
      teardown.add { await server.shutdown() }
      let port = try #require(server.port)
      // The server listens on 127.0.0.1 only: ::1 and 127.0.0.2 refuse.
      let resolver = FixedResolver(["service.test": ["::1", "127.0.0.2", "127.0.0.1"]])
      let transport = try TCPClientTransport(host: "service.test", port: port, connectTimeout: .seconds(20), resolver: resolver)
      let client = RPCClient(transport: transport)
      teardown.add { await client.close() }
      #expect(try await Self.report(client).get() == "plaintext")

      let unknown = RPCClient(transport: try TCPClientTransport(host: "nosuch.test", port: port, resolver: resolver))
      teardown.add { await unknown.close() }
      let message = try #require(await Self.failure(unknown))
      #expect(message.contains("cannot resolve host 'nosuch.test'"), "\(message)")

      let refused = RPCClient(transport: try TCPClientTransport(host: "service.test", port: port == 65_535 ? 1 : port + 1, resolver: resolver))
      teardown.add { await refused.close() }
      let refusal = try #require(await Self.failure(refused))
      #expect(refusal.contains("connection refused"), "\(refusal)")
    }
  }

  @Test("localhost resolves through the system's resolver")
  func localhost() async throws {
    try await withTeardown { teardown in
      let server = try Self.server(tls: nil)
      teardown.add { await server.shutdown() }
      let client = try Self.client(try #require(server.port), host: "localhost", security: .plaintext)
      teardown.add { await client.close() }
      #expect(try await Self.report(client).get() == "plaintext")
    }
  }
}

/// Answers lookups from a table; other names are not found.
struct FixedResolver: NameResolving {
  let table: [String: [String]]

  init(_ table: [String: [String]]) { self.table = table }

  func resolve(_ host: String) async -> Result<[PeerAddress], ResolutionError> {
    guard let addresses = table[host] else { return .failure(ResolutionError(.notFound, "\(host): name not known")) }
    return .success(addresses.compactMap(PeerAddress.init))
  }
}
