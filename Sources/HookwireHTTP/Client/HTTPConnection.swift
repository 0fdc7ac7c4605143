import HookwirePosix
import HookwireTLS

#if canImport(Glibc)
import Glibc
#endif

/// One keep-alive connection to one checked address, owned by one event
/// loop: at most one exchange at a time, then idle in the pool or closed.
///
/// Everything here runs on the loop thread; the pool only holds the
/// reference. The exchange's deadline timer bounds it whole — whatever the
/// endpoint does byte by byte — and the response parser bounds what is read.
final class HTTPConnection: TCPStreamDelegate, @unchecked Sendable {
  // Unchecked: `state`, `transport` and `requestsServed` are touched on
  // `loop` only; `host`, `address` and `loop` never change.

  /// The pool's name for the endpoint (scheme, host, port).
  let host: HTTPConnectionPool.HostKey
  /// The address the socket is connected to.
  let address: PeerAddress
  /// The loop the connection belongs to.
  let loop: EventLoop
  private let transport: Transport
  /// Exchanges completed on this connection.
  private(set) var requestsServed = 0
  private var state = State.ready(idleTimer: nil)

  /// The byte stream under HTTP.
  enum Transport {
    case plain(TCPStream)
    case tls(TLSStream)

    func write(_ bytes: UnsafeRawBufferPointer) {
      switch self {
      case .plain(let stream): stream.write(bytes)
      case .tls(let stream): stream.write(bytes)
      }
    }

    func close() {
      switch self {
      case .plain(let stream): stream.close()
      case .tls(let stream): stream.close()
      }
    }
  }

  private enum State {
    /// The TLS handshake is running; `completion` hears how it ended.
    case handshaking(completion: (Result<HTTPConnection, HTTPClientError>) -> Void, timer: EventLoop.Timer)
    /// Open and not exchanging: in the pool (with its idle timer) or handed out.
    case ready(idleTimer: EventLoop.Timer?)
    case exchanging(Exchange)
    case closed
  }

  /// The request in flight.
  private final class Exchange {
    var parser: HTTPResponseParser
    let timer: EventLoop.Timer
    let completion: (Result<HTTPResponse, HTTPClientError>, _ reusable: Bool) -> Void
    var receivedBytes = false

    init(
      parser: HTTPResponseParser, timer: EventLoop.Timer,
      completion: @escaping (Result<HTTPResponse, HTTPClientError>, Bool) -> Void
    ) {
      self.parser = parser
      self.timer = timer
      self.completion = completion
    }
  }

  /// Called on the loop when the connection ends while not exchanging (the
  /// endpoint closed it, sent bytes unasked, or its idle time ran out):
  /// answers whether the pool still held it idle, in which case it goes.
  var retire: ((HTTPConnection) -> Bool)?
  /// The connection itself while its handshake runs.
  private var handshakeHold: HTTPConnection?
  /// Hears the end of this connection's TLS handshake: whether it resumed a session.
  private var observeHandshake: (@Sendable (Bool) -> Void)?

  /// A plain connection over `stream`, reading from now on.
  init(host: HTTPConnectionPool.HostKey, address: PeerAddress, loop: EventLoop, stream: TCPStream) throws(IOError) {
    self.host = host
    self.address = address
    self.loop = loop
    self.transport = .plain(stream)
    stream.delegate = self
    try stream.start()
  }

  /// A TLS connection over `stream`, its handshake not started.
  private init(host: HTTPConnectionPool.HostKey, address: PeerAddress, loop: EventLoop, tls: TLSStream) {
    self.host = host
    self.address = address
    self.loop = loop
    self.transport = .tls(tls)
    tls.delegate = self
  }

  /// Whether the connection can carry an exchange now.
  var isOpen: Bool {
    if case .closed = state { return false }
    return true
  }

  // MARK: - Opening

