import Foundation
import HookwireClient
import HookwireCommandLine
import HookwireTestSupport
import Testing

@testable import hookwire

#if canImport(Glibc)
import Glibc
#endif

/// How the `hookwire` CLI reaches a plaintext server by name, what it says
/// when it cannot (the hint follows the cause), and how it checks its TLS
/// flags and variables before it connects anywhere.
@Suite("CLI connections", .serialized)
struct CLIConnectionTests {
  @Test("--server localhost:PORT reaches a server listening on 127.0.0.1: the name is resolved, not refused")
  func localhostReachesServer() async throws {
    try await withServer { server in
      let result = try await runCLI(["health", "--server", "localhost:\(server.port)"])
      #expect(result.status == 0, "stderr: \(result.stderr)")
      #expect(result.stdout == "SERVING\n")
      let environment = try await runProcess("hookwire", ["health"], environment: ["HOOKWIRE_SERVER": "localhost:\(server.port)"])
      #expect(environment.status == 0, "stderr: \(environment.stderr)")
    }
  }

  @Test("a host name that does not resolve ends in UNAVAILABLE (24) saying the host cannot be resolved, not that the server is down")
  func unresolvableName() async throws {
    let result = try await runCLI(["health", "--server", "nosuch.invalid:7700", "--timeout", "5s"])
    #expect(result.status == 24, "stderr: \(result.stderr)")
    #expect(result.stderr.contains("cannot resolve host 'nosuch.invalid'"), "stderr: \(result.stderr)")
    #expect(!result.stderr.contains("is hookwire-server running"), "stderr: \(result.stderr)")
  }

  @Test("a port nothing listens on ends in UNAVAILABLE (24) naming the refusal and the address, and asking whether the server runs")
  func refusedConnection() async throws {
    let port = try Self.closedPort()
    let result = try await runCLI(["health", "--server", "127.0.0.1:\(port)"])
    #expect(result.status == 24, "stderr: \(result.stderr)")
    #expect(result.stderr.contains("connection refused by 127.0.0.1:\(port) — is hookwire-server running"), "stderr: \(result.stderr)")
    #expect(!result.stderr.contains("TLS"), "stderr: \(result.stderr)")
  }

  @Test("a key the server does not know ends in UNAUTHENTICATED (26) with a hint about the key, not one to pass a key; no key gets that one")
  func unknownKeyHint() async throws {
    try await withServer { server in
      let unknown = try await runCLI(["whoami", "--server", "127.0.0.1:\(server.port)", "--api-key", "hwk_abcd2345_notakeyofthisserver"])
      #expect(unknown.status == 26, "stderr: \(unknown.stderr)")
      #expect(unknown.stderr.contains("use a key this server made"), "stderr: \(unknown.stderr)")
      #expect(!unknown.stderr.contains("pass an API key"), "stderr: \(unknown.stderr)")
      #expect(!unknown.stderr.contains("notakeyofthisserver"), "the key is never echoed; stderr: \(unknown.stderr)")
      let none = try await runCLI(["whoami", "--server", "127.0.0.1:\(server.port)"])
      #expect(none.status == 26, "stderr: \(none.stderr)")
      #expect(none.stderr.contains("pass an API key with --api-key or HOOKWIRE_API_KEY"), "stderr: \(none.stderr)")
    }
  }

  /// One refused invocation: arguments, environment, and what the first
  /// line of standard error must name.
  struct Refused: CustomTestStringConvertible, Sendable {
    var arguments: [String]
    var environment: [String: String] = [:]
    var names: [String]
    var testDescription: String {
      (environment.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" } + arguments).joined(separator: " ")
    }
  }

  /// Cases over files in the test's directory: `ca.pem`, `client.pem` and
  /// `client-key.pem` exist, `missing.pem` does not, `dir` is a directory.
  static let refusedSecurity: [Refused] = [
    Refused(arguments: ["--ca-file", "$/missing.pem"], names: ["--ca-file", "missing.pem", "no such file"]),
    Refused(arguments: ["--ca-file=$/dir"], names: ["--ca-file", "dir", "not a regular file"]),
    Refused(arguments: ["--cert", "$/client.pem"], names: ["--cert", "--key"]),
    Refused(arguments: ["--key", "$/client-key.pem"], names: ["--key", "--cert"]),
    Refused(arguments: ["--cert", "$/client.pem", "--key", "$/missing.pem"], names: ["--key", "missing.pem"]),
    Refused(arguments: ["--ca-file", "$/ca.pem", "--ca-file", "$/ca.pem"], names: ["--ca-file", "more than once"]),
    // A certificate file used as the key: readable, but no private key in it.
    Refused(arguments: ["--cert", "$/client.pem", "--key", "$/client.pem"], names: ["--key", "client.pem", "private key"]),
    Refused(arguments: [], environment: ["HOOKWIRE_TLS": "maybe"], names: ["HOOKWIRE_TLS", "maybe"]),
    Refused(arguments: ["--tls"], environment: ["HOOKWIRE_TLS": "on"], names: ["HOOKWIRE_TLS", "on"]),
    Refused(arguments: [], environment: ["HOOKWIRE_CA_FILE": "$/missing.pem"], names: ["HOOKWIRE_CA_FILE", "missing.pem"]),
    Refused(arguments: [], environment: ["HOOKWIRE_CERT": "$/client.pem"], names: ["HOOKWIRE_CERT", "--key"]),
    Refused(arguments: ["--key", "$/client-key.pem"], environment: ["HOOKWIRE_TLS": "1"], names: ["--key", "--cert"]),
    Refused(arguments: [], environment: ["HOOKWIRE_TLS": "yes", "HOOKWIRE_KEY": "$/dir"], names: ["HOOKWIRE_KEY", "not a regular file"]),
  ]

