import HookwirePosix
import Synchronization

/// One POST on its way through the client: waiting for a connection,
/// exchanging on one, and at most once more on a fresh connection when a
/// kept one turns out to have been closed by the endpoint.
///
/// The job is what the pool queues, so a connection that comes free starts
/// the next exchange on its own loop at once, with no hop through Swift's
/// cooperative pool; the caller's task resumes once, with the result.
final class HTTPRequestJob: @unchecked Sendable {
  // Unchecked: `fresh` is written only by whoever holds the job (the pool
  // under its lock hands it to exactly one loop at a time); the rest is
  // immutable, and the continuation is resumed once, guarded by `done`.

  /// The endpoint.
  let host: HTTPConnectionPool.HostKey
  /// The addresses a connection may be made to, in order.
  let addresses: [PeerAddress]
  /// The serialized request.
  let bytes: [UInt8]
  /// When the whole exchange must be over (monotonic nanoseconds).
  let deadline: UInt64
  /// Whether only a new connection will do (the retry after a stale one).
  var fresh = false
  private let continuation: CheckedContinuation<Result<HTTPResponse, HTTPClientError>, Never>
  private let done = Atomic<Bool>(false)

  init(
    host: HTTPConnectionPool.HostKey, addresses: [PeerAddress], bytes: [UInt8], deadline: UInt64,
    continuation: CheckedContinuation<Result<HTTPResponse, HTTPClientError>, Never>
  ) {
    self.host = host
    self.addresses = addresses
    self.bytes = bytes
    self.deadline = deadline
    self.continuation = continuation
  }

  /// Hands the result to the caller (the first call only).
  func finish(_ result: Result<HTTPResponse, HTTPClientError>) {
    guard !done.exchange(true, ordering: .acquiringAndReleasing) else { return }
    continuation.resume(returning: result)
  }
}
