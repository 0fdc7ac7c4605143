import HookwirePosix
import Synchronization
import Testing

/// A plain TCP end for TLS tests: a client speaking something else to a
/// TLS server, or a plaintext server (echoing, or answering like HTTP).
final class RawPeer: TCPStreamDelegate, @unchecked Sendable {
  // Unchecked: `stream` and `reply` are touched on the loop thread only;
  // what tests read sits in `state`, behind its mutex.
  struct State: Sendable {
    var received: [UInt8] = []
    var closed = false
    var error: IOError?
  }

  let loop: EventLoop
  var stream: TCPStream?
  let state = Mutex(State())
  /// What to send back for each chunk received (nil: nothing).
  var reply: (@Sendable ([UInt8]) -> [UInt8]?)?

  init(loop: EventLoop) { self.loop = loop }

  func streamReceived(_ bytes: UnsafeRawBufferPointer) {
    let chunk = Array(bytes)
    state.withLock { $0.received += chunk }
    if let answer = reply?(chunk) { answer.withUnsafeBytes { stream?.write($0) } }
  }

  func streamDrained() {}

  func streamClosed(_ error: IOError?) {
    state.withLock {
      $0.closed = true
      $0.error = error
    }
  }

  /// Connects to `port` and sends `bytes`.
  static func connect(loop: EventLoop, port: Int, sending bytes: [UInt8]) -> RawPeer {
    let peer = RawPeer(loop: loop)
    loop.execute {
      TCPConnector.connect(host: "127.0.0.1", port: port, loop: loop) { result in
        guard case .success(let stream) = result else {
          return peer.state.withLock { $0.closed = true }
        }
        peer.stream = stream
        stream.delegate = peer
        try? stream.start()
        bytes.withUnsafeBytes { stream.write($0) }
      }
    }
    return peer
  }

  /// Waits until the connection has closed.
  func closed() async throws {
    let deadline = ContinuousClock.now + .seconds(30)
    while !state.withLock({ $0.closed }) {
      if ContinuousClock.now > deadline {
        Issue.record("raw connection did not close")
        throw TLSPeer.TimedOut()
      }
      try await Task.sleep(for: .milliseconds(2))
    }
  }
}

/// A plaintext server whose connections answer through `reply`.
final class RawServer: Sendable {
  let port: Int
  private let listener: UncheckedBox<TCPListener>
  private let loop: EventLoop
  private let accepted = Mutex<[RawPeer]>([])

  init(loop: EventLoop, reply: @escaping @Sendable ([UInt8]) -> [UInt8]?) async throws {
    self.loop = loop
    let listener = try TCPListener(host: "127.0.0.1", port: 0, reusePort: false, loop: loop)
    port = listener.port
    self.listener = UncheckedBox(listener)
    listener.onAccept = { [self] fd, _ in
      let stream = TCPStream(fd: fd, loop: loop)
      let peer = RawPeer(loop: loop)
      peer.reply = reply
      peer.stream = stream
      stream.delegate = peer
      accepted.withLock { $0.append(peer) }
      try? stream.start()
    }
    let box = self.listener
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
      loop.execute {
        do {
          try box.value.start()
          continuation.resume()
        } catch {
          continuation.resume(throwing: error)
        }
      }
    }
  }

  func stop() {
    let listener = self.listener
    loop.execute { listener.value.close() }
  }
}
