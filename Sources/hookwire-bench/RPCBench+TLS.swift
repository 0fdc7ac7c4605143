import Foundation
import HookwirePosix
import HookwireServer
import HookwireTCP
import HookwireTLS

/// The TLS side of `rpc` and `rpc-server`: which modes a run measures, the
/// child server's TLS configuration and its answers on standard input.
extension RPCBench {
  /// The modes `--tls off|on|both` asks for, plaintext first.
  static func tlsModes(_ options: BenchOptions) -> [Bool] {
    switch options.string("tls") ?? "off" {
    case "on": [true]
    case "both": [false, true]
    default: [false]
    }
  }

  /// The server's TLS configuration from `--tls-cert`, `--tls-key`,
  /// `--tls-client-ca` and `--tls-client-certs`; nil serves plaintext.
  static func tlsConfiguration(_ options: BenchOptions) -> TLSServerConfiguration? {
    guard let certificate = options.string("tls-cert"), let key = options.string("tls-key") else { return nil }
    var configuration = TLSServerConfiguration(certificateChainFile: certificate, privateKeyFile: key)
    configuration.clientCAFile = options.string("tls-client-ca")
    switch options.string("tls-client-certs") {
    case "optional": configuration.clientCertificates = .optional
    case "required": configuration.clientCertificates = .required
    default: configuration.clientCertificates = configuration.clientCAFile == nil ? .none : .optional
    }
    return configuration
  }

  /// Keeps the child server running. With `--control stdin` it answers each
  /// `stats` line with `stats failed_handshakes=N open_connections=N`, and
  /// each `trim` line the same once it has given its free memory back to
  /// the kernel; it exits when its standard input ends (the parent has gone).
  static func keepServing(_ server: RPCServer, _ options: BenchOptions) -> Never {
    guard options.string("control") == "stdin" else {
      while true { sleep(60) }
    }
    while let line = readLine() {
      guard line == "stats" || line == "trim" else { continue }
      if line == "trim" { MemoryTuning.returnFreeMemory() }
      print("stats failed_handshakes=\(server.failedHandshakes) open_connections=\(server.openConnections)")
      fflush(nil)
    }
    exit(0)
  }
}