  /// Connects to the first of `addresses` that accepts, trying the next
  /// on a failure, all before `deadline` (monotonic nanoseconds); calls
  /// `completion` once, on the loop. `observe` hears each address tried.
  static func open(
    host: HTTPConnectionPool.HostKey, addresses: [PeerAddress], loop: EventLoop, deadline: UInt64, tls: TLSContext?,
    observe: (@Sendable (PeerAddress, Int) -> Void)?, observeHandshake: (@Sendable (Bool) -> Void)? = nil, completion: @escaping (Result<HTTPConnection, HTTPClientError>) -> Void
  ) {
    if host.scheme == .https && tls == nil {
      return completion(.failure(HTTPClientError(.unavailable, "https needs a TLS context, and the client has none")))
    }
    TCPConnector.connect(toFirstOf: addresses, port: host.port, loop: loop, deadline: deadline, observe: observe.map { observe in { observe($0, host.port) } }) {
      result in
      switch result {
      case .success(let (stream, address)):
        if let tls, host.scheme == .https {
          return handshake(
            host: host, address: address, loop: loop, stream: stream, context: tls, deadline: deadline,
            observe: observeHandshake, completion: completion)
        }
        do {
          completion(.success(try HTTPConnection(host: host, address: address, loop: loop, stream: stream)))
        } catch {
          stream.close()
          completion(.failure(HTTPClientError(.connectFailed, "\(address.name(port: host.port)): \(error)")))
        }
      case .failure(let failure):
        completion(.failure(HTTPClientError(failure.kind == .timedOut ? .timedOut : .connectFailed, failure.reason)))
      }
    }
  }

  /// Runs the TLS handshake over a connected `stream`, by `deadline`: the
  /// server name and the certificate check are the URL's host, and the
  /// session is resumed per host and port.
  private static func handshake(
    host: HTTPConnectionPool.HostKey, address: PeerAddress, loop: EventLoop, stream: TCPStream, context: TLSContext,
    deadline: UInt64, observe: (@Sendable (Bool) -> Void)?, completion: @escaping (Result<HTTPConnection, HTTPClientError>) -> Void
  ) {
    let tls: TLSStream
    do {
      tls = try TLSStream(client: context, over: stream, serverName: host.host, sessionKey: "\(host.host):\(host.port)")
    } catch {
      stream.close()
      return completion(.failure(HTTPClientError(.tls, error.reason)))
    }
    let connection = HTTPConnection(host: host, address: address, loop: loop, tls: tls)
    connection.observeHandshake = observe
    let timer = loop.scheduleTimer(at: deadline) { [weak connection] in connection?.handshakeEnded(.timedOut) }
    connection.state = .handshaking(completion: completion, timer: timer)
    // Streams hold their delegates weakly: the connection keeps itself
    // alive until the handshake ends (an exchange's completion holds it after).
    connection.handshakeHold = connection
    do {
      try tls.start()
    } catch {
      connection.handshakeEnded(.failed(HTTPClientError(.tls, error.reason)))
    }
  }

  private enum HandshakeEnd {
    case established
    case timedOut
    case failed(HTTPClientError)
  }

  private func handshakeEnded(_ end: HandshakeEnd) {
    guard case .handshaking(let completion, let timer) = state else { return }
    let held = handshakeHold
    handshakeHold = nil
    defer { _ = held }
    loop.cancelTimer(timer)
    switch end {
    case .established:
      state = .ready(idleTimer: nil)
      if case .tls(let stream) = transport { observeHandshake?(stream.isSessionReused) }
      completion(.success(self))
    case .timedOut:
      state = .closed
      transport.close()
      completion(.failure(HTTPClientError(.timedOut, "timed out in the TLS handshake with \(address.name(port: host.port))")))
    case .failed(let error):
      state = .closed
      transport.close()
      completion(.failure(error))
    }
  }

  // MARK: - Exchanging

  /// Sends `request` and reads its response, finishing by `deadline`;
  /// `completion` runs once, on the loop, with the response or the error
  /// and whether the connection may carry another exchange.
  func exchange(
    _ request: [UInt8], limits: HTTPParserLimits, deadline: UInt64,
    completion: @escaping (Result<HTTPResponse, HTTPClientError>, _ reusable: Bool) -> Void
  ) {
    guard case .ready(let idleTimer) = state else {
      return completion(.failure(HTTPClientError(.closedBeforeResponse, "the endpoint had closed the connection")), false)
    }
    if let idleTimer { loop.cancelTimer(idleTimer) }
    let timer = loop.scheduleTimer(at: deadline) { [weak self] in self?.expire() }
    state = .exchanging(Exchange(parser: HTTPResponseParser(limits: limits), timer: timer, completion: completion))
    request.withUnsafeBytes { transport.write($0) }
  }

  /// Parks the connection in the pool: it closes if unused for `timeout`.
  func park(idleTimeout timeout: Duration) {
    guard case .ready(nil) = state else { return }
    state = .ready(idleTimer: loop.scheduleTimer(at: MonotonicClock.deadline(after: timeout)) { [weak self] in self?.idleEnded() })
  }

