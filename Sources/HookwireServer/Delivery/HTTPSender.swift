import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The result of one HTTP POST.
public struct HTTPOutcome: Sendable, Equatable {
  /// The status, or nil when no response arrived.
  public var status: Int?
  /// The first 1 KiB of the response body.
  public var excerpt: String
  /// Why no response arrived (timeout, refused…).
  public var error: String
  /// The `Retry-After` delay the endpoint asked for, if any.
  public var retryAfter: Duration?

  public init(status: Int?, excerpt: String = "", error: String = "", retryAfter: Duration? = nil) {
    self.status = status
    self.excerpt = excerpt
    self.error = error
    self.retryAfter = retryAfter
  }
}

/// Sends deliveries; a real sender over HTTP, or a recording one in tests.
public protocol HTTPSender: Sendable {
  func post(url: URL, headers: [(String, String)], body: [UInt8], timeout: Duration) async -> HTTPOutcome
}

/// POSTs with FoundationNetworking's `URLSession` (keep-alive connections).
/// Redirects are never followed: a 3xx is the endpoint's answer and a failed
/// attempt (Standard Webhooks), and following one would reach an address the
/// target guard never checked.
public final class URLSessionSender: HTTPSender {
  let sessions: [URLSession]
  private let next = Atomic<Int>(0)
  private let deadlines = DeadlineSweeper()

  /// Creates a sender with `sessions` sessions of its own, used in turn.
  /// A session does its libcurl work on one serial queue, so one per core
  /// lets requests proceed in parallel (each keeps its own keep-alive pool).
  public init(maxConnectionsPerHost: Int = 8, sessions count: Int = min(8, ProcessInfo.processInfo.activeProcessorCount)) {
    let configuration = URLSessionConfiguration.ephemeral
    configuration.httpMaximumConnectionsPerHost = maxConnectionsPerHost
    // No cache, cookies or stored credentials: each is consulted on every
    // request otherwise (the cache even lists a directory on disk), and a
    // delivery must not depend on what an earlier response left behind.
    configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
    configuration.urlCache = nil
    configuration.httpShouldSetCookies = false
    configuration.httpCookieAcceptPolicy = .never
    configuration.httpCookieStorage = nil
    configuration.urlCredentialStorage = nil
    sessions = (0..<max(1, count)).map { _ in URLSession(configuration: configuration, delegate: RedirectRefuser(), delegateQueue: nil) }
  }

  /// POSTs `body`; `timeout` bounds the whole exchange. (URLSession's own
  /// timeout restarts with every byte that moves, so an endpoint trickling
  /// its answer would hold the attempt for as long as it liked; it is kept,
  /// in whole seconds, only as the idle limit.)
  public func post(url: URL, headers: [(String, String)], body: [UInt8], timeout: Duration) async -> HTTPOutcome {
    var request = URLRequest(url: url)
    request.httpMethod = "POST"
    // FoundationNetworking truncates the interval to whole seconds; below
    // one second it would time out at once.
    request.timeoutInterval = max(1, (Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18).rounded(.up))
    request.httpBody = Data(body)
    for (name, value) in headers { request.setValue(value, forHTTPHeaderField: name) }
    let session = sessions[next.add(1, ordering: .relaxed).newValue % sessions.count]
    let call = Task { try await session.data(for: request) }
    let expiry = ContinuousClock.now + timeout
    let deadline = deadlines.register(deadline: expiry) { call.cancel() }
    defer { deadlines.finish(deadline) }
    do {
      let (data, response) = try await call.value
      guard let http = response as? HTTPURLResponse else { return HTTPOutcome(status: nil, error: "not an HTTP response") }
      let excerpt = String(decoding: data.prefix(1_024), as: UTF8.self)
      var retryAfter: Duration?
      if let value = http.value(forHTTPHeaderField: "Retry-After"), let seconds = Int(value.trimmingCharacters(in: .whitespaces)), seconds >= 0 {
        retryAfter = .seconds(min(seconds, 86_400))
      }
      let redirect = (300..<400).contains(http.statusCode) ? "HTTP \(http.statusCode): redirects are not followed" : ""
      return HTTPOutcome(status: http.statusCode, excerpt: excerpt, error: redirect, retryAfter: retryAfter)
    } catch let error as URLError {
      let reason = switch error.code {
      case .timedOut: "timed out after \(timeout)"
      case .cancelled: ContinuousClock.now >= expiry ? "timed out after \(timeout)" : "cancelled"
      case .cannotConnectToHost: "connection refused"
      case .cannotFindHost: "host not found"
      default: "request failed: \(error.localizedDescription)"
      }
      return HTTPOutcome(status: nil, error: reason)
    } catch {
      let timedOut = error is CancellationError && ContinuousClock.now >= expiry
      return HTTPOutcome(status: nil, error: timedOut ? "timed out after \(timeout)" : "request failed: \(error)")
    }
  }
}

/// Answers every redirect with "do not follow", so the 3xx response itself
/// completes the task.
final class RedirectRefuser: NSObject, URLSessionTaskDelegate {
  func urlSession(
    _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse, newRequest request: URLRequest,
    completionHandler: @escaping @Sendable (URLRequest?) -> Void
  ) {
    completionHandler(nil)
  }
}
