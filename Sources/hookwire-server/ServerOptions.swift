import HookwireCommandLine
import HookwireDelivery
import HookwirePosix
import HookwireServer
import HookwireTLS

#if canImport(Glibc)
import Glibc
#endif

/// The command line of `hookwire-server`.
struct ServerOptions {
  var host = "127.0.0.1"
  var port = 7700
  var loops: Int?
  var database = DatabaseLocation.standard
  var secretKeyFile: String?
  var nodeName: String?
  var deliveryLeaseSeconds = 30
  var demo = false
  var allowHTTPTargets = false
  var keyCacheSeconds = 5
  var allowPrivateTargets: [TargetGuard.CIDR] = []
  var deliveryTimeoutSeconds = 15
  var deliveryCAFile: String?
  var dnsCacheSeconds = 30
  var retryDelaysMilliseconds: [Int]?
  var retentionDays = 30
  var disableAfterHours = 120
  var tls: TLSServerConfiguration?
  var tlsHandshakeTimeoutSeconds = 10
  /// Where `GET /metrics` is served; nil serves no metrics (the default).
  var metricsListen: (host: String, port: Int)?
  var logFormat = LogFormat.text
  var logLevel = LogLevel.info
  var help = false

  /// This build's version, as `hookwire_build_info` reports it: the same
  /// as `hookwire --version` prints (a test holds the two equal).
  static let version = "0.9.0"

  static let usage = """
    usage: hookwire-server [--listen HOST:PORT] [--loops N] [--database URL] [--demo] [--allow-http-targets]
           hookwire-server admin <command> [--database URL] …   (hookwire-server admin --help)

      --listen HOST:PORT  address to listen on (default 127.0.0.1:7700, env HOOKWIRE_LISTEN);
                          HOST is numeric, e.g. 127.0.0.1 or [::1]
      --loops N           event-loop threads, 1…256 (default: one per core)
      --database URL      sqlite:DIR (default sqlite:./hookwire-data) or postgres://user@host:port/db?…
                          (env HOOKWIRE_DATABASE); any number of servers may share one PostgreSQL database
      --data-dir DIR      the same as --database sqlite:DIR
      --secret-key-file PATH  the key that seals webhook secrets (env HOOKWIRE_SECRET_KEY_FILE; created if
                          missing); required with PostgreSQL, where every server needs a copy of the same
                          file (default with SQLite: DIR/secret.key)
      --node-name NAME    this server's name in delivery leases (PostgreSQL; default host-pid-random)
      --delivery-lease S  seconds a server holds the deliveries it claimed before another server may
                          take them, 2…3600 (PostgreSQL; default 30): a server that dies is covered after this
      --demo              on first start, create demo business units, programmes and
                          partners, and print their API keys once
      --allow-http-targets  accept plain http:// payload URLs (development only)
      --key-cache-ttl S   seconds an authenticated API key is remembered, 0…3600 (default 5; 0 = off);
                          a revoked key stops working within this time
      --allow-private-targets CIDR,…  deliver to these otherwise refused ranges (e.g. 127.0.0.0/8)
      --delivery-timeout S  seconds per delivery attempt, 1…300 (default 15)
      --delivery-ca-file PATH  also trust the CA certificates in this PEM file for https payload URLs
                          (beside the system's store; for private CAs and tests)
      --dns-cache-ttl S   seconds a payload URL's resolved addresses are reused, 0…3600 (default 30)
      --retry-delays MS,…   delays before each attempt in milliseconds (default Svix's:
                          0,5000,300000,1800000,7200000,18000000,36000000,36000000);
                          1…\(maxRetryDelays) delays of at most \(maxRetryDelayMilliseconds) (30 days)
      --retention-days N  prune finished deliveries and events older than N days, 1…3650 (default 30)
      --disable-after-hours N  disable a webhook failing without a success for N hours, 1…87600 (default 120)
      --tls-cert PATH     serve TLS (1.2/1.3, ALPN hookwire/1) with this PEM certificate chain
      --tls-key PATH      the PEM private key of --tls-cert (both or neither)
      --tls-client-ca PATH  require client certificates signed by a CA in this PEM file (mutual TLS)
      --tls-client-ca-optional  with --tls-client-ca: ask for a client certificate, accept clients without one
      --tls-handshake-timeout S  seconds a TLS handshake may take, 1…300 (default 10)
                          SIGHUP reads the certificate, key and CA files again (new connections use them)
      --metrics-listen HOST:PORT  serve Prometheus metrics at http://HOST:PORT/metrics (default off,
                          env HOOKWIRE_METRICS_LISTEN); plain HTTP on a loop of its own, so keep it private
      --log-format text|json  log lines on standard error as text (TIME LEVEL message key=value …) or one
                          JSON object per line (default text, env HOOKWIRE_LOG_FORMAT)
      --log-level LEVEL   the least level logged: debug (also one line per call), info, warning or error
                          (default info, env HOOKWIRE_LOG_LEVEL)
      -h, --help          show this help

    Unknown options and bad values are refused with exit status 2.
    """

