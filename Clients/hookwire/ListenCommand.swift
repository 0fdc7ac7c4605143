import Foundation
import HookwireClient
import HookwireCrypto
import HookwireDelivery
import HookwireHTTP
import HookwirePosix

/// Where `hookwire listen` writes: one line per forwarded event on standard
/// output (data), the ready line with the session's secret and every
/// notice or error on standard error (status), so `… | tee` keeps only events.
struct ListenOutput: Sendable {
  /// Writes one line of data.
  var line: @Sendable (String) -> Void
  /// Writes one line of status.
  var status: @Sendable (String) -> Void

  /// Standard output and standard error, each line flushed as written.
  static let standard = ListenOutput(
    line: { text in
      print(text)
      fflush(nil)
    },
    status: { text in FileHandle.standardError.write(Data("hookwire: \(text)\n".utf8)) })
}

/// Where forwarded events go: a plain `http` URL on this machine.
struct ListenTarget: Sendable, Equatable {
  /// The URL as given, for messages.
  var url: String
  /// The `host` header's name.
  var host: String
  /// The loopback address connected to.
  var address: PeerAddress
  /// The port (80 when the URL names none).
  var port: Int
  /// The path and query POSTed to.
  var target: String

  /// The target `text` names, or why it cannot be one: only `http` to
  /// `localhost`, `127.0.0.0/8` or `[::1]` (listening is for a developer's
  /// own machine; a reachable server takes a webhook instead).
  static func parse(_ text: String) throws(ListenTargetError) -> ListenTarget {
    guard let components = URLComponents(string: text), let scheme = components.scheme?.lowercased(),
      let host = components.host, !host.isEmpty
    else { throw ListenTargetError("--forward-to must be a URL such as http://localhost:3000/webhooks") }
    guard scheme == "http" else { throw ListenTargetError("--forward-to must be a plain http URL on this machine, not \(scheme)") }
    let bare = host.hasPrefix("[") ? String(host.dropFirst().dropLast()) : host
    let address: PeerAddress? =
      bare.lowercased() == "localhost" ? PeerAddress("127.0.0.1") : PeerAddress(bare).flatMap { Self.isLoopback($0) ? $0 : nil }
    guard let address else { throw ListenTargetError("--forward-to must name this machine (localhost, 127.0.0.1 or [::1]), not \(host)") }
    let port = components.port ?? 80
    guard (1...65_535).contains(port) else { throw ListenTargetError("--forward-to has port \(port); ports are 1–65535") }
    var target = components.percentEncodedPath.isEmpty ? "/" : components.percentEncodedPath
    if let query = components.percentEncodedQuery { target += "?" + query }
    return ListenTarget(url: text, host: host, address: address, port: port, target: target)
  }

  private static func isLoopback(_ address: PeerAddress) -> Bool {
    switch address.family {
    case .ipv4: address.bytes.first == 127
    case .ipv6: address.bytes == Array(repeating: 0, count: 15) + [1]
    }
  }
}

/// Why `--forward-to` cannot be used.
struct ListenTargetError: Error, Equatable, CustomStringConvertible {
  /// What to tell the user.
  var description: String

  /// An error saying `description`.
  init(_ description: String) { self.description = description }
}

