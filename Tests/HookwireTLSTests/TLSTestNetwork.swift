import HookwirePosix
import HookwireTLS
import Synchronization
import Testing

/// Loops, servers and clients for TLS tests over loopback sockets.
struct TLSTestNetwork {
  let clientLoop: EventLoop
  let serverLoop: EventLoop

  /// Runs `body` with a client loop and a server loop, stopping both afterwards.
  static func run(_ body: (TLSTestNetwork) async throws -> Void) async throws {
    let group = try EventLoopGroup(loops: 2, name: "tls-test")
    let network = TLSTestNetwork(clientLoop: group.loops[0], serverLoop: group.loops[1])
    do {
      try await body(network)
    } catch {
      await group.shutdownGracefully()
      throw error
    }
    await group.shutdownGracefully()
  }

  /// Connects a client stream to `port` and starts it; the returned peer
  /// records the outcome (a failure to connect or start closes it with that error).
  func connect(
    port: Int, host: String = "127.0.0.1", context: TLSContext, serverName: String = "localhost", sessionKey: String? = nil,
    configure: @escaping @Sendable (TLSPeer) -> Void = { _ in }, tuneTCP: (@Sendable (TCPStream) -> Void)? = nil
  ) -> TLSPeer {
    let peer = TLSPeer(loop: clientLoop)
    clientLoop.execute {
      configure(peer)
      TCPConnector.connect(host: host, port: port, loop: peer.loop) { result in
        switch result {
        case .failure(let error):
          peer.failed(.io(error))
        case .success(let tcp):
          tuneTCP?(tcp)
          do throws(TLSError) {
            let stream = try TLSStream(client: context, over: tcp, serverName: serverName, sessionKey: sessionKey)
            peer.attach(stream)
            try stream.start()
            peer.onStarted?(peer)
          } catch {
            tcp.close()
            peer.failed(.tls(error))
          }
        }
      }
    }
    return peer
  }

  /// Connects, and waits for the handshake to end one way or the other.
  func handshake(
    port: Int, host: String = "127.0.0.1", context: TLSContext, serverName: String = "localhost", sessionKey: String? = nil
  ) async throws -> (TLSPeer, TLSPeer.Record) {
    let peer = connect(port: port, host: host, context: context, serverName: serverName, sessionKey: sessionKey)
    return (peer, try await peer.settled())
  }
}

/// A TLS server on a loop: every accepted connection gets a `TLSPeer`
/// (echoing by default) and a stream from the current context, which a
/// test may replace (as a reload does).
final class TLSTestServer: Sendable {
  let port: Int
  private let loop: EventLoop
  private let listener: UncheckedBox<TCPListener>
  private let context: Mutex<TLSContext>
  private let accepted = Mutex<[TLSPeer]>([])

  init(
    network: TLSTestNetwork, context: TLSContext, host: String = "127.0.0.1",
    configure: @escaping @Sendable (TLSPeer) -> Void = { $0.echoes = true }
  ) async throws {
    loop = network.serverLoop
    self.context = Mutex(context)
    let listener = try TCPListener(host: host, port: 0, reusePort: false, loop: loop)
    port = listener.port
    self.listener = UncheckedBox(listener)
    let loop = self.loop
    listener.onAccept = { [self] fd, _ in
      let tcp = TCPStream(fd: fd, loop: loop)
      let peer = TLSPeer(loop: loop)
      configure(peer)
      accepted.withLock { $0.append(peer) }
      do throws(TLSError) {
        let stream = try TLSStream(server: self.context.withLock { $0 }, over: tcp)
        peer.attach(stream)
        try stream.start()
      } catch {
        tcp.close()
        peer.failed(.tls(error))
      }
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

  /// New connections use `context` from now on.
  func replaceContext(_ context: TLSContext) { self.context.withLock { $0 = context } }

  /// The peers of the accepted connections, in order.
  var peers: [TLSPeer] { accepted.withLock { $0 } }

  /// Waits for the `index`th accepted connection (0-based).
  func peer(_ index: Int) async throws -> TLSPeer {
    let deadline = ContinuousClock.now + .seconds(30)
    while true {
      let peers = self.peers
      if peers.count > index { return peers[index] }
      if ContinuousClock.now > deadline {
        Issue.record("no connection \(index) accepted")
        throw TLSPeer.TimedOut()
      }
      try await Task.sleep(for: .milliseconds(2))
    }
  }

  func stop() {
    let listener = self.listener
    loop.execute { listener.value.close() }
  }
}
