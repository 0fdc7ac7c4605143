import HookwireCommandLine
import Foundation
import HookwireClient

#if canImport(Glibc)
import Glibc
#endif

/// Flags every `hookwire` command accepts.
struct GlobalOptions {
  var server = "127.0.0.1:7700"
  var apiKey: String?
  var actAs: String?
  var json = false
  var timeout: Duration = .seconds(10)
  var help = false

  static let help = """
    Global flags:
      --server HOST:PORT   server address (default 127.0.0.1:7700, env HOOKWIRE_SERVER)
      --api-key KEY        API key sent as `authorization: Bearer KEY` (env HOOKWIRE_API_KEY)
      --act-as ID          a global partner acts as partner ID (its business unit)
      --json               print JSON instead of text
      --timeout DURATION   deadline per call, 1ms to 24h, e.g. 500ms, 5s, 2m (default 10s)
      -h, --help           show help
    """

  /// Reads the environment's defaults.
  init(environment: [String: String]) {
    if let server = environment["HOOKWIRE_SERVER"], !server.isEmpty { self.server = server }
    if let key = environment["HOOKWIRE_API_KEY"], !key.isEmpty { apiKey = key }
  }

  /// Global flags that take a value, and those that stand alone.
  static let valueFlags: Set<String> = ["server", "api-key", "act-as", "timeout"]
  static let switchFlags: Set<String> = ["json"]

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
        json = true
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
      _ = try Self.address(value, source: "option '--server'")
      server = value
    case "api-key":
      guard !value.isEmpty else { throw UsageError("option '--api-key' needs a key") }
      apiKey = value
    case "act-as":
      guard let number = Int64(value), number > 0 else { throw UsageError("option '--act-as' takes a partner id, not '\(value)'") }
      actAs = String(number)
    default:
      timeout = try Self.duration(value)
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

  /// The server's host and port.
  func address() throws(UsageError) -> (host: String, port: Int) {
    try Self.address(server, source: server == "127.0.0.1:7700" ? "option '--server'" : "the server address (--server or HOOKWIRE_SERVER)")
  }

  /// `HOST:PORT` with a numeric host (or `localhost`); IPv6 in brackets.
  static func address(_ text: String, source: String) throws(UsageError) -> (host: String, port: Int) {
    guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (1...65_535).contains(port) else {
      throw UsageError("\(source) takes HOST:PORT with a port 1…65535, not '\(text)'")
    }
    var host = String(text[..<colon])
    if host == "localhost" { host = "127.0.0.1" }
    let bracketed = host.hasPrefix("[") && host.hasSuffix("]")
    if bracketed { host = String(host.dropFirst().dropLast()) }
    var v4 = in_addr()
    var v6 = in6_addr()
    let numeric = inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    guard numeric, bracketed == host.contains(":") else {
      throw UsageError("\(source) takes a numeric host such as 127.0.0.1 or [::1], not '\(text)'")
    }
    return (host, port)
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
  func withClient<T>(_ body: (RPCClient) async throws -> T) async throws -> T {
    let (host, port) = try address()
    let client = try RPCClient(host: host, port: port)
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