/// Runs `hookwire listen --forward-to URL [--events a,b]`: opens
/// `Events.Listen` with `metadata` (the key, and the partner acted as),
/// makes a signing secret for the session (`whsec_…`, Standard Webhooks; or
/// uses `secret` when given, so a receiver can keep one across sessions),
/// prints it once in the ready line, and POSTs each event to the local URL
/// as a delivery would be sent: the same body, `webhook-id` (the event's
/// id: one POST per event), `webhook-timestamp`, `webhook-signature` with
/// the session's secret, and `hookwire-event-id`. One line per event says
/// what the local endpoint answered and how fast; a local failure is
/// reported and listening goes on.
///
/// Returns the exit status: 0 when the server ended the stream, 2 for a
/// bad `--forward-to` or secret (before anything is sent), 10 + the status
/// code when the call failed (a revoked key, a listener that fell too far
/// behind, an unknown event type), 1 when the local HTTP client cannot start.
func runListen(
  client: RPCClient, metadata: Metadata, forwardTo: String, events: [String], secret: String? = nil,
  output: ListenOutput = .standard
) async -> Int32 {
  let target: ListenTarget
  do {
    target = try ListenTarget.parse(forwardTo)
  } catch {
    output.status(error.description)
    return ExitStatus.usage
  }
  let secret = secret ?? "whsec_" + Data(Crypto.randomBytes(32)).base64EncodedString()
  guard let key = StandardWebhooks.key(fromSecret: secret), !key.isEmpty else {
    output.status("the signing secret must be whsec_ and base64")
    return ExitStatus.usage
  }
  let loops: EventLoopGroup
  do {
    loops = try EventLoopGroup(loops: 1, name: "hookwire-listen")
  } catch {
    output.status("cannot start the local HTTP client: \(error)")
    return ExitStatus.failure
  }
  let http = HTTPClient(loops: loops)
  let forwarder = ListenForwarder(http: http, target: target, key: key)
  let status: Int32
  do {
    try await Events.Client(wrapping: client).listen(ListenRequest(eventTypes: events), metadata: metadata) { stream in
      let only = events.isEmpty ? "every event" : events.joined(separator: ", ")
      output.status("Ready: forwarding \(only) to \(target.url). Signing secret: \(secret) (^C to stop)")
      for try await event in stream { output.line(await forwarder.forward(event)) }
    }
    status = ExitStatus.success
  } catch let error as RPCError {
    output.status("\(error.code.name): \(error.message)")
    status = ExitStatus.forCall(error.code)
  } catch {
    output.status("\(error)")
    status = ExitStatus.failure
  }
  // Every forward has ended (they run one at a time), so nothing is in flight.
  http.shutdown()
  await loops.shutdownGracefully()
  return status
}

/// POSTs listened events to the local target, signed with the session's key.
struct ListenForwarder: Sendable {
  /// How long the local endpoint has to answer, as a delivery's endpoint does.
  static let timeout: Duration = .seconds(15)

  /// The client the POSTs go through (plain http, one loop).
  let http: HTTPClient
  /// Where they go.
  let target: ListenTarget
  /// The session secret's signing key.
  let key: [UInt8]

  /// Forwards `event` and returns its line:
  /// `<published>  [<status>]  <type>  <event id>  (<latency> ms)`, or
  /// `[ERR]` and the reason when no answer came.
  func forward(_ event: ListenedEvent) async -> String {
    let body = DeliveryEngine.body(type: event.eventType, publishedAtMs: event.publishedAtMs, payloadJSON: event.payloadJSON)
    let timestamp = Int64(Date().timeIntervalSince1970)
    let headers: [(String, String)] = [
      ("user-agent", "hookwire-listen/1"), ("webhook-id", event.eventID), ("webhook-timestamp", String(timestamp)),
      ("webhook-signature", StandardWebhooks.signature(id: event.eventID, timestamp: timestamp, body: body, key: key)),
      (DeliveryEngine.eventIDHeader, event.eventID),
    ]
    let request = HTTPClientRequest(
      scheme: .http, host: target.host, port: target.port, addresses: [target.address], target: target.target,
      contentType: "application/json", headers: HTTPHeaders(pairs: headers), body: body)
    let started = ContinuousClock.now
    let result = await http.post(request, timeout: Self.timeout)
    let elapsed = ContinuousClock.now - started
    let ms = elapsed.components.seconds * 1_000 + elapsed.components.attoseconds / 1_000_000_000_000_000
    let published = Date(timeIntervalSince1970: Double(event.publishedAtMs) / 1_000).formatted(.iso8601)
    switch result {
    case .success(let response):
      return "\(published)  [\(response.status)]  \(event.eventType)  \(event.eventID)  (\(ms) ms)"
    case .failure(let error):
      return "\(published)  [ERR]  \(event.eventType)  \(event.eventID)  (\(ms) ms: \(error.description))"
    }
  }
}
