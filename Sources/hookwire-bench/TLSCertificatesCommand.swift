import Foundation

/// `hookwire-bench tls-certs --dir DIR`: writes the bench's CA, server and
/// client certificates into an existing directory and prints their paths,
/// for running `rpc-server` by hand and pointing `openssl s_client` at it.
enum TLSCertificatesCommand {
  static func run(_ options: BenchOptions) {
    guard let folder = options.string("dir") else { return print("tls-certs error=needs_dir") }
    do {
      let made = try BenchCertificates(folder: folder)
      print("tls-certs ca_file=\(made.authorityFile) cert_file=\(made.server.certificateFile) key_file=\(made.server.keyFile)"
        + " client_cert_file=\(made.client.certificateFile) client_key_file=\(made.client.keyFile)")
    } catch {
      print("tls-certs error=\"\(error)\"")
    }
  }
}
