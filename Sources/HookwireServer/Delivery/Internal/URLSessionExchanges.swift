import Foundation
import Synchronization
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A session's delegate: collects each task's response and the first bytes
/// of its body, and finishes the task's waiter when it completes. Answers a
/// redirect or an authentication challenge by ending the task with the
/// response it has, and drops a response that grows past the limit.
final class URLSessionExchanges: NSObject, URLSessionDataDelegate, Sendable {
  /// How one exchange ended.
  struct Result {
    var response: HTTPURLResponse?
    var body: [UInt8] = []
    var error: (any Error)?
    /// The body passed the limit and the rest was not read.
    var truncated = false
    /// The endpoint asked for credentials; none were sent.
    var challenged = false
    /// The deadline passed first.
    var expired = false
  }

  private struct Exchange {
    var continuation: CheckedContinuation<Result, Never>
    var result = Result()
    var done: (@Sendable () -> Void)?
  }

  let responseLimit: Int
  private let exchanges = Mutex<[Int: Exchange]>([:])

  init(responseLimit: Int) { self.responseLimit = responseLimit }

  /// Starts `task`; `continuation` gets its result.
  func start(_ task: URLSessionTask, continuation: CheckedContinuation<Result, Never>) {
    exchanges.withLock { $0[task.taskIdentifier] = Exchange(continuation: continuation) }
    task.resume()
  }

  /// Calls `done` when the task finishes (at once if it already has).
  func whenDone(_ task: URLSessionTask, _ done: @escaping @Sendable () -> Void) {
    let pending = exchanges.withLock { exchanges -> Bool in
      guard exchanges[task.taskIdentifier] != nil else { return false }
      exchanges[task.taskIdentifier]?.done = done
      return true
    }
    if !pending { done() }
  }

  /// The deadline passed: the task ends as timed out.
  func expire(_ task: URLSessionTask) {
    mark(task) { $0.expired = true }
    task.cancel()
  }

  private func mark(_ task: URLSessionTask, _ change: (inout Result) -> Void) {
    exchanges.withLock { exchanges in
      if var exchange = exchanges[task.taskIdentifier] {
        change(&exchange.result)
        exchanges[task.taskIdentifier] = exchange
      }
    }
  }

  func urlSession(
    _ session: URLSession, dataTask: URLSessionDataTask, didReceive response: URLResponse,
    completionHandler: @escaping @Sendable (URLSession.ResponseDisposition) -> Void
  ) {
    mark(dataTask) { $0.response = response as? HTTPURLResponse }
    completionHandler(.allow)
  }

  func urlSession(_ session: URLSession, dataTask: URLSessionDataTask, didReceive data: Data) {
    var over = false
    mark(dataTask) { result in
      if result.response == nil { result.response = dataTask.response as? HTTPURLResponse }
      let room = responseLimit - result.body.count
      if data.count > room {
        result.body += data.prefix(max(0, room))
        result.truncated = true
        over = true
      } else {
        result.body += data
      }
    }
    if over { dataTask.cancel() }
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
    mark(task) { result in
      result.challenged = true
      if result.response == nil { result.response = (challenge.failureResponse ?? task.response) as? HTTPURLResponse }
    }
    completionHandler(.cancelAuthenticationChallenge, nil)
  }

  func urlSession(_ session: URLSession, task: URLSessionTask, didCompleteWithError error: (any Error)?) {
    guard var exchange = exchanges.withLock({ $0.removeValue(forKey: task.taskIdentifier) }) else { return }
    exchange.result.error = error
    if exchange.result.response == nil { exchange.result.response = task.response as? HTTPURLResponse }
    exchange.continuation.resume(returning: exchange.result)
    exchange.done?()
  }
}
