import Foundation
import HookwireHTTP
import HookwirePosix
import HookwireTLS
import HookwireTestSupport
import Synchronization
import Testing

/// The client over TLS against a local HTTPS receiver whose certificates a
/// test CA issued: success and reuse, each verification failure with its
/// reason, and session resumption on the next connection.
@Suite("HTTP client over TLS")
struct HTTPClientTLSTests {
  /// Every completed handshake: whether it resumed a session.
  final class HandshakeLog: Sendable {
    let values = Mutex<[Bool]>([])
  }

  /// A CA, a client that trusts it, and a fresh directory for both.
  final class Fixture: Sendable {
    let directory: TemporaryDirectory
    let authority: TestCertificateAuthority
    let loops: EventLoopGroup
    let client: HTTPClient
    let handshakes = HandshakeLog()

    init(maxRequestsPerConnection: Int = 1_000, trustsAuthority: Bool = true) throws {
      directory = try TemporaryDirectory(prefix: "hookwire-http-tls")
      authority = try TestCertificateAuthority(directory: directory.path)
      var trust = TLSClientConfiguration()
      trust.trustsSystemStore = false
      trust.additionalCAFiles = [trustsAuthority ? authority.certificateFile : try TestCertificateAuthority(directory: directory.path, name: "Other CA").certificateFile]
      loops = try EventLoopGroup(loops: 1, name: "http-tls-test")
      var configuration = HTTPClient.Configuration()
      configuration.maxRequestsPerConnection = maxRequestsPerConnection
      let handshakes = handshakes
      client = HTTPClient(
        loops: loops, configuration: configuration, tls: try TLSContext(client: trust),
        observeHandshake: { resumed in handshakes.values.withLock { $0.append(resumed) } })
    }

    /// A receiver serving `certificate` over TLS.
    func receiver(_ certificate: TestCertificateAuthority.Issued) throws -> TestReceiver {
      try TestReceiver(tls: TestReceiver.TLS(certificateFile: certificate.certificateFile, keyFile: certificate.keyFile))
    }

    func post(to receiver: TestReceiver, host: String = "127.0.0.1") async -> Result<HTTPResponse, HTTPClientError> {
      await client.post(
        HTTPClientRequest(
          scheme: .https, host: host, port: receiver.port, addresses: [PeerAddress("127.0.0.1")!], target: "/hooks",
          contentType: "application/json", body: Array(#"{"a":1}"#.utf8)),
        timeout: .seconds(10))
    }

    func stop() async {
      client.shutdown()
      await loops.shutdownGracefully()
      directory.remove()
    }
  }

  @Test("a POST over TLS succeeds against a certificate for the address, and the next one reuses the connection")
  func successAndReuse() async throws {
    let fixture = try Fixture()
    let receiver = try fixture.receiver(try fixture.authority.issue())
    defer { receiver.stop() }
    for _ in 0..<2 {
      let response = try await fixture.post(to: receiver).get()
      #expect(response.status == 200)
      #expect(String(decoding: response.body, as: UTF8.self) == "ok")
    }
    #expect(receiver.acceptedConnections == 1)
    #expect(receiver.requests.map(\.path) == ["/hooks", "/hooks"])
    await fixture.stop()
  }

  @Test("the URL's host name is what the certificate is checked against, and what the host header carries")
  func hostNameVerified() async throws {
    let fixture = try Fixture()
    let receiver = try fixture.receiver(try fixture.authority.issue(names: ["hooks.example"], ipAddresses: []))
    defer { receiver.stop() }
    let response = try await fixture.post(to: receiver, host: "hooks.example").get()
    #expect(response.status == 200)
    #expect(receiver.requests.first?.headers["host"] == "hooks.example:\(receiver.port)")
    await fixture.stop()
  }

  @Test(
    "a certificate that does not verify fails the exchange with its reason",
    arguments: ["wrong host", "expired", "unknown authority"])
  func verificationFailures(_ failure: String) async throws {
    let fixture = try Fixture(trustsAuthority: failure != "unknown authority")
    let certificate: TestCertificateAuthority.Issued
    switch failure {
    case "wrong host": certificate = try fixture.authority.issue(names: ["elsewhere.example"], ipAddresses: ["10.9.8.7"])
    case "expired": certificate = try fixture.authority.issue(notBefore: Date() - 7_200, notAfter: Date() - 3_600)
    default: certificate = try fixture.authority.issue()
    }
    let receiver = try fixture.receiver(certificate)
    defer { receiver.stop() }
    let result = await fixture.post(to: receiver)
    guard case .failure(let error) = result else {
      Issue.record("the exchange succeeded against a certificate that is \(failure)")
      return await fixture.stop()
    }
    #expect(error.kind == .tls)
    let expected = ["wrong host": "not valid for", "expired": "expired", "unknown authority": "unknown authority"][failure] ?? ""
    #expect(error.reason.contains(expected), "\(error.reason)")
    #expect(receiver.requests.isEmpty, "a request went out over an unverified connection")
    await fixture.stop()
  }

  @Test("a second connection to the same host resumes the first one's TLS session")
  func sessionResumed() async throws {
    // One exchange per connection, so the second POST needs a new handshake.
    let fixture = try Fixture(maxRequestsPerConnection: 1)
    let receiver = try fixture.receiver(try fixture.authority.issue())
    defer { receiver.stop() }
    for _ in 0..<2 { #expect(try await fixture.post(to: receiver).get().status == 200) }
    #expect(receiver.acceptedConnections == 2)
    #expect(fixture.handshakes.values.withLock { $0 } == [false, true])
    await fixture.stop()
  }
}
