import HookwirePosix
import HookwireRPC
import HookwireTLS

/// A TCP stream, plain or under TLS, as the link of a protocol connection,
/// on the stream's event loop: the one adapter between sockets and the
/// protocol, used by servers and clients alike.
///
/// Over TLS the link first runs the handshake (`startTLS`); the protocol
/// connection is made once it has succeeded, so what it sends and reads is
/// always plaintext and its timers start after the handshake.
package final class StreamLink: ClientLink, TCPStreamDelegate, TLSStreamDelegate, @unchecked Sendable {
  // Unchecked: the streams and the receivers are used only on the stream's
  // loop; `execute` (the one cross-thread entry) goes through its inbox.

  /// The bytes under the protocol.
  package enum Transport {
    case plain(TCPStream)
    case tls(TLSStream)
  }

  package let transport: Transport
  /// The loop that owns the stream.
  package let loop: EventLoop
  private var received: (UnsafeRawBufferPointer) -> Void = { _ in }
  private var drained: () -> Void = {}
  private var closed: () -> Void = {}
  /// While a TLS handshake runs: who hears how it ended.
  private var handshakeEnded: ((TLSStreamError?) -> Void)?
  /// The handshake ends with the peer's first plaintext (see `startTLS`).
  private var awaitsPeer = false

  /// Wraps a plain `stream` and becomes its delegate.
  package init(stream: TCPStream) {
    transport = .plain(stream)
    loop = stream.loop
    stream.delegate = self
  }

  /// Wraps a TLS `stream` (not started) and becomes its delegate.
  package init(tls stream: TLSStream) {
    transport = .tls(stream)
    loop = stream.loop
    stream.delegate = self
  }

  /// The TLS stream, when the link has one.
  package var tls: TLSStream? {
    if case .tls(let stream) = transport { return stream }
    return nil
  }

  /// Starts the TLS handshake; `ended` runs once, on the loop, with nil when
  /// it succeeded or the reason it failed (the link is closed then). The
  /// link holds itself until then, since streams hold their delegates weakly.
  ///
  /// With `untilPeerSpeaks` the handshake counts as done only when the
  /// peer's first plaintext arrives (a Hookwire server's preface comes at
  /// once): in TLS 1.3 a client finishes its handshake before the server
  /// has checked the client's certificate, and a refusal arrives as an
  /// alert after — it is reported as the handshake's failure, with its
  /// reason, rather than as a connection that closed.
  package func startTLS(untilPeerSpeaks: Bool = false, _ ended: @escaping (TLSStreamError?) -> Void) {
    guard let tls else { preconditionFailure("startTLS needs a TLS link") }
    awaitsPeer = untilPeerSpeaks
    handshakeEnded = { [self] error in
      _ = self
      ended(error)
    }
    do {
      try tls.start()
    } catch {
      endHandshake(.tls(error))
    }
  }

  private func endHandshake(_ error: TLSStreamError?) {
    guard let ended = handshakeEnded else { return }
    handshakeEnded = nil
    ended(error)
  }

  /// Starts reading a plain stream.
  package func start() throws(IOError) {
    guard case .plain(let stream) = transport else { preconditionFailure("a TLS link starts with startTLS") }
    try stream.start()
  }

  package func setReceivers(
    received: @escaping (UnsafeRawBufferPointer) -> Void, drained: @escaping () -> Void, closed: @escaping () -> Void
  ) {
    self.received = received
    self.drained = drained
    self.closed = closed
  }

  /// Drops the receivers, and with them the protocol connection they hold.
  private func releaseReceivers() {
    received = { _ in }
    drained = {}
    closed = {}
  }

  /// Closes at once, dropping what is queued.
  package func close() {
    switch transport {
    case .plain(let stream): stream.close()
    case .tls(let stream): stream.close()
    }
  }

  // MARK: ConnectionHost

  package func send(_ bytes: UnsafeRawBufferPointer) {
    switch transport {
    case .plain(let stream): stream.write(bytes)
    case .tls(let stream): stream.write(bytes)
    }
  }

  package func closeWhenFlushed() {
    switch transport {
    case .plain(let stream): stream.closeWhenFlushed()
    case .tls(let stream): stream.closeWhenFlushed()
    }
    // The protocol connection has ended; its buffers go at the end of this
    // turn, not when the lingering socket finally closes.
    loop.atEndOfTurn { [self] in releaseReceivers() }
  }

  package var isBackedUp: Bool {
    switch transport {
    case .plain(let stream): stream.isBackedUp
    case .tls(let stream): stream.isBackedUp
    }
  }

  package func now() -> MonotonicDeadline { EventLoop.monotonicNow() }
  package func scheduleTimer(at deadline: MonotonicDeadline, _ work: @escaping () -> Void) -> TimerHandle { loop.scheduleTimer(at: deadline, work) }
  package func cancelTimer(_ timer: TimerHandle) { loop.cancelTimer(timer) }
  package func atEndOfTurn(_ work: @escaping () -> Void) { loop.atEndOfTurn(work) }
  package func execute(_ work: @escaping @Sendable () -> Void) { loop.execute(work) }
  package var inHostThread: Bool { loop.inEventLoop }
  package var taskExecutor: any TaskExecutor { loop }

  // MARK: TCPStreamDelegate

  package func streamReceived(_ bytes: UnsafeRawBufferPointer) { received(bytes) }
  package func streamDrained() { drained() }
  package func streamClosed(_ error: IOError?) { ended() }

  // MARK: TLSStreamDelegate

  package func tlsStreamEstablished(_ stream: TLSStream) {
    if !awaitsPeer { endHandshake(nil) }
  }

  package func tlsStream(_ stream: TLSStream, received plaintext: UnsafeRawBufferPointer) {
    // The first bytes end a handshake that waited for them; whoever heard
    // that has set the receivers by the time it returns.
    if handshakeEnded != nil { endHandshake(nil) }
    received(plaintext)
  }
  package func tlsStreamDrained(_ stream: TLSStream) { drained() }
  package func tlsStream(_ stream: TLSStream, closedWith error: TLSStreamError?) {
    if handshakeEnded != nil {
      return endHandshake(error ?? .tls(TLSError(.protocolError, "TLS: the connection closed during the handshake")))
    }
    ended()
  }

  private func ended() {
    let closed = self.closed
    releaseReceivers()
    closed()
  }
}
