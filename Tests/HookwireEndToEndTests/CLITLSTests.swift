import Foundation
import HookwireTestSupport
import Testing

/// The `hookwire` CLI against `hookwire-server` serving TLS (and mutual
/// TLS), both real binaries over loopback: what works, and for each way it
/// can go wrong, a hint that names the cause and the flag that fixes it.
///
/// The server's certificate names `localhost` only (no IP address), so
/// `--server localhost:PORT` verifies and `--server 127.0.0.1:PORT` is a
/// hostname mismatch.
@Suite("CLI over TLS", .serialized)
struct CLITLSTests {
  /// A CA, a server certificate for `localhost`, a client certificate from
  /// the same CA and one from a CA the server does not trust.
  struct Files {
    let directory: TemporaryDirectory
    let authority: TestCertificateAuthority
    let server: TestCertificateAuthority.Issued
    let client: TestCertificateAuthority.Issued
    let stranger: TestCertificateAuthority.Issued

    init() throws {
      directory = try TemporaryDirectory(prefix: "hookwire-cli-tls")
      authority = try TestCertificateAuthority(directory: directory.path)
      server = try authority.issue(names: ["localhost"], ipAddresses: [])
      client = try authority.issueClient(commonName: "operator")
      stranger = try TestCertificateAuthority(directory: directory.path, name: "Other CA").issueClient(commonName: "stranger")
    }

    /// `hookwire-server`'s flags to serve TLS with `server`.
    var serverTLS: [String] { ["--tls-cert", server.certificateFile, "--tls-key", server.keyFile] }
  }

  @Test("--tls --ca-file reaches a TLS server by a name its certificate lists; without --ca-file the certificate is not trusted")
  func tlsTrust() async throws {
    let files = try Files()
    defer { files.directory.remove() }
    try await withServer(arguments: files.serverTLS) { server in
      let address = "localhost:\(server.port)"
      let trusted = try await runCLI(["--tls", "--ca-file", files.authority.certificateFile, "--server", address, "health"])
      #expect(trusted.status == 0, "stderr: \(trusted.stderr)")
      #expect(trusted.stdout == "SERVING\n")
      // --ca-file alone implies --tls.
      let implied = try await runCLI(["--ca-file=\(files.authority.certificateFile)", "--server", address, "health"])
      #expect(implied.status == 0, "stderr: \(implied.stderr)")

      let untrusted = try await runCLI(["--tls", "--server", address, "health"])
      #expect(untrusted.status == 24, "stderr: \(untrusted.stderr)")
      #expect(untrusted.stderr.contains("the server's certificate is not trusted"), "stderr: \(untrusted.stderr)")
      #expect(untrusted.stderr.contains("pass --ca-file"), "stderr: \(untrusted.stderr)")
      #expect(!untrusted.stderr.contains("is hookwire-server running"), "stderr: \(untrusted.stderr)")
    }
  }

  @Test("a certificate that does not name the --server host is a hostname mismatch, named as such")
  func hostnameMismatch() async throws {
    let files = try Files()
    defer { files.directory.remove() }
    try await withServer(arguments: files.serverTLS) { server in
      let result = try await runCLI(["--tls", "--ca-file", files.authority.certificateFile, "--server", "127.0.0.1:\(server.port)", "health"])
      #expect(result.status == 24, "stderr: \(result.stderr)")
      #expect(result.stderr.contains("the server's certificate does not name '127.0.0.1'"), "stderr: \(result.stderr)")
    }
  }

  @Test("a plaintext client at a TLS port is told to add --tls; a TLS client at a plaintext port is told to drop it")
  func mismatchedSecurity() async throws {
    let files = try Files()
    defer { files.directory.remove() }
    try await withServer(arguments: files.serverTLS) { server in
      let plaintext = try await runCLI(["--server", "localhost:\(server.port)", "health"])
      #expect(plaintext.status == 24, "stderr: \(plaintext.stderr)")
      #expect(plaintext.stderr.contains("the server expects TLS: add --tls"), "stderr: \(plaintext.stderr)")
    }
    try await withServer { server in
      let tls = try await runCLI(["--tls", "--ca-file", files.authority.certificateFile, "--server", "localhost:\(server.port)", "health"])
      #expect(tls.status == 24, "stderr: \(tls.stderr)")
      #expect(tls.stderr.contains("the server does not speak TLS on this port: drop --tls"), "stderr: \(tls.stderr)")
    }
  }

