import HookwireCommandLine
import Foundation
import HookwireClient

/// Flags every `hookwire` command accepts.
struct GlobalOptions {
  /// The address when neither `--server` nor `HOOKWIRE_SERVER` gives one.
  static let defaultServer = "127.0.0.1:7700"
  var server = GlobalOptions.defaultServer
  /// Where `server` came from, for messages.
  var serverSource = "option '--server'"
  var apiKey: String?
  var actAs: String?
  var json = false
  var timeout: Duration = .seconds(10)
  var help = false
  /// TLS or plaintext, and the files TLS uses.
  var security: SecurityOptions

  static let help = """
    Global flags:
      --server HOST:PORT   server address: a host name, an IPv4 address or [IPv6], and a port
                           (default 127.0.0.1:7700, env HOOKWIRE_SERVER)
      --api-key KEY        API key sent as `authorization: Bearer KEY` (env HOOKWIRE_API_KEY)
      --act-as ID          a global partner acts as partner ID (its business unit)
      --json               print JSON instead of text
      --timeout DURATION   deadline per call, 1ms to 24h, e.g. 500ms, 5s, 2m (default 10s)
    \(SecurityOptions.help)
      -h, --help           show help
    """

  /// Reads the environment's defaults.
  init(environment: [String: String]) {
    if let server = environment["HOOKWIRE_SERVER"], !server.isEmpty {
      self.server = server
      serverSource = "HOOKWIRE_SERVER"
    }
    if let key = environment["HOOKWIRE_API_KEY"], !key.isEmpty { apiKey = key }
    security = SecurityOptions(environment: environment)
  }

  /// Global flags that take a value, and those that stand alone.
  static let valueFlags = Set(["server", "api-key", "act-as", "timeout"]).union(SecurityOptions.fileFlags)
  static let switchFlags: Set<String> = ["json", "tls"]

  /// Takes the global flags (`--flag VALUE` or `--flag=VALUE`, anywhere
  /// before a `--`) out of `arguments`, leaving the command's own; each
  /// value is checked here, naming its flag.
  mutating func extract(from arguments: inout [String]) throws(UsageError) {
    var rest: [String] = []
    var seen: Set<String> = []
    var index = 0
    while index < arguments.count {
      let argument = arguments[index]
      index += 1
      if argument == "--" {
        rest += arguments[(index - 1)...]
        break
      }
      if argument == "-h" || argument == "--help" {
        help = true
        continue
      }
      let name = String(argument.dropFirst(2).prefix { $0 != "=" })
      guard argument.hasPrefix("--"), Self.valueFlags.contains(name) || Self.switchFlags.contains(name) else {
        rest.append(argument)
        continue
      }
      guard seen.insert(name).inserted else { throw UsageError("option '--\(name)' is given more than once") }
      let inline = argument.firstIndex(of: "=").map { String(argument[argument.index(after: $0)...]) }
      if Self.switchFlags.contains(name) {
        guard inline == nil else { throw UsageError("option '--\(name)' takes no value") }
        if name == "json" { json = true } else { security.setTLS() }
        continue
      }
      let value: String
      if let inline {
        value = inline
      } else {
        guard index < arguments.count, !arguments[index].hasPrefix("--") else { throw UsageError("option '--\(name)' needs a value") }
        value = arguments[index]
        index += 1
      }
      try set(name, value)
    }
    arguments = rest
  }

  private mutating func set(_ name: String, _ value: String) throws(UsageError) {
    switch name {
    case "server":
      _ = try ServerAddress(value, source: "option '--server'")
      server = value
      serverSource = "option '--server'"
    case "api-key":
      guard !value.isEmpty else { throw UsageError("option '--api-key' needs a key") }
      apiKey = value
    case "act-as":
      guard let number = Int64(value), number > 0 else { throw UsageError("option '--act-as' takes a partner id, not '\(value)'") }
      actAs = String(number)
    case "timeout":
      timeout = try Self.duration(value)
    default:
      try security.set(name, value)
    }
  }

  /// The longest `--timeout`: a day.
  static let maxTimeout: Duration = .seconds(86_400)

  /// `500ms`, `5s`, `2m` or a bare number of seconds, from 1 ms to a day.
  static func duration(_ text: String) throws(UsageError) -> Duration {
    let units: [(suffix: String, milliseconds: Int64)] = [("ms", 1), ("s", 1_000), ("m", 60_000), ("", 1_000)]
    for unit in units where text.hasSuffix(unit.suffix) {
      let digits = text.dropLast(unit.suffix.count)
      guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { continue }
      // At most a day, checked before multiplying so nothing overflows.
      if let value = Int64(digits), value > 0, value <= 86_400_000 / unit.milliseconds { return .milliseconds(value * unit.milliseconds) }
      break
    }
    throw UsageError("option '--timeout' takes a duration from 1ms to 24h such as 500ms, 5s or 2m, not '\(text)'")
  }

  /// The server's host and port, checked (`HOOKWIRE_SERVER` is first
  /// checked here, so commands that call no server ignore it).
  func address() throws(UsageError) -> ServerAddress {
    try ServerAddress(server, source: serverSource)
  }

  /// Metadata every call carries.
  var metadata: Metadata {
    var metadata = Metadata()
    if let apiKey { metadata.add(Metadata.authorizationKey, "Bearer \(apiKey)") }
    if let actAs { metadata.add(Metadata.actAsKey, actAs) }
    return metadata
  }

  var callOptions: CallOptions { CallOptions(timeout: timeout) }

  /// Runs `body` with a client for the chosen server, closing it after.
  /// Settings are checked first (a usage error); TLS files the TLS layer
  /// cannot use (no PEM inside, an encrypted key, a key that does not
  /// match) are usage errors naming their flag or variable.
  func withClient<T>(_ body: (RPCClient) async throws -> T) async throws -> T {
    let address = try address()
    var configuration = RPCClient.Configuration()
    configuration.security = try security.transportSecurity()
    let client: RPCClient
    do {
      client = try RPCClient(host: address.host, port: address.port, configuration: configuration)
    } catch let error as TLSError where error.kind == .configuration {
      let reason = error.reason.hasPrefix("TLS: ") ? String(error.reason.dropFirst(5)) : error.reason
      throw UsageError(security.source(of: error.reason).map { "\($0): \(reason)" } ?? reason)
    }
    do {
      let result = try await body(client)
      await client.close()
      return result
    } catch {
      await client.close()
      throw error
    }
  }
}
