import HookwirePosix

/// One connection of an `HTTPServer`, on the server's loop: reads a
/// request head, has it answered, writes the answer, and either waits for
/// the next request or closes.
final class HTTPServerConnection: TCPStreamDelegate {
  /// Where the connection is; `timer` bounds the wait for a whole head.
  enum State {
    /// Waiting for (the rest of) a request head.
    case awaitingHead(timer: EventLoop.Timer)
    /// The responder is working on a request; input is held until it answers.
    case responding
    /// Closed: nothing more is read or written.
    case closed
  }

  private let stream: TCPStream
  private let configuration: HTTPServer.Configuration
  private let responder: any HTTPResponder
  private let onClose: (HTTPServerConnection) -> Void
  private var state = State.closed
  private var parser: HTTPRequestHeadParser
  /// Bytes that arrived while a request was being answered (a pipelined
  /// next request), bounded by the head limit.
  private var held: [UInt8] = []
  private var served = 0

  init(
    stream: TCPStream, configuration: HTTPServer.Configuration, responder: any HTTPResponder,
    onClose: @escaping (HTTPServerConnection) -> Void
  ) {
    self.stream = stream
    self.configuration = configuration
    self.responder = responder
    self.onClose = onClose
    parser = HTTPRequestHeadParser(maxHeadBytes: configuration.maxHeadBytes)
  }

  /// Starts reading and the first head's timer.
  func start() {
    stream.delegate = self
    do {
      try stream.start()
    } catch {
      return stream.close(error)
    }
    awaitHead()
  }

  private func awaitHead() {
    let timer = stream.loop.scheduleTimer(at: MonotonicClock.deadline(after: configuration.timeout)) { [weak self] in self?.timedOut() }
    state = .awaitingHead(timer: timer)
  }

  private func timedOut() {
    guard case .awaitingHead = state else { return }
    // A client that sent part of a head hears why; an idle one is just closed.
    if parser.hasStarted {
      finish(.text(408, "the request head did not arrive within \(configuration.timeout)"), keepAlive: false, bodyOmitted: false)
    } else {
      close()
    }
  }

  // MARK: - TCPStreamDelegate

  func streamReceived(_ bytes: UnsafeRawBufferPointer) {
    switch state {
    case .closed:
      return
    case .responding:
      guard held.count + bytes.count <= configuration.maxHeadBytes else { return close() }
      held += bytes
    case .awaitingHead(let timer):
      var index = 0
      let head: HTTPRequestHead?
      do {
        head = try parser.parse(bytes, at: &index)
      } catch {
        stream.loop.cancelTimer(timer)
        return finish(Self.refusal(error), keepAlive: false, bodyOmitted: false)
      }
      guard let head else { return }
      stream.loop.cancelTimer(timer)
      if index < bytes.count { held += bytes[index...] }
      respond(to: head)
    }
  }

  func streamDrained() {}

  func streamClosed(_ error: IOError?) {
    guard !isClosed else { return }
    if case .awaitingHead(let timer) = state { stream.loop.cancelTimer(timer) }
    state = .closed
    onClose(self)
  }

  // MARK: - Answering

  private func respond(to head: HTTPRequestHead) {
    state = .responding
    served += 1
    let keepAlive = head.wantsKeepAlive && served < configuration.maxRequestsPerConnection
    let omitBody = head.method == "HEAD"
    let responder = responder
    let box = UncheckedBox(self)
    let loop = stream.loop
    Task {
      let response = await responder.respond(to: head)
      loop.execute { box.value.finish(response, keepAlive: keepAlive, bodyOmitted: omitBody) }
    }
  }

  /// Writes `response`; then waits for the next request or closes.
  private func finish(_ response: HTTPServerResponse, keepAlive: Bool, bodyOmitted: Bool) {
    guard !isClosed else { return }
    response.serialized(keepAlive: keepAlive, bodyOmitted: bodyOmitted).withUnsafeBytes { stream.write($0) }
    guard keepAlive, !stream.isClosed else {
      state = .closed
      stream.closeWhenFlushed()
      onClose(self)
      return
    }
    awaitHead()
    guard !held.isEmpty else { return }
    let pending = held
    held = []
    pending.withUnsafeBytes { streamReceived($0) }
  }

  /// The answer to a head that cannot be served.
  static func refusal(_ error: HTTPError) -> HTTPServerResponse {
    switch error.code {
    case .headerTooLarge: .text(431, error.description)
    case .unsupportedVersion: .text(505, error.description)
    default: .text(400, error.description)
    }
  }

  private var isClosed: Bool {
    if case .closed = state { true } else { false }
  }

  /// Closes at once (shutdown, a client that floods).
  func close() {
    guard !isClosed else { return }
    if case .awaitingHead(let timer) = state { stream.loop.cancelTimer(timer) }
    state = .closed
    stream.close()
    onClose(self)
  }
}