  static let maxRetryDelays = 64
  static let maxRetryDelayMilliseconds = 2_592_000_000

  static let valueFlags: Set<String> = [
    "listen", "loops", "data-dir", "database", "secret-key-file", "node-name", "delivery-lease", "key-cache-ttl", "allow-private-targets", "delivery-timeout", "retry-delays", "retention-days",
    "disable-after-hours", "delivery-ca-file", "dns-cache-ttl", "tls-cert", "tls-key", "tls-client-ca", "tls-handshake-timeout",
    "metrics-listen", "log-format", "log-level",
  ]

  static func parse(_ arguments: [String], environment: [String: String]) throws(UsageError) -> ServerOptions {
    var options = ServerOptions()
    if let listen = environment["HOOKWIRE_LISTEN"] { try options.setListen(listen, source: "HOOKWIRE_LISTEN") }
    let parsed = try CommandArguments(arguments, command: "hookwire-server", values: valueFlags, switches: ["demo", "allow-http-targets", "tls-client-ca-optional"])
    options.help = parsed.help
    if let listen = parsed.string("listen") { try options.setListen(listen, source: "--listen") }
    if let listen = parsed.string("metrics-listen") ?? environment["HOOKWIRE_METRICS_LISTEN"].flatMap({ $0.isEmpty ? nil : $0 }) {
      options.metricsListen = try address(listen, source: parsed.string("metrics-listen") != nil ? "--metrics-listen" : "HOOKWIRE_METRICS_LISTEN")
    }
    options.loops = try parsed.integer("loops", in: 1...256)
    options.database = try DatabaseLocation.chosen(parsed, environment: environment)
    if let file = parsed.string("secret-key-file") ?? environment["HOOKWIRE_SECRET_KEY_FILE"].flatMap({ $0.isEmpty ? nil : $0 }) {
      guard !file.isEmpty else { throw UsageError("option '--secret-key-file' needs a file") }
      options.secretKeyFile = file
    }
    if let name = parsed.string("node-name") {
      guard (1...64).contains(name.utf8.count), name.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
        throw UsageError("option '--node-name' takes 1…64 printable ASCII characters without spaces, not '\(name)'")
      }
      options.nodeName = name
    }
    options.deliveryLeaseSeconds = try parsed.integer("delivery-lease", in: 2...3_600) ?? options.deliveryLeaseSeconds
    if case .sqlite = options.database, parsed.string("node-name") != nil || parsed.string("delivery-lease") != nil {
      throw UsageError("options '--node-name' and '--delivery-lease' are for a PostgreSQL --database")
    }
    options.demo = parsed.has("demo")
    options.allowHTTPTargets = parsed.has("allow-http-targets")
    if let text = parsed.string("allow-private-targets") { options.allowPrivateTargets = try cidrs(text) }
    options.deliveryTimeoutSeconds = try parsed.integer("delivery-timeout", in: 1...300) ?? options.deliveryTimeoutSeconds
    if let file = parsed.string("delivery-ca-file") {
      guard !file.isEmpty else { throw UsageError("option '--delivery-ca-file' needs a file") }
      options.deliveryCAFile = file
    }
    options.dnsCacheSeconds = try parsed.integer("dns-cache-ttl", in: 0...3_600) ?? options.dnsCacheSeconds
    options.retentionDays = try parsed.integer("retention-days", in: 1...3_650) ?? options.retentionDays
    options.disableAfterHours = try parsed.integer("disable-after-hours", in: 1...87_600) ?? options.disableAfterHours
    options.keyCacheSeconds = try parsed.integer("key-cache-ttl", in: 0...3_600) ?? options.keyCacheSeconds
    if let text = parsed.string("retry-delays") { options.retryDelaysMilliseconds = try retryDelays(text) }
    options.tls = try tls(parsed)
    options.tlsHandshakeTimeoutSeconds = try parsed.integer("tls-handshake-timeout", in: 1...300) ?? options.tlsHandshakeTimeoutSeconds
    try options.setLog(parsed, environment: environment)
    return options
  }

  /// `--log-format` and `--log-level`, or their variables when the flags
  /// are not given; a bad value names the flag or the variable.
  mutating func setLog(_ parsed: CommandArguments, environment: [String: String]) throws(UsageError) {
    let formats = LogFormat.allCases.map(\.rawValue)
    let levels = LogLevel.allCases.map(\.description)
    func fromEnvironment(_ name: String, _ choices: [String]) throws(UsageError) -> String? {
      guard let text = environment[name], !text.isEmpty else { return nil }
      guard choices.contains(text.lowercased()) else { throw UsageError("\(name) takes \(choices.joined(separator: ", ")), not '\(text)'") }
      return text.lowercased()
    }
    // The variables are checked even when a flag overrides them: a bad one is a mistake either way.
    let formatVariable = try fromEnvironment("HOOKWIRE_LOG_FORMAT", formats)
    let levelVariable = try fromEnvironment("HOOKWIRE_LOG_LEVEL", levels)
    if let format = try parsed.choice("log-format", formats) ?? formatVariable { logFormat = LogFormat(rawValue: format) ?? logFormat }
    if let level = try parsed.choice("log-level", levels) ?? levelVariable { logLevel = LogLevel(name: level) ?? logLevel }
  }

  /// The TLS flags as a server configuration, nil for plaintext. The files
  /// are read when the server starts (and on SIGHUP), where a bad one is
  /// reported with its reason.
  static func tls(_ parsed: CommandArguments) throws(UsageError) -> TLSServerConfiguration? {
    func file(_ name: String) throws(UsageError) -> String? {
      guard let path = parsed.string(name) else { return nil }
      guard !path.isEmpty else { throw UsageError("option '--\(name)' needs a file") }
      return path
    }
    let certificate = try file("tls-cert")
    let key = try file("tls-key")
    let clientCA = try file("tls-client-ca")
    let optional = parsed.has("tls-client-ca-optional")
    guard let certificate, let key else {
      if certificate != nil { throw UsageError("option '--tls-cert' needs '--tls-key' with the certificate's private key") }
      if key != nil { throw UsageError("option '--tls-key' needs '--tls-cert' with the certificate chain") }
      if clientCA != nil { throw UsageError("option '--tls-client-ca' needs '--tls-cert' and '--tls-key': mutual TLS is TLS first") }
      if optional { throw UsageError("option '--tls-client-ca-optional' needs '--tls-client-ca'") }
      if parsed.string("tls-handshake-timeout") != nil { throw UsageError("option '--tls-handshake-timeout' needs '--tls-cert' and '--tls-key'") }
      return nil
    }
    if optional && clientCA == nil { throw UsageError("option '--tls-client-ca-optional' needs '--tls-client-ca'") }
    var configuration = TLSServerConfiguration(certificateChainFile: certificate, privateKeyFile: key)
    configuration.clientCAFile = clientCA
    configuration.clientCertificates = clientCA == nil ? .none : optional ? .optional : .required
    return configuration
  }

  /// `127.0.0.0/8,::1/128`: every entry a numeric address with an optional
  /// prefix length, none empty.
  static func cidrs(_ text: String) throws(UsageError) -> [TargetGuard.CIDR] {
    var result: [TargetGuard.CIDR] = []
    for raw in text.split(separator: ",", omittingEmptySubsequences: false) {
      let entry = raw.trimmingCharacters(in: .whitespaces)
      guard !entry.isEmpty else {
        throw UsageError("option '--allow-private-targets' has an empty entry in '\(text)'; it takes CIDRs such as 127.0.0.0/8,::1/128")
      }
      let parts = entry.split(separator: "/", maxSplits: 1, omittingEmptySubsequences: false)
      let address = String(parts[0])
      let lengthIsDigits = parts.count == 1 || (!parts[1].isEmpty && parts[1].count <= 3 && parts[1].allSatisfy(\.isASCII) && parts[1].allSatisfy(\.isNumber))
      guard isNumericAddress(address), lengthIsDigits, let cidr = TargetGuard.CIDR(entry) else {
        throw UsageError("option '--allow-private-targets' takes CIDRs such as 127.0.0.0/8,::1/128, not '\(entry)'")
      }
      result.append(cidr)
    }
    return result
  }

  /// `0,5000,300000`: whole milliseconds, none empty, bounded.
  static func retryDelays(_ text: String) throws(UsageError) -> [Int] {
    let entries = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
    let delays = entries.compactMap { Int($0) }.filter { (0...maxRetryDelayMilliseconds).contains($0) }
    guard delays.count == entries.count, (1...maxRetryDelays).contains(delays.count) else {
      throw UsageError(
        "option '--retry-delays' takes 1…\(maxRetryDelays) delays in milliseconds (each 0…\(maxRetryDelayMilliseconds)) such as 0,1000,60000, not '\(text)'")
    }
    return delays
  }

  /// Whether `text` is a numeric IPv4 or IPv6 address (no names, no zones).
  static func isNumericAddress(_ text: String) -> Bool {
    var v4 = in_addr()
    var v6 = in6_addr()
    return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
  }

  /// `HOST:PORT` with a numeric host; IPv6 in brackets.
  mutating func setListen(_ text: String, source: String) throws(UsageError) {
    (host, port) = try Self.address(text, source: source)
  }

  /// `HOST:PORT` with a numeric host (IPv6 in brackets) as the host without brackets and the port.
  static func address(_ text: String, source: String) throws(UsageError) -> (host: String, port: Int) {
    let problem = source.hasPrefix("--") ? "option '\(source)'" : source
    guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else {
      throw UsageError("\(problem) takes HOST:PORT with a port 0…65535, not '\(text)'")
    }
    var host = String(text[..<colon])
    let bracketed = host.hasPrefix("[") && host.hasSuffix("]")
    if bracketed { host = String(host.dropFirst().dropLast()) }
    guard !host.isEmpty, isNumericAddress(host), bracketed == host.contains(":") else {
      throw UsageError("\(problem) takes a numeric host such as 127.0.0.1 or [::1], not '\(text)'")
    }
    return (host, port)
  }
}
