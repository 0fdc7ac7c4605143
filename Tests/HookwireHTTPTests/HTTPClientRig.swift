import Foundation
import HookwireHTTP
import HookwirePosix
import Synchronization

/// A client on loops of its own that records every address it connects to,
/// for the tests that drive ``HTTPClient`` over loopback sockets.
final class HTTPClientRig: Sendable {
  let loops: EventLoopGroup
  let client: HTTPClient
  private let connects = Log()

  init(_ configuration: HTTPClient.Configuration = HTTPClient.Configuration()) throws {
    loops = try EventLoopGroup(loops: 2, name: "client-test")
    let connects = connects
    client = HTTPClient(loops: loops, configuration: configuration) { address, port in connects.append("\(address):\(port)") }
  }

  /// Every `address:port` a socket was opened to, in order.
  var connected: [String] { connects.lines }

  /// POSTs a small body to `hooks.test:port` over `addresses` only.
  func post(
    port: Int, addresses: [String] = ["127.0.0.1"], timeout: Duration = .seconds(10)
  ) async -> Result<HTTPResponse, HTTPClientError> {
    let request = HTTPClientRequest(
      scheme: .http, host: "hooks.test", port: port, addresses: addresses.compactMap(PeerAddress.init), target: "/hooks",
      contentType: "application/json", body: Array(#"{"n":1}"#.utf8))
    return await client.post(request, timeout: timeout)
  }

  /// Connections to `hooks.test:port` counted against the cap, and the idle ones.
  func count(port: Int) -> (open: Int, idle: Int) { client.connectionCount(scheme: .http, host: "hooks.test", port: port) }

  func shutdown() async {
    client.shutdown()
    await loops.shutdownGracefully()
  }

  /// Lines appended from any thread.
  final class Log: Sendable {
    private let stored = Mutex<[String]>([])
    var lines: [String] { stored.withLock { $0 } }
    func append(_ line: String) { stored.withLock { $0.append(line) } }
  }

  /// Results of posts started in tasks, by label.
  final class Results: Sendable {
    private let values = Mutex<[String: Result<HTTPResponse, HTTPClientError>]>([:])
    subscript(label: String) -> Result<HTTPResponse, HTTPClientError>? { values.withLock { $0[label] } }
    func set(_ label: String, _ result: Result<HTTPResponse, HTTPClientError>) { values.withLock { $0[label] = result } }
  }

  /// Waits until `condition` holds (at most 30 s); returns whether it did.
  static func waitUntil(_ condition: () -> Bool) async -> Bool {
    let end = ContinuousClock.now + .seconds(30)
    while !condition() {
      guard ContinuousClock.now < end else { return false }
      try? await Task.sleep(for: .milliseconds(5))
    }
    return true
  }

  /// `HTTP 200`, or the failure's kind and reason.
  static func describe(_ result: Result<HTTPResponse, HTTPClientError>) -> String {
    switch result {
    case .success(let response): "HTTP \(response.status)"
    case .failure(let error): "\(error.kind): \(error.reason)"
    }
  }

  static func bytes(_ text: String) -> [UInt8] { Array(text.utf8) }
}
