import HookwireRPC
import HookwireWire
import Synchronization

/// One call from the client's side, from the caller's request to its end.
final class OutgoingCall: @unchecked Sendable {
  // Unchecked: `attachment`, `deadlineTimer` and `response` are used on the
  // transport thread only; what callers share is behind `state`'s mutex.
  let method: String
  let metadata: [MetadataEntry]
  let request: [UInt8]
  let unary: Bool
  let deadline: MonotonicDeadline?
  let waitForReady: Bool
  var deadlineTimer: TimerHandle?
  private(set) var attachment: (UInt32, ClientConnection)?
  private var response: [UInt8]?
  var streamBuffer: ResponseBuffer?
  /// The trailing metadata of a call that ended OK (transport thread; read
  /// by the caller after the call's end has resumed it).
  var trailers = Metadata()

  private struct State {
    var done = false
    var continuation: CheckedContinuation<[UInt8], any Error>?
    /// How a unary call ended before its caller was waiting (a cancellation
    /// that raced the call's start), for `setUnaryContinuation` to report.
    var outcome: Result<[UInt8], any Error>?
  }

  private let state = Mutex(State())

  init(method: String, metadata: [MetadataEntry], request: [UInt8], unary: Bool, deadline: MonotonicDeadline?, waitForReady: Bool) {
    self.method = method
    self.metadata = metadata
    self.request = request
    self.unary = unary
    self.deadline = deadline
    self.waitForReady = waitForReady
  }

  var isDone: Bool { state.withLock { $0.done } }

  /// Where the unary response goes; a call that already ended resumes it at once.
  func setUnaryContinuation(_ continuation: CheckedContinuation<[UInt8], any Error>) {
    let outcome = state.withLock { state -> Result<[UInt8], any Error>? in
      guard state.done else {
        state.continuation = continuation
        return nil
      }
      return state.outcome ?? .failure(RPCError(code: .cancelled, message: "the call was cancelled"))
    }
    if let outcome { continuation.resume(with: outcome) }
  }

  /// Set once a server has refused the call unprocessed (GOAWAY).
  var wasRefused = false

  func attach(id: UInt32, connection: ClientConnection) { attachment = (id, connection) }

  /// Forgets the connection the call was on, before it is sent again.
  func detach() { attachment = nil }

  /// A response message arrived (transport thread).
  func received(_ bytes: [UInt8]) {
    if unary { response = bytes } else { streamBuffer?.push(bytes) }
  }

  /// The call ended (transport thread); the first end wins.
  func finish(_ error: RPCError?, on transport: any ClientTransport) {
    let continuation = state.withLock { state -> CheckedContinuation<[UInt8], any Error>?? in
      guard !state.done else { return .none }
      state.done = true
      defer { state.continuation = nil }
      return .some(state.continuation)
    }
    guard case .some(let waiting) = continuation else { return }
    if let timer = deadlineTimer { transport.cancelTimer(timer) }
    deadlineTimer = nil
    attachment = nil
    streamBuffer?.finish(error)
    let outcome: Result<[UInt8], any Error>
    if let error {
      outcome = .failure(error)
    } else if let response {
      outcome = .success(response)
    } else {
      outcome = .failure(RPCError(code: .unimplemented, message: "the server ended a unary call without a response"))
    }
    guard let waiting else {
      if unary { state.withLock { $0.outcome = outcome } }
      return
    }
    waiting.resume(with: outcome)
  }
}

/// The responses of a streaming call, waiting for their reader. The server
/// sends no more than the call's window ahead of what the reader has taken,
/// so this buffer stays bounded by the window.
final class ResponseBuffer: RawMessageSource, @unchecked Sendable {
  // Unchecked: `client` and `call` are immutable references; the mutable
  // queue is behind `state`'s mutex.
  private struct State {
    var messages: [[UInt8]] = []
    var head = 0
    var ended = false
    var error: RPCError?
    var waiter: CheckedContinuation<[UInt8]?, any Error>?
  }

  private let state = Mutex(State())
  private unowned let client: RPCClient
  private let call: OutgoingCall

  init(client: RPCClient, call: OutgoingCall) {
    self.client = client
    self.call = call
  }

  func push(_ bytes: [UInt8]) {
    let waiter = state.withLock { state -> CheckedContinuation<[UInt8]?, any Error>? in
      if let waiter = state.waiter {
        state.waiter = nil
        return waiter
      }
      state.messages.append(bytes)
      return nil
    }
    if let waiter {
      waiter.resume(returning: bytes)
      client.consumed(bytes.count, by: call)
    }
  }

  func finish(_ error: RPCError?) {
    let waiter = state.withLock { state -> CheckedContinuation<[UInt8]?, any Error>? in
      state.ended = true
      state.error = error
      defer { state.waiter = nil }
      return state.head == state.messages.count ? state.waiter : nil
    }
    if let error { waiter?.resume(throwing: error) } else { waiter?.resume(returning: nil) }
  }

  func next() async throws -> [UInt8]? {
    enum Next { case message([UInt8]), end(RPCError?), wait }
    let next = state.withLock { state -> Next in
      if state.head < state.messages.count {
        let message = state.messages[state.head]
        state.head += 1
        if state.head == state.messages.count {
          state.messages.removeAll(keepingCapacity: true)
          state.head = 0
        }
        return .message(message)
      }
      return state.ended ? .end(state.error) : .wait
    }
    switch next {
    case .message(let bytes):
      client.consumed(bytes.count, by: call)
      return bytes
    case .end(let error):
      if let error { throw error }
      return nil
    case .wait:
      return try await withCheckedThrowingContinuation { continuation in
        let immediate = state.withLock { state -> Next? in
          if state.head < state.messages.count {
            let message = state.messages[state.head]
            state.head += 1
            return .message(message)
          }
          if state.ended { return .end(state.error) }
          state.waiter = continuation
          return nil
        }
        switch immediate {
        case .message(let bytes)?:
          client.consumed(bytes.count, by: call)
          continuation.resume(returning: bytes)
        case .end(let error)?:
          if let error { continuation.resume(throwing: error) } else { continuation.resume(returning: nil) }
        default:
          break
        }
      }
    }
  }
}
