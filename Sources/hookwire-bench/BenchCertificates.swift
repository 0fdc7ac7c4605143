import HookwireTLS
import HookwireTestSupport

/// The certificates a TLS benchmark runs with, made in process for the run
/// in a temporary directory: a CA, a server certificate for 127.0.0.1 and
/// localhost, a client certificate from the same CA, and a client
/// certificate from a second CA that the server does not trust.
final class BenchCertificates {
  /// The temporary directory the PEM files are in, when the run made one.
  private let temporary: TemporaryDirectory?
  /// The CA that issued the server's and the trusted client's certificates.
  let authorityFile: String
  /// The server's certificate and key.
  let server: TestCertificateAuthority.Issued
  /// A client certificate the server's client CA accepts.
  let client: TestCertificateAuthority.Issued
  /// A client certificate from a CA the server does not know.
  let foreignClient: TestCertificateAuthority.Issued

  /// Makes the CAs and certificates in a new temporary directory.
  convenience init() throws {
    let temporary = try TemporaryDirectory(prefix: "hookwire-bench-tls")
    do {
      try self.init(folder: temporary.path, temporary: temporary)
    } catch {
      temporary.remove()
      throw error
    }
  }

  /// Makes the CAs and certificates in `folder`, which must exist;
  /// `remove()` deletes `temporary` only.
  init(folder: String, temporary: TemporaryDirectory? = nil) throws {
    self.temporary = temporary
    let authority = try TestCertificateAuthority(directory: folder, name: "Hookwire Bench CA")
    authorityFile = authority.certificateFile
    server = try authority.issue(names: ["localhost"], ipAddresses: ["127.0.0.1", "::1"])
    client = try authority.issueClient(commonName: "bench-client")
    let stranger = try TestCertificateAuthority(directory: folder, name: "Unknown Bench CA")
    foreignClient = try stranger.issueClient(commonName: "stranger")
  }

  /// The `rpc-server` options that serve TLS with these files; with
  /// `requiringClientCertificates` the server refuses clients without a
  /// certificate from the bench CA.
  func serverArguments(requiringClientCertificates: Bool = false) -> [String] {
    var arguments = ["--tls-cert", server.certificateFile, "--tls-key", server.keyFile]
    if requiringClientCertificates { arguments += ["--tls-client-ca", authorityFile, "--tls-client-certs", "required"] }
    return arguments
  }

  /// A client configuration trusting only the bench CA, offering ALPN
  /// `hookwire/1`, with the given certificate (none by default).
  func clientConfiguration(certificate: TestCertificateAuthority.Issued? = nil) -> TLSClientConfiguration {
    Self.clientConfiguration(authorityFile: authorityFile, certificate: certificate)
  }

  /// A client configuration trusting only `authorityFile`, offering ALPN `hookwire/1`.
  static func clientConfiguration(authorityFile: String, certificate: TestCertificateAuthority.Issued? = nil) -> TLSClientConfiguration {
    var configuration = TLSClientConfiguration()
    configuration.trustsSystemStore = false
    configuration.additionalCAFiles = [authorityFile]
    configuration.applicationProtocols = ["hookwire/1"]
    configuration.certificateChainFile = certificate?.certificateFile
    configuration.privateKeyFile = certificate?.keyFile
    return configuration
  }

  /// Deletes the temporary directory, if the run made one.
  func remove() { temporary?.remove() }
}
