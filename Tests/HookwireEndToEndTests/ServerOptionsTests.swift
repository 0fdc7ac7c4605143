import HookwireDelivery
import HookwireCommandLine
import HookwireServer
import HookwireTLS
import Testing

@testable import hookwire_server

/// `hookwire-server`'s option parser on its own: what each flag accepts,
/// and that every refusal names the flag.
@Suite("Server options")
struct ServerOptionsTests {
  @Test("every option of hookwire-server is checked, and each refusal names its flag", arguments: [
    (["--allow-private-targets", " , "], "--allow-private-targets"),
    (["--allow-private-targets", "10.0.0.0/8,,::1"], "--allow-private-targets"),
    (["--allow-private-targets", "fe80::1%eth0"], "--allow-private-targets"),
    (["--allow-private-targets", "::/129"], "--allow-private-targets"),
    (["--allow-private-targets", "10.0.0.0/+8"], "--allow-private-targets"),
    (["--listen", "[127.0.0.1]:80"], "--listen"),
    (["--listen", "127.0.0.1:-1"], "--listen"),
    (["--retry-delays", ""], "--retry-delays"),
    (["--retry-delays", "-5"], "--retry-delays"),
    (["--key-cache-ttl=-1"], "--key-cache-ttl"),
    (["--loops", "2", "--loops", "3"], "--loops"),
    (["--allow-http-targets=true"], "--allow-http-targets"),
    (["--", "--demo"], "--demo"),
    (["--tls-cert", "server.pem"], "--tls-cert"),
    (["--tls-key", "server-key.pem"], "--tls-key"),
    (["--tls-cert", "", "--tls-key", "k.pem"], "--tls-cert"),
    (["--tls-client-ca", "ca.pem"], "--tls-client-ca"),
    (["--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-client-ca-optional"], "--tls-client-ca-optional"),
    (["--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-handshake-timeout", "0"], "--tls-handshake-timeout"),
    (["--tls-handshake-timeout", "5"], "--tls-handshake-timeout"),
  ])
  func refused(_ arguments: [String], _ flag: String) {
    #expect {
      _ = try ServerOptions.parse(arguments, environment: [:])
    } throws: { error in
      (error as? UsageError)?.description.contains(flag) == true
    }
  }

  @Test("correct options are read as given, in either --flag VALUE or --flag=VALUE form")
  func accepted() throws {
    let options = try ServerOptions.parse(
      [
        "--listen=[::1]:0", "--loops", "2", "--data-dir", "d", "--demo", "--allow-http-targets", "--allow-private-targets", " 127.0.0.0/8 , ::1 ",
        "--retry-delays", "0, 100", "--key-cache-ttl", "0", "--delivery-timeout=300", "--retention-days", "1", "--disable-after-hours", "87600",
      ], environment: ["HOOKWIRE_LISTEN": "127.0.0.1:9"])
    #expect(options.host == "::1" && options.port == 0)
    #expect(options.loops == 2 && options.database == .sqlite(directory: "d") && options.demo && options.allowHTTPTargets)
    #expect(options.allowPrivateTargets == ["127.0.0.0/8", "::1"].compactMap(TargetGuard.CIDR.init))
    #expect(options.retryDelaysMilliseconds == [0, 100])
    #expect(options.keyCacheSeconds == 0 && options.deliveryTimeoutSeconds == 300 && options.retentionDays == 1 && options.disableAfterHours == 87_600)
  }

  @Test("--database takes sqlite:DIR or a postgres:// URL (or HOOKWIRE_DATABASE); --data-dir DIR is sqlite:DIR; bad ones are refused by name")
  func databaseOption() throws {
    #expect(try ServerOptions.parse([], environment: [:]).database == .sqlite(directory: "./hookwire-data"))
    #expect(try ServerOptions.parse(["--database", "sqlite:/tmp/x"], environment: [:]).database == .sqlite(directory: "/tmp/x"))
    let postgres = try ServerOptions.parse(
      ["--database=postgres://hook:pw@db.internal:5433/hookwire", "--secret-key-file", "k", "--node-name", "a1", "--delivery-lease", "5"],
      environment: [:])
    guard case .postgres(let url) = postgres.database else {
      Issue.record("not a PostgreSQL location: \(postgres.database)")
      return
    }
    #expect(url.host == "db.internal" && url.port == 5433 && url.database == "hookwire" && url.user == "hook")
    #expect(!postgres.database.description.contains("pw"))
    #expect(postgres.secretKeyFile == "k" && postgres.nodeName == "a1" && postgres.deliveryLeaseSeconds == 5)
    let fromEnvironment = try ServerOptions.parse([], environment: ["HOOKWIRE_DATABASE": "postgresql://u@h/db", "HOOKWIRE_SECRET_KEY_FILE": "f"])
    #expect(fromEnvironment.secretKeyFile == "f")
    if case .postgres = fromEnvironment.database {} else { Issue.record("HOOKWIRE_DATABASE was not used") }
    for (arguments, fragment) in [
      (["--database", "mysql://h/db"], "sqlite:DIR or postgres://"),
      (["--database", "sqlite:"], "with a directory"),
      (["--database", "postgres://h:99999/db"], "--database"),
      (["--data-dir", "d", "--database", "sqlite:e"], "exclude each other"),
      (["--node-name", "a"], "PostgreSQL"),
      (["--database", "postgres://u@h/db", "--node-name", "has space"], "--node-name"),
      (["--database", "postgres://u@h/db", "--delivery-lease", "1"], "--delivery-lease"),
    ] {
      #expect(throws: UsageError.self, "\(arguments)") { try ServerOptions.parse(arguments, environment: [:]) }
      do {
        _ = try ServerOptions.parse(arguments, environment: [:])
      } catch {
        #expect(error.description.contains(fragment), "\(arguments): \(error.description)")
      }
    }
    // A URL that fails to parse is never echoed with its password.
    do {
      _ = try ServerOptions.parse(["--database", "postgres://u:secretpw@h:notaport/db"], environment: [:])
      Issue.record("a bad port was accepted")
    } catch {
      #expect(!error.description.contains("secretpw"), "\(error.description)")
    }
  }

  @Test("the TLS flags become the server's TLS configuration: certificate, key, client CA required or optional, handshake timeout")
  func tlsFlags() throws {
    let plain = try ServerOptions.parse([], environment: [:])
    #expect(plain.tls == nil)
    let required = try ServerOptions.parse(
      ["--tls-cert", "c.pem", "--tls-key=k.pem", "--tls-client-ca", "ca.pem", "--tls-handshake-timeout", "3"], environment: [:])
    #expect(required.tls?.certificateChainFile == "c.pem" && required.tls?.privateKeyFile == "k.pem")
    #expect(required.tls?.clientCAFile == "ca.pem" && required.tls?.clientCertificates == .required)
    #expect(required.tlsHandshakeTimeoutSeconds == 3)
    let optional = try ServerOptions.parse(
      ["--tls-cert", "c.pem", "--tls-key", "k.pem", "--tls-client-ca", "ca.pem", "--tls-client-ca-optional"], environment: [:])
    #expect(optional.tls?.clientCertificates == .optional)
    let serverOnly = try ServerOptions.parse(["--tls-cert", "c.pem", "--tls-key", "k.pem"], environment: [:])
    #expect(serverOnly.tls?.clientCertificates == ClientCertificatePolicy.none && serverOnly.tls?.clientCAFile == nil)
  }

  @Test("a bad HOOKWIRE_LISTEN is refused, naming the variable")
  func environment() {
    #expect {
      _ = try ServerOptions.parse([], environment: ["HOOKWIRE_LISTEN": "nowhere"])
    } throws: { error in
      (error as? UsageError)?.description.contains("HOOKWIRE_LISTEN") == true
    }
  }
}