  @Test("hookwire refuses TLS flags and variables that cannot work with exit status 2, naming the flag or variable (and the file)",
    arguments: refusedSecurity)
  func refusesSecurity(_ case: Refused) async throws {
    let directory = try TemporaryDirectory(prefix: "hookwire-cli-tls")
    defer { directory.remove() }
    let authority = try TestCertificateAuthority(directory: directory.path)
    let client = try authority.issueClient(commonName: "operator")
    try FileManager.default.copyItem(atPath: authority.certificateFile, toPath: directory.file("ca.pem"))
    try FileManager.default.copyItem(atPath: client.certificateFile, toPath: directory.file("client.pem"))
    try FileManager.default.copyItem(atPath: client.keyFile, toPath: directory.file("client-key.pem"))
    try FileManager.default.createDirectory(atPath: directory.file("dir"), withIntermediateDirectories: false)
    func expand(_ text: String) -> String { text.replacingOccurrences(of: "$/", with: directory.path + "/") }
    // Port 1 on loopback: a setting that slipped through would end in UNAVAILABLE (24), not in 2.
    let result = try await runProcess(
      "hookwire", `case`.arguments.map(expand) + ["--server", "127.0.0.1:1", "health"], environment: `case`.environment.mapValues(expand))
    #expect(result.status == 2, "stderr: \(result.stderr)")
    #expect(result.firstErrorLine.contains("error:"), "stderr: \(result.stderr)")
    for name in `case`.names { #expect(result.firstErrorLine.contains(name), "stderr: \(result.stderr)") }
  }

  @Test("a command that calls no server is not stopped by a bad HOOKWIRE_TLS or HOOKWIRE_SERVER: they are checked when a client is made")
  func variablesCheckedOnlyForCalls() async throws {
    let result = try await runProcess(
      "hookwire", ["verify", "--secret", "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "--body", "{}", "--id", "msg_1", "--timestamp", "1", "--signature", "v1,x"],
      environment: ["HOOKWIRE_TLS": "maybe", "HOOKWIRE_SERVER": "no server"])
    // 1 and "invalid": verify ran (the signature is wrong), it was not refused as a usage error (2).
    #expect(result.status == 1, "stderr: \(result.stderr)")
    #expect(result.stdout.hasPrefix("invalid"), "stdout: \(result.stdout)")
  }

  @Test("hookwire --help lists the TLS flags and their variables")
  func helpListsTLSFlags() async throws {
    let result = try await runCLI(["--help"])
    #expect(result.status == 0)
    for text in ["--tls", "--ca-file PATH", "--cert PATH", "--key PATH", "HOOKWIRE_TLS", "HOOKWIRE_CA_FILE", "HOOKWIRE_CERT", "HOOKWIRE_KEY"] {
      #expect(result.stdout.contains(text), "help lacks \(text)")
    }
  }

  @Test("--server takes host names, IPv4 addresses and bracketed IPv6 addresses with a port", arguments: [
    ("localhost:7700", "localhost", 7700), ("hookwire.example.com:443", "hookwire.example.com", 443), ("example.com.:1", "example.com.", 1),
    ("xn--bcher-kva.example:65535", "xn--bcher-kva.example", 65_535), ("10.0.0.7:7700", "10.0.0.7", 7700), ("[::1]:7700", "::1", 7700),
    ("[2001:db8::5]:8443", "2001:db8::5", 8443), ("a-b.c1:80", "a-b.c1", 80),
  ])
  func acceptedAddresses(_ text: String, _ host: String, _ port: Int) throws {
    let address = try ServerAddress(text, source: "option '--server'")
    #expect(address.host == host)
    #expect(address.port == port)
  }

  @Test("HOOKWIRE_TLS reads 1/true/yes and 0/false/no in any case", arguments: [
    ("1", true), ("true", true), ("YES", true), ("0", false), ("False", false), ("no", false),
  ])
  func tlsVariable(_ text: String, _ expected: Bool) throws {
    #expect(try SecurityOptions.boolean(text, name: "HOOKWIRE_TLS") == expected)
    #expect(try SecurityOptions(environment: ["HOOKWIRE_TLS": text]).usesTLS() == expected)
  }

  @Test("causes no end-to-end test provokes still get their own hint; an unknown UNAVAILABLE gets none of them", arguments: [
    ("cannot reach h:1: timed out connecting to 127.0.0.1:1", ConnectionFailure?.some(.timedOut)),
    ("cannot reach h:1: TLS: certificate has expired (h)", .certificateOutOfDate),
    ("cannot reach h:1: TLS: certificate is not yet valid (h)", .certificateOutOfDate),
    ("cannot reach h:1: TLS: the peer rejected the client certificate (tlsv1 alert unknown ca)", .clientCertificateRejected),
    ("the connection closed", nil),
  ])
  func unreachableCauses(_ message: String, _ expected: ConnectionFailure?) {
    #expect(ConnectionFailure(RPCError(code: .unavailable, message: message)) == expected)
    #expect(ConnectionFailure(RPCError(code: .internal, message: message)) == nil)
  }

  /// A loopback port that was just bound and closed: nothing listens there.
  static func closedPort() throws -> Int {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) { pointer in
      pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { generic in
        bind(socket, generic, length) == 0 && getsockname(socket, generic, &length) == 0
      }
    }
    guard bound else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
    return Int(UInt16(bigEndian: address.sin_port))
  }
}
