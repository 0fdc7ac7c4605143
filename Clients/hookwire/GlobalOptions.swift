import Foundation
import HookwireClient

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
      --timeout DURATION   deadline per call, e.g. 500ms, 5s, 2m (default 10s)
      -h, --help           show help
    """

  /// Reads the environment's defaults.
  init(environment: [String: String]) {
    if let server = environment["HOOKWIRE_SERVER"], !server.isEmpty { self.server = server }
    if let key = environment["HOOKWIRE_API_KEY"], !key.isEmpty { apiKey = key }
  }

  /// Takes the global flags out of `arguments`, leaving the command's own.
  mutating func extract(from arguments: inout [String]) throws {
    var rest: [String] = []
    var index = 0
    func value(_ flag: String) throws -> String {
      guard index + 1 < arguments.count else { throw UsageError("\(flag) needs a value") }
      index += 1
      return arguments[index]
    }
    while index < arguments.count {
      let argument = arguments[index]
      switch argument {
      case "--server": server = try value(argument)
      case "--api-key": apiKey = try value(argument)
      case "--act-as":
        let id = try value(argument)
        guard let number = Int64(id), number > 0 else { throw UsageError("--act-as takes a partner id, not '\(id)'") }
        actAs = String(number)
      case "--json": json = true
      case "--timeout": timeout = try Self.duration(try value(argument))
      case "-h", "--help": help = true
      default: rest.append(argument)
      }
      index += 1
    }
    arguments = rest
  }

  /// `500ms`, `5s`, `2m` or a bare number of seconds.
  static func duration(_ text: String) throws -> Duration {
    let units: [(String, (Int) -> Duration)] = [("ms", { .milliseconds($0) }), ("s", { .seconds($0) }), ("m", { .seconds($0 * 60) })]
    for (suffix, make) in units where text.hasSuffix(suffix) {
      if let value = Int(text.dropLast(suffix.count)), value > 0 { return make(value) }
    }
    if let seconds = Int(text), seconds > 0 { return .seconds(seconds) }
    throw UsageError("--timeout takes a duration such as 500ms, 5s or 2m, not '\(text)'")
  }

  /// The server's host and port.
  func address() throws -> (host: String, port: Int) {
    guard let colon = server.lastIndex(of: ":"), let port = Int(server[server.index(after: colon)...]), (1...65_535).contains(port) else {
      throw UsageError("--server takes HOST:PORT, not '\(server)'")
    }
    var host = String(server[..<colon])
    if host == "localhost" { host = "127.0.0.1" }
    if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
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

/// A mistake in the command line: printed with the usage, exit status 2.
struct UsageError: Error, CustomStringConvertible {
  var description: String
  init(_ description: String) { self.description = description }
}
