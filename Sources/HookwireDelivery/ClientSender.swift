import Foundation
import HookwireHTTP
import HookwirePosix
import HookwireTLS
import Synchronization

/// POSTs deliveries with Hookwire's own HTTP/1.1 client, on event loops of
/// its own, to the addresses the target guard checked and nowhere else.
///
/// The client enforces the rules for untrusted endpoints: the timeout
/// bounds the whole exchange, at most 64 KiB of an answer is read, a
/// redirect is the answer (never followed), a 401 challenge is the answer
/// too, and nothing (cookies, caches, credentials) carries over between
/// deliveries.
package final class ClientSender: HTTPSender {
  /// The loops the connections live on.
  package let loops: EventLoopGroup
  /// The client.
  package let client: HTTPClient
  /// Posts in flight, and who waits for them to end before the loops stop.
  private let inFlight = Mutex<(posts: Int, drained: [CheckedContinuation<Void, Never>])>((0, []))

  /// A sender on `loops` event loops of its own, trusting the system's CA
  /// store and the CA certificates in `caFile` (a PEM file) for https.
  ///
  /// - Throws: `TLSError` when `caFile` cannot be read or holds no
  ///   certificate; `IOError` when the loops cannot start.
  package init(
    loops count: Int = System.coreCount, configuration: HTTPClient.Configuration = HTTPClient.Configuration(), caFile: String? = nil,
    observeConnect: (@Sendable (PeerAddress, Int) -> Void)? = nil
  ) throws {
    var trust = TLSClientConfiguration()
    trust.additionalCAFiles = caFile.map { [$0] } ?? []
    let tls = try TLSContext(client: trust)
    loops = try EventLoopGroup(loops: count, name: "hookwire-delivery")
    client = HTTPClient(loops: loops, configuration: configuration, tls: tls, observeConnect: observeConnect)
  }

  package func post(to target: CheckedTarget, headers: [(String, String)], body: [UInt8], timeout: Duration) async -> HTTPOutcome {
    var contentType = "application/json"
    var extra: [(String, String)] = []
    for (name, value) in headers {
      if name.lowercased() == "content-type" { contentType = value } else { extra.append((name, value)) }
    }
    inFlight.withLock { $0.posts += 1 }
    defer { endPost() }
    let request = HTTPClientRequest(
      scheme: target.scheme, host: target.host, port: target.port, addresses: target.addresses, target: target.target,
      contentType: contentType, headers: HTTPHeaders(pairs: extra), body: body)
    return Self.outcome(await client.post(request, timeout: timeout), timeout: timeout, nowSeconds: Int64(Date().timeIntervalSince1970))
  }

  /// Fails posts waiting for a connection and refuses new ones, waits for
  /// the exchanges in flight to end (each within its timeout: their timers
  /// and sockets live on the loops), then stops the loops.
  package func shutdown() async {
    client.shutdown()
    await withCheckedContinuation { continuation in
      let idle = inFlight.withLock { state -> Bool in
        if state.posts > 0 { state.drained.append(continuation) }
        return state.posts == 0
      }
      if idle { continuation.resume() }
    }
    await loops.shutdownGracefully()
  }

  private func endPost() {
    let drained = inFlight.withLock { state -> [CheckedContinuation<Void, Never>] in
      state.posts -= 1
      guard state.posts == 0 else { return [] }
      defer { state.drained = [] }
      return state.drained
    }
    for continuation in drained { continuation.resume() }
  }

  /// What an exchange amounts to for the delivery log.
  static func outcome(_ result: Result<HTTPResponse, HTTPClientError>, timeout: Duration, nowSeconds: Int64) -> HTTPOutcome {
    switch result {
    case .success(let response):
      let status = response.status
      let excerpt = String(decoding: response.body.prefix(1_024), as: UTF8.self)
      let retryAfter = response.head.headers.first("retry-after").flatMap { HTTPRetryAfter.delay($0, nowSeconds: nowSeconds) }
      let note = (300..<400).contains(status) ? "HTTP \(status): redirects are not followed" : ""
      return HTTPOutcome(status: status, excerpt: excerpt, error: note, retryAfter: retryAfter)
    case .failure(let error):
      if error.kind == .timedOut {
        // The answer did not finish in time: a failed attempt, whatever its status line said.
        let seen = error.head.map { ", with only the head of an HTTP \($0.status) read" } ?? ""
        return HTTPOutcome(status: nil, error: "timed out after \(timeout)\(seen)", failure: .timeout)
      }
      let reason = error.reason
      let failure: HTTPOutcome.Failure =
        switch error.kind {
        case .connectFailed: .connect
        case .tls: .tls
        case .timedOut: .timeout
        default: .protocolError
        }
      guard let head = error.head else { return HTTPOutcome(status: nil, error: reason, failure: failure) }
      // The status arrived; the rest did not.
      return HTTPOutcome(status: head.status, error: "HTTP \(head.status), then the response broke off: \(reason)", failure: failure)
    }
  }
}
