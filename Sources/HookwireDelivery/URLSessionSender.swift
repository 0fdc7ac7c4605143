import Foundation
import HookwireHTTP
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// POSTs with FoundationNetworking's `URLSession` (keep-alive connections),
/// treating the endpoint as untrusted:
/// - `timeout` bounds the whole exchange (URLSession's own timeout restarts
///   with every byte that moves, so an endpoint trickling its answer would
///   hold the attempt as long as it liked);
/// - at most `responseLimit` bytes of the answer are read, then the
///   connection is dropped (the status has decided the outcome by then);
/// - redirects are never followed: a 3xx is the endpoint's answer and a
///   failed attempt (Standard Webhooks), and following one would reach an
///   address the target guard never checked;
/// - an authentication challenge (401 with `WWW-Authenticate`) is the
///   answer too, never a second request;
/// - no cache, cookies or stored credentials carry over between deliveries.
package final class URLSessionSender: HTTPSender {
  let sessions: [URLSession]
  let responseLimit: Int
  private let next = Atomic<Int>(0)
  private let deadlines = DeadlineSweeper()

  /// Creates a sender with `sessions` sessions of its own, used in turn.
  /// A session does its libcurl work on one serial queue, so one per core
  /// lets requests proceed in parallel (each keeps its own keep-alive pool).
  package init(
    maxConnectionsPerHost: Int = 8, sessions count: Int = min(8, ProcessInfo.processInfo.activeProcessorCount),
    responseLimit: Int = 64 * 1_024
  ) {
    let configuration = URLSessionConfiguration.ephemeral
    configuration.httpMaximumConnectionsPerHost = maxConnectionsPerHost
    // The cache was also consulted on every request (listing a directory).
    configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
    configuration.urlCache = nil
    configuration.httpShouldSetCookies = false
    configuration.httpCookieAcceptPolicy = .never
    configuration.httpCookieStorage = nil
    configuration.urlCredentialStorage = nil
    self.responseLimit = responseLimit
    sessions = (0..<max(1, count)).map { _ in URLSession(configuration: configuration, delegate: SessionRules(), delegateQueue: nil) }
  }

  package func post(url: URL, headers: [(String, String)], body: [UInt8], timeout: Duration) async -> HTTPOutcome {
    var request = URLRequest(url: url)
    request.httpMethod = "POST"
    // URLSession's timeout is only the idle limit here; FoundationNetworking
    // truncates it to whole seconds, so below one second it would fire at once.
    request.timeoutInterval = max(1, (Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18).rounded(.up))
    request.httpBody = Data(body)
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    let session = sessions[next.add(1, ordering: .relaxed).newValue % sessions.count]
    // Each request has a delegate of its own for its body chunks; the
    // answer itself arrives with the completion, without a hop to the
    // session's delegate queue.
    let watcher = ExchangeWatcher(responseLimit: responseLimit)
    let call = Task { try await session.data(for: request, delegate: watcher) }
    let deadline = deadlines.register(deadline: .now + timeout) {
      watcher.expire()
      call.cancel()
    }
    defer { deadlines.finish(deadline) }
    let result: ExchangeWatcher.Result
    do {
      let (data, response) = try await call.value
      result = ExchangeWatcher.Result(response: response as? HTTPURLResponse, excerpt: Array(data.prefix(1_024)))
    } catch {
      var seen = watcher.result(after: error)
      if (error as? URLError)?.code == .cancelled, let response = (session.delegate as? SessionRules)?.takeChallenge(for: request) {
        seen.response = response
        seen.challenged = true
      }
      result = seen
      if (error as? URLError)?.code == .badURL, url.host?.contains(":") == true {
        // FoundationNetworking compares libcurl's host with URL.host and
        // fails every IPv6 literal as a bad URL before connecting.
        return HTTPOutcome(status: nil, error: "IPv6-literal URLs cannot be sent with URLSession on this platform; use a host name")
      }
    }
    return Self.outcome(result, timeout: timeout)
  }

  /// Whether an error is a TCP reset (ECONNRESET), as libcurl reports it.
  static func mentionsReset(_ error: (any Error)?) -> Bool {
    guard let error else { return false }
    let text = "\(error.localizedDescription) \((error as NSError).userInfo)".lowercased()
    return text.contains("reset")
  }

  /// What an exchange amounts to for the delivery log.
  static func outcome(_ result: ExchangeWatcher.Result, timeout: Duration) -> HTTPOutcome {
    if result.expired { return HTTPOutcome(status: nil, error: "timed out after \(timeout)") }
    guard let response = result.response else {
      let reason = switch (result.error as? URLError)?.code {
      case .timedOut?: "timed out after \(timeout)"
      case .cannotConnectToHost?: "connection refused"
      case .cannotFindHost?: "host not found"
      case .networkConnectionLost?: Self.mentionsReset(result.error) ? "connection reset by the endpoint" : "the endpoint closed the connection without answering"
      default: "request failed: \(result.error?.localizedDescription ?? "no response")"
      }
      return HTTPOutcome(status: nil, error: reason)
    }
    let excerpt = String(decoding: result.excerpt, as: UTF8.self)
    if result.challenged {
      // The 401 is the answer; the cancellation that ended the request is ours.
      return HTTPOutcome(status: response.statusCode, excerpt: excerpt)
    }
    var retryAfter: Duration?
    if let value = response.value(forHTTPHeaderField: "Retry-After") {
      // Seconds or an HTTP-date, capped at a day.
      retryAfter = HTTPRetryAfter.delay(value, nowSeconds: Int64(Date().timeIntervalSince1970))
    }
    var note = ""
    if (300..<400).contains(response.statusCode) {
      note = "HTTP \(response.statusCode): redirects are not followed"
    } else if result.error != nil && !result.truncated && !result.challenged {
      // The status arrived but the body did not finish.
      note = "HTTP \(response.statusCode), then the response broke off"
    }
    return HTTPOutcome(status: response.statusCode, excerpt: excerpt, error: note, retryAfter: retryAfter)
  }
}
