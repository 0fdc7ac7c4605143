import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// One delivery request's own delegate: keeps the first bytes of the
/// answer and drops an answer that grows past the limit. (Redirects and
/// authentication challenges go to the session's delegate, `SessionRules`,
/// which tells the request's watcher.)
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

  /// The endpoint asked for credentials instead of answering.
  func challenged(_ response: HTTPURLResponse?) {
    state.withLock { state in
      state.result.challenged = true
      if let response { state.result.response = response }
    }
  }
}

/// A delivery session's own delegate: redirects are not followed (the 3xx is
/// the answer), and an authentication challenge ends the request with the
/// 401 it came with (no credentials exist to send).
final class SessionRules: NSObject, URLSessionTaskDelegate, Sendable {
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
    (task.delegate as? ExchangeWatcher)?.challenged((challenge.failureResponse ?? task.response) as? HTTPURLResponse)
    completionHandler(.cancelAuthenticationChallenge, nil)
  }
}
