import HookwireClient
import HookwirePosix
import HookwireRPC
import HookwireTCP
import HookwireTLS

/// One new client's whole life on a loop: connect, the TLS handshake when
/// given a context, the preface exchange, one unary echo, then close — the
/// cost a server pays per short-lived connection. Runs on `loop`'s thread.
final class SingleCallConnection {
  /// How an attempt ended.
  enum Outcome {
    /// The echo answered; `resumed` says whether TLS resumed a session.
    case echoed(resumed: Bool)
    /// It failed before the echo answered, and why.
    case failed(String)
  }

  /// TLS for an attempt: the client context and the session key to
  /// offer and remember sessions under (nil: a full handshake every time).
  struct TLS {
    var context: TLSContext
    var sessionKey: String?
  }

  private let loop: EventLoop
  private var completion: ((Outcome) -> Void)?
  private var link: StreamLink?
  private var connection: ClientConnection?
  private var timer: EventLoop.Timer?

  private init(loop: EventLoop, completion: @escaping (Outcome) -> Void) {
    self.loop = loop
    self.completion = completion
  }

  /// Starts an attempt to `127.0.0.1:port`; `completion` runs once, on the
  /// loop, within `timeout`.
  static func start(
    port: Int, tls: TLS?, loop: EventLoop, timeout: Duration = .seconds(10), completion: @escaping (Outcome) -> Void
  ) {
    let attempt = SingleCallConnection(loop: loop, completion: completion)
    attempt.timer = loop.scheduleTimer(at: MonotonicClock.deadline(after: timeout)) { attempt.end(.failed("timed out")) }
    TCPConnector.connect(host: "127.0.0.1", port: port, loop: loop, timeout: timeout) { result in
      switch result {
      case .failure(let error):
        attempt.end(.failed("connect: \(error)"))
      case .success(let stream):
        attempt.connected(stream, tls: tls)
      }
    }
  }

  private func connected(_ stream: TCPStream, tls: TLS?) {
    guard completion != nil else { return stream.close() }
    guard let tls else {
      let link = StreamLink(stream: stream)
      self.link = link
      do throws(IOError) { try link.start() } catch { return end(.failed("start: \(error)")) }
      return call(over: link, resumed: false)
    }
    let secured: TLSStream
    do {
      secured = try TLSStream(client: tls.context, over: stream, serverName: "127.0.0.1", sessionKey: tls.sessionKey)
    } catch {
      stream.close()
      return end(.failed(error.reason))
    }
    let link = StreamLink(tls: secured)
    self.link = link
    // Ready when the server's preface arrives: a refused client
    // certificate is an alert after the client's side of the handshake.
    link.startTLS(untilPeerSpeaks: true) { [self] error in
      if let error { return end(.failed("\(error)")) }
      call(over: link, resumed: secured.isSessionReused)
    }
  }

  private func call(over link: StreamLink, resumed: Bool) {
    guard completion != nil else { return link.close() }
    let connection = ClientConnection(host: link) { _ in }
    self.connection = connection
    link.setReceivers(received: { connection.received($0) }, drained: {}, closed: { connection.transportClosed() })
    let echo = LoadGenerator.Workload.echo
    let id = connection.startCall(
      method: echo.method, metadata: echo.metadata, timeoutMicroseconds: 0, request: echo.request, unary: true,
      handlers: .init(
        onMessage: { _ in },
        onEnd: { [self] error in end(error.map { .failed("echo: \($0.message)") } ?? .echoed(resumed: resumed)) }))
    if id == nil { end(.failed("the connection takes no calls")) }
  }

  /// Reports `outcome` once and closes what is open.
  private func end(_ outcome: Outcome) {
    guard let completion else { return }
    self.completion = nil
    if let timer { loop.cancelTimer(timer) }
    timer = nil
    if let connection {
      connection.close(RPCError(code: .cancelled, message: "done"))
    } else {
      link?.close()
    }
    connection = nil
    link = nil
    completion(outcome)
  }
}