  /// Closes the connection now; an exchange in flight fails with `error`.
  func close(failing error: HTTPClientError = HTTPClientError(.unavailable, "the HTTP client has shut down")) {
    switch state {
    case .handshaking: handshakeEnded(.failed(error))
    case .exchanging: finish(.failure(error), reusable: false)
    case .ready(let timer):
      if let timer { loop.cancelTimer(timer) }
      state = .closed
      transport.close()
    case .closed: break
    }
  }

  private func expire() {
    guard case .exchanging(let exchange) = state else { return }
    finish(.failure(HTTPClientError(.timedOut, "timed out", head: exchange.parser.head)), reusable: false)
  }

  private func idleEnded() {
    guard case .ready = state else { return }
    state = .ready(idleTimer: nil)
    if retire?(self) ?? true { close() }
  }

  /// Ends the exchange: the connection goes back to ready or closes, then
  /// the completion runs (so a completion that hands the connection on
  /// finds it ready).
  private func finish(_ result: Result<HTTPResponse, HTTPClientError>, reusable: Bool) {
    guard case .exchanging(let exchange) = state else { return }
    loop.cancelTimer(exchange.timer)
    requestsServed += 1
    if reusable {
      state = .ready(idleTimer: nil)
    } else {
      state = .closed
      transport.close()
    }
    exchange.completion(result, reusable)
  }

  // MARK: - Stream events

  func streamReceived(_ bytes: UnsafeRawBufferPointer) {
    switch state {
    case .exchanging(let exchange):
      exchange.receivedBytes = true
      do {
        if let response = try exchange.parser.feed(bytes) {
          finish(.success(response), reusable: exchange.parser.isConnectionReusable)
        }
      } catch {
        finish(.failure(Self.malformed(error, head: exchange.parser.head)), reusable: false)
      }
    case .ready, .handshaking:
      // Bytes nobody asked for: the connection cannot be trusted with a request.
      endWhileReady()
    case .closed:
      break
    }
  }

  func streamDrained() {}

  func streamClosed(_ error: IOError?) {
    switch state {
    case .exchanging(let exchange):
      if let error {
        finish(.failure(.io(error, receivedResponseBytes: exchange.receivedBytes, head: exchange.parser.head)), reusable: false)
        return
      }
      do {
        let response = try exchange.parser.finish()
        finish(.success(response), reusable: false)
      } catch {
        let head = exchange.parser.head
        if error.code == .closedBeforeResponse {
          finish(.failure(HTTPClientError(.closedBeforeResponse, "the endpoint closed the connection without answering")), reusable: false)
        } else {
          finish(.failure(HTTPClientError(.closedMidResponse, "the response broke off: \(error.message)", head: head)), reusable: false)
        }
      }
    case .ready:
      endWhileReady()
    case .handshaking:
      let reason = error.map { "TLS: the connection failed in the handshake: \($0)" } ?? "TLS: the endpoint closed the connection in the handshake"
      handshakeEnded(.failed(HTTPClientError(.tls, reason)))
    case .closed:
      break
    }
  }

  private func endWhileReady() {
    if case .handshaking = state {
      return handshakeEnded(.failed(HTTPClientError(.tls, "TLS: the endpoint sent data before the handshake ended")))
    }
    guard case .ready(let timer) = state else { return }
    if let timer { loop.cancelTimer(timer) }
    state = .closed
    transport.close()
    _ = retire?(self)
  }

  private static func malformed(_ error: HTTPError, head: HTTPResponseHead?) -> HTTPClientError {
    HTTPClientError(.malformedResponse(error.code), "malformed response: \(error)", head: head)
  }
}

// MARK: - TLS

extension HTTPConnection: TLSStreamDelegate {
  func tlsStreamEstablished(_ stream: TLSStream) { handshakeEnded(.established) }

  func tlsStream(_ stream: TLSStream, received plaintext: UnsafeRawBufferPointer) { streamReceived(plaintext) }

  func tlsStreamDrained(_ stream: TLSStream) {}

  func tlsStream(_ stream: TLSStream, closedWith error: TLSStreamError?) {
    switch error {
    case nil: streamClosed(nil)
    case .io(let error): streamClosed(error)
    case .tls(let error):
      switch state {
      case .handshaking: handshakeEnded(.failed(HTTPClientError(.tls, error.reason)))
      case .exchanging: close(failing: HTTPClientError(.tls, error.reason))
      case .ready: endWhileReady()
      case .closed: break
      }
    }
  }
}
