import HookwireCommandLine
import Foundation
import HookwireClient

/// Flags every `hookwire` command accepts.
struct GlobalOptions {
  /// The address when neither `--server` nor `HOOKWIRE_SERVER` gives one.
  static let defaultServer = "127.0.0.1:7700"
  /// The server address as given (checked when a client is made).
  var server = GlobalOptions.defaultServer
  /// Where `server` came from, for messages.
  var serverSource = "option '--server'"
  /// The API key, from `--api-key` or `HOOKWIRE_API_KEY`.
  var apiKey: String?
  /// The partner to act as.
  var actAs: String?
  /// Whether `--json` was given.
  var json = false
  /// The deadline of each call.
  var timeout: Duration = .seconds(10)
  /// TLS or plaintext, and the files TLS uses.
  var security: SecurityOptions

  /// The longest `--timeout`: a day.
  static let maxTimeout: Duration = .seconds(86_400)

  /// The flags every command accepts, in the order help lists them.
  static let flags: [FlagSpec] = [
    FlagSpec(
      name: "server", kind: .address, placeholder: "HOST:PORT",
      help: "server address: a host name, an IPv4 address or [IPv6], and a port (default 127.0.0.1:7700, env HOOKWIRE_SERVER)"),
    FlagSpec(name: "api-key", kind: .text, placeholder: "KEY", help: "API key sent as `authorization: Bearer KEY` (env HOOKWIRE_API_KEY)"),
    FlagSpec(name: "act-as", kind: .integer(1...Int64.max), placeholder: "ID", help: "a global partner acts as partner ID (its business unit)"),
    FlagSpec(name: "json", kind: .none, placeholder: "", help: "print JSON: one object per line (JSON Lines), one per record for lists and streams"),
    FlagSpec(
      name: "timeout", kind: .duration(1...86_400_000, bareSeconds: true), placeholder: "DURATION",
      help: "deadline per call, 1ms to 24h, e.g. 500ms, 5s, 2m (default 10s)"),
  ] + SecurityOptions.flags

  /// The help's block of global flags.
  static var help: String {
    "Global flags:\n" + HelpText.flagLines(flags + [FlagSpec(name: "help", kind: .none, placeholder: "", help: "show help (-h)")])
  }

  /// Reads the environment's defaults.
  init(environment: [String: String]) {
    if let server = environment["HOOKWIRE_SERVER"], !server.isEmpty {
      self.server = server
      serverSource = "HOOKWIRE_SERVER"
    }
    if let key = environment["HOOKWIRE_API_KEY"], !key.isEmpty { apiKey = key }
    security = SecurityOptions(environment: environment)
  }

  /// Applies the global flags the parser read (each value already checked
  /// for shape); files and addresses are checked here, naming their flag.
  mutating func apply(_ globals: [(name: String, text: String, value: FlagValue)]) throws(UsageError) {
    for (name, text, value) in globals {
      switch (name, value) {
      case ("server", _):
        _ = try ServerAddress(text, source: "option '--server'")
        server = text
        serverSource = "option '--server'"
      case ("api-key", _): apiKey = text
      case ("act-as", .integer(let id)): actAs = String(id)
      case ("json", _): json = true
      case ("timeout", .milliseconds(let ms)): timeout = .milliseconds(ms)
      case ("tls", _): security.setTLS()
      default: try security.set(name, text)
      }
    }
  }

  /// `500ms`, `5s`, `2m`, `1h` or a bare number of seconds, from 1 ms to a day.
  static func duration(_ text: String) throws(UsageError) -> Duration {
    guard let spec = flags.first(where: { $0.name == "timeout" }), case .milliseconds(let ms) = try spec.kind.read(text, flag: "--timeout") else {
      throw UsageError("--timeout: expected a duration, got '\(text.echoed)'")
    }
    return .milliseconds(ms)
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

  /// The options of every call: its deadline.
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