  @Test("a server that requires a client certificate: none given is named with --cert and --key; the CA's succeeds; a stranger's is rejected")
  func mutualTLS() async throws {
    let files = try Files()
    defer { files.directory.remove() }
    try await withServer(arguments: files.serverTLS + ["--tls-client-ca", files.authority.certificateFile]) { server in
      let base = ["--tls", "--ca-file", files.authority.certificateFile, "--server", "localhost:\(server.port)"]
      let anonymous = try await runCLI(base + ["health"])
      #expect(anonymous.status == 24, "stderr: \(anonymous.stderr)")
      #expect(anonymous.stderr.contains("the server requires a client certificate: pass --cert and --key"), "stderr: \(anonymous.stderr)")

      let known = try await runCLI(base + ["--cert", files.client.certificateFile, "--key", files.client.keyFile, "health"])
      #expect(known.status == 0, "stderr: \(known.stderr)")
      #expect(known.stdout == "SERVING\n")

      let stranger = try await runCLI(base + ["--cert", files.stranger.certificateFile, "--key", files.stranger.keyFile, "health"])
      #expect(stranger.status == 24, "stderr: \(stranger.stderr)")
      #expect(stranger.stderr.contains("the server rejected the client certificate"), "stderr: \(stranger.stderr)")
    }
  }

  @Test("a client certificate registered as a service identity authenticates without a key, and whoami says so")
  func certificateIdentity() async throws {
    let files = try Files()
    defer { files.directory.remove() }
    let data = URL(fileURLWithPath: files.directory.file("data"))
    let id = try await runAdmin(["create-service-identity", "--name", "billing", "--subject", "CN=operator"], dataDirectory: data)
    try await withServer(arguments: files.serverTLS + ["--tls-client-ca", files.authority.certificateFile], dataDirectory: data) { server in
      let base = [
        "--ca-file", files.authority.certificateFile, "--server", "localhost:\(server.port)", "--cert", files.client.certificateFile, "--key",
        files.client.keyFile,
      ]
      let text = try await runCLI(base + ["whoami"])
      #expect(text.status == 0, "stderr: \(text.stderr)")
      #expect(text.stdout == "service billing (client certificate, identity \(id): subject CN=operator)\n", "\(text.stdout)")
      let json = try await runCLI(base + ["--json", "whoami"])
      #expect(json.stdout.contains("CLIENT_CERTIFICATE") && json.stdout.contains("\"subject\":\"CN=operator\""), "\(json.stdout)")
      let stranger = try await runCLI(base.dropLast(4) + ["--cert", files.stranger.certificateFile, "--key", files.stranger.keyFile, "whoami"])
      #expect(stranger.status == 24, "stderr: \(stranger.stderr)")
    }
  }

  @Test("the variables do what the flags do: HOOKWIRE_CA_FILE implies TLS, HOOKWIRE_CERT/KEY answer mutual TLS, HOOKWIRE_TLS=0 turns TLS off")
  func environment() async throws {
    let files = try Files()
    defer { files.directory.remove() }
    try await withServer(arguments: files.serverTLS + ["--tls-client-ca", files.authority.certificateFile]) { server in
      let address = "localhost:\(server.port)"
      let variables = [
        "HOOKWIRE_SERVER": address, "HOOKWIRE_CA_FILE": files.authority.certificateFile, "HOOKWIRE_CERT": files.client.certificateFile,
        "HOOKWIRE_KEY": files.client.keyFile,
      ]
      let implied = try await runProcess("hookwire", ["health"], environment: variables)
      #expect(implied.status == 0, "stderr: \(implied.stderr)")
      let explicit = try await runProcess("hookwire", ["health"], environment: variables.merging(["HOOKWIRE_TLS": "true"]) { $1 })
      #expect(explicit.status == 0, "stderr: \(explicit.stderr)")
      let off = try await runProcess("hookwire", ["health"], environment: variables.merging(["HOOKWIRE_TLS": "0"]) { $1 })
      #expect(off.status == 24, "stderr: \(off.stderr)")
      #expect(off.stderr.contains("the server expects TLS"), "stderr: \(off.stderr)")
      // A flag beats the variable.
      let flag = try await runProcess("hookwire", ["--tls", "health"], environment: variables.merging(["HOOKWIRE_TLS": "no"]) { $1 })
      #expect(flag.status == 0, "stderr: \(flag.stderr)")
    }
  }
}
