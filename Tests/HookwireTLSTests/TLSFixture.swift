import Foundation
import HookwireTLS
import HookwireTestSupport

/// A temporary directory with a test CA and a server certificate for
/// localhost, 127.0.0.1 and ::1, plus contexts built from them.
final class TLSFixture: Sendable {
  let directory: TemporaryDirectory
  let authority: TestCertificateAuthority
  let server: TestCertificateAuthority.Issued

  init() throws {
    directory = try TemporaryDirectory(prefix: "hookwire-tls")
    do {
      authority = try TestCertificateAuthority(directory: directory.path)
      server = try authority.issue(names: ["localhost"], ipAddresses: ["127.0.0.1", "::1"])
    } catch {
      directory.remove()
      throw error
    }
  }

  /// Runs `body` with a fresh fixture, removing its files afterwards.
  static func with(_ body: (TLSFixture) async throws -> Void) async throws {
    let fixture = try TLSFixture()
    defer { fixture.directory.remove() }
    try await body(fixture)
  }

  /// A client trusting only the test CA.
  func clientConfiguration(_ adjust: (inout TLSClientConfiguration) -> Void = { _ in }) -> TLSClientConfiguration {
    var configuration = TLSClientConfiguration()
    configuration.trustsSystemStore = false
    configuration.additionalCAFiles = [authority.certificateFile]
    adjust(&configuration)
    return configuration
  }

  func clientContext(_ adjust: (inout TLSClientConfiguration) -> Void = { _ in }) throws(TLSError) -> TLSContext {
    try TLSContext(client: clientConfiguration(adjust))
  }

  /// A server presenting `certificate` (default: the localhost one).
  func serverContext(
    _ certificate: TestCertificateAuthority.Issued? = nil, _ adjust: (inout TLSServerConfiguration) -> Void = { _ in }
  ) throws(TLSError) -> TLSContext {
    let files = certificate ?? server
    var configuration = TLSServerConfiguration(certificateChainFile: files.certificateFile, privateKeyFile: files.keyFile)
    adjust(&configuration)
    return try TLSContext(server: configuration)
  }
}
