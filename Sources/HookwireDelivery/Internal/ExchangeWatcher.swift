import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One delivery request's own delegate: keeps the first bytes of the
/// answer and drops an answer that grows past the limit. (Redirects and
/// authentication challenges go to the session's delegate, `SessionRules`.)
final class ExchangeWatcher: NSObject, URLSessionDataDelegate, Sendable {
  /// How an exchange ended.
  struct Result {
    var response: HTTPURLResponse?
    /// The first 1 KiB of the body.
    var excerpt: [UInt8] = []
    var error: (any Error)?
    /// The body passed the limit and the rest was not read.
    var truncated = false
    /// The endpoint asked for credentials; none were sent.
    var challenged = false
    /// The deadline passed first.
    var expired = false
  }

  private struct State {
    var result = Result()
    var received = 0
  }

  /// Bytes of an answer read at most.
  let responseLimit: Int
  private let state = Mutex(State())

  init(responseLimit: Int) { self.responseLimit = responseLimit }

  /// The deadline passed; the request is about to be cancelled.
  func expire() { state.withLock { $0.result.expired = true } }

  /// What was seen of an exchange that ended with `error`.
  func result(after error: any Error) -> Result {
    state.withLock { state in
      state.result.error = error
      return state.result
    }
  }

  func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
    let over = state.withLock { state -> Bool in
      if state.result.response == nil { state.result.response = dataTask.response as? HTTPURLResponse }
      if state.result.excerpt.count < 1_024 { state.result.excerpt += data.prefix(1_024 - state.result.excerpt.count) }
      state.received += data.count
      state.result.truncated = state.received > responseLimit
      return state.result.truncated
    }
    if over { dataTask.cancel() }
  }
}

/// A delivery session's own delegate: redirects are not followed (the 3xx is
/// the answer), and an authentication challenge ends the request with the
/// 401 it came with (no credentials exist to send).
///
/// FoundationNetworking hands a challenge to the session's delegate only
/// (`task.delegate` is this object, not the request's watcher) and then
/// fails the request as cancelled without its response, whatever the
/// body; so the 401 is kept here, by request, for the sender to take.
final class SessionRules: NSObject, URLSessionTaskDelegate, Sendable {
  private let challenged = Mutex<[URLRequest: HTTPURLResponse]>([:])

  /// The 401 that ended `request` with a challenge, if one did (taken once).
  func takeChallenge(for request: URLRequest) -> HTTPURLResponse? {
    challenged.withLock { $0.removeValue(forKey: request) }
  }

  func urlSession(
    _ session: URLSession, task: URLSessionTask, willPerformHTTPRedirection response: HTTPURLResponse, newRequest request: URLRequest,
    completionHandler: @escaping @Sendable (URLRequest?) -> Void
  ) {
    completionHandler(nil)
  }

  func urlSession(
    _ session: URLSession, task: URLSessionTask, didReceive challenge: URLAuthenticationChallenge,
    completionHandler: @escaping @Sendable (URLSession.AuthChallengeDisposition, URLCredential?) -> Void
  ) {
    if let request = task.originalRequest, let response = (challenge.failureResponse ?? task.response) as? HTTPURLResponse {
      challenged.withLock { $0[request] = response }
    }
    completionHandler(.cancelAuthenticationChallenge, nil)
  }
}
