import Foundation
import HookwireClient
import HookwireTestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// The real `hookwire-server` with its TLS flags: serving TLS, reloading on
/// SIGHUP, refusing files it cannot use.
@Suite("Server TLS, end to end", .serialized)
struct ServerTLSEndToEndTests {
  /// TLS trusting only `authority`.
  static func trusting(_ authority: TestCertificateAuthority) -> RPCClient.Configuration {
    var tls = TLSClientConfiguration()
    tls.trustsSystemStore = false
    tls.additionalCAFiles = [authority.certificateFile]
    var configuration = RPCClient.Configuration()
    configuration.security = .tls(tls)
    return configuration
  }

  /// Whether a health check over `client` succeeds; the error's message otherwise.
  static func check(_ client: RPCClient) async -> String? {
    do {
      _ = try await Health.Client(wrapping: client).check(HealthCheckRequest(), options: CallOptions(timeout: .seconds(20)))
      return nil
    } catch let error as RPCError {
      return error.message
    } catch {
      return "\(error)"
    }
  }

  /// Replaces `target` with a copy of `source`, as an operator renewing a certificate does.
  static func replace(_ target: String, with source: String) throws {
    try? FileManager.default.removeItem(atPath: target)
    try FileManager.default.copyItem(atPath: source, toPath: target)
  }

  /// Waits (at most 20 s) until the server's log holds `text` `count` times.
  static func logged(_ server: ServerProcess, _ text: String, count: Int = 1) async -> Bool {
    let end = ContinuousClock.now + .seconds(20)
    while ContinuousClock.now < end {
      if server.log.components(separatedBy: text).count - 1 >= count { return true }
      try? await Task.sleep(for: .milliseconds(20))
    }
    return false
  }

  @Test("SIGHUP reloads the certificate: a new connection sees the new one, an open one keeps working, a bad file keeps the old")
  func reloadOnHangup() async throws {
    let directory = try TemporaryDirectory(prefix: "hookwire-tls-e2e")
    defer { directory.remove() }
    let first = try TestCertificateAuthority(directory: directory.path, name: "First CA")
    let second = try TestCertificateAuthority(directory: directory.path, name: "Second CA")
    let (chain, key) = (directory.file("server.pem"), directory.file("server-key.pem"))
    let firstServer = try first.issue()
    try Self.replace(chain, with: firstServer.certificateFile)
    try Self.replace(key, with: firstServer.keyFile)
    try await withTeardown { teardown in
      let server = try await ServerProcess.start(arguments: ["--tls-cert", chain, "--tls-key", key])
      teardown.add { _ = await server.stop() }
      #expect(server.log.contains("(TLS)"))
      let old = try RPCClient(host: "127.0.0.1", port: server.port, configuration: Self.trusting(first))
      teardown.add { await old.close() }
      #expect(await Self.check(old) == nil)

      let secondServer = try second.issue()
      try Self.replace(chain, with: secondServer.certificateFile)
      try Self.replace(key, with: secondServer.keyFile)
      kill(server.process.processIdentifier, SIGHUP)
      #expect(await Self.logged(server, "SIGHUP: reloaded"))
      let renewed = try RPCClient(host: "localhost", port: server.port, configuration: Self.trusting(second))
      teardown.add { await renewed.close() }
      #expect(await Self.check(renewed) == nil)
      let stale = try RPCClient(host: "127.0.0.1", port: server.port, configuration: Self.trusting(first))
      teardown.add { await stale.close() }
      let refusal = await Self.check(stale)
      #expect(refusal?.contains("unknown authority") == true, "\(refusal ?? "succeeded")")
      #expect(await Self.check(old) == nil, "the connection made before the reload stopped working")

      try Data("-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n".utf8).write(to: URL(fileURLWithPath: chain))
      kill(server.process.processIdentifier, SIGHUP)
      #expect(await Self.logged(server, "keeping the files loaded before"))
      let after = try RPCClient(host: "127.0.0.1", port: server.port, configuration: Self.trusting(second))
      teardown.add { await after.close() }
      #expect(await Self.check(after) == nil)
    }
  }

  @Test("a certificate file the server cannot use stops it at start with exit 1, naming the file")
  func unusableCertificate() async throws {
    let directory = try TemporaryDirectory(prefix: "hookwire-tls-e2e")
    defer { directory.remove() }
    let authority = try TestCertificateAuthority(directory: directory.path)
    let issued = try authority.issue()
    let other = try authority.issue()
    let missing = directory.file("missing.pem")
    for (arguments, expected) in [
      (["--tls-cert", missing, "--tls-key", issued.keyFile], "missing.pem"),
      (["--tls-cert", issued.certificateFile, "--tls-key", other.keyFile], "does not match"),
    ] {
      let result = try await runProcess("hookwire-server", ["--listen", "127.0.0.1:0", "--data-dir", directory.file("data")] + arguments)
      #expect(result.status == 1, "\(result.stderr)")
      #expect(result.stderr.contains(expected), "\(result.stderr)")
    }
  }
}
