import HookwirePosix
import Synchronization

/// A small HTTP/1.1 server on an event loop of its own, for operators'
/// endpoints (`GET /metrics`): a loop apart from the RPC server's, so a
/// hostile client of this port slows nothing but this port.
///
/// Every input is bounded: a head of `maxHeadBytes` at most, `timeout` for
/// a request head to arrive whole (slow clients are closed), at most
/// `maxRequestsPerConnection` kept-alive requests, `maxConnections` open
/// at once (more are answered 503 and closed). Garbage is answered 400 and
/// the connection closed; request bodies are refused.
///
/// Its life: `init` records what to serve; `start()` starts the loop,
/// binds and returns the port; `shutdown()` closes every connection and
/// stops the loop.
package final class HTTPServer: Sendable {
  /// How the server is set up.
  package struct Configuration: Sendable {
    /// Numeric host to bind, such as `127.0.0.1` or `::1`.
    package var host = "127.0.0.1"
    /// Port to bind; 0 picks a free one.
    package var port = 0
    /// The most bytes a request line and its header fields may take.
    package var maxHeadBytes = 8 * 1_024
    /// How long a request head may take to arrive, counted from the
    /// connection's start or the previous answer (idle kept-alive
    /// connections close after it too).
    package var timeout: Duration = .seconds(10)
    /// Requests on one connection; the last answer closes it.
    package var maxRequestsPerConnection = 100
    /// Connections open at once.
    package var maxConnections = 64

    /// The defaults: loopback, any port, 8 KiB heads, 10 s, 100 requests, 64 connections.
    package init() {}
  }

  /// What a started server owns; its fields are used on its loop only.
  final class Serving: @unchecked Sendable {
    // Unchecked: `listener` and `connections` are touched on `loop` only.
    let loop: EventLoop
    var listener: TCPListener?
    var connections: [ObjectIdentifier: HTTPServerConnection] = [:]
    var stopped = false

    init(loop: EventLoop) { self.loop = loop }
  }

  /// The configuration in force.
  package let configuration: Configuration
  private let responder: any HTTPResponder
  private let serving = Mutex<Serving?>(nil)

  /// Prepares to answer requests with `responder`; binds nothing yet.
  package init(configuration: Configuration = Configuration(), responder: any HTTPResponder) {
    self.configuration = configuration
    self.responder = responder
  }

  /// Starts the loop and binds; returns the port bound. On failure nothing is left running.
  package func start() throws(IOError) -> Int {
    let loop = try EventLoop(name: "hookwire-http-server")
    let listener: TCPListener
    do throws(IOError) {
      listener = try TCPListener(host: configuration.host, port: configuration.port, reusePort: false, loop: loop)
    } catch {
      loop.shutdown()
      throw error
    }
    let state = Serving(loop: loop)
    state.listener = listener
    let configuration = configuration
    let responder = responder
    listener.onAccept = { fd, _ in Self.accept(fd, on: state, configuration: configuration, responder: responder) }
    let box = UncheckedBox(listener)
    loop.execute {
      do {
        try box.value.start()
      } catch {
        box.value.close()
      }
    }
    serving.withLock { $0 = state }
    return listener.port
  }

  private static func accept(_ fd: Int32, on state: Serving, configuration: Configuration, responder: any HTTPResponder) {
    let stream = TCPStream(fd: fd, loop: state.loop)
    // Closing with a request unread would reset the connection and lose the answer saying why.
    stream.linger = .seconds(1)
    guard !state.stopped, state.connections.count < configuration.maxConnections else {
      do {
        try stream.start()
      } catch {
        return stream.close(error)
      }
      HTTPServerResponse.text(503, "too many connections").serialized(keepAlive: false, bodyOmitted: false).withUnsafeBytes { stream.write($0) }
      return stream.closeWhenFlushed()
    }
    let connection = HTTPServerConnection(stream: stream, configuration: configuration, responder: responder) { [unowned state] closed in
      state.connections[ObjectIdentifier(closed)] = nil
    }
    state.connections[ObjectIdentifier(connection)] = connection
    connection.start()
  }

  /// Connections open now (asked on the loop, so it waits a loop turn).
  package func openConnections() async -> Int {
    guard let state = serving.withLock({ $0 }) else { return 0 }
    return await withCheckedContinuation { continuation in
      state.loop.execute { continuation.resume(returning: state.connections.count) }
    }
  }

  /// Stops accepting, closes every connection, and stops the loop.
  package func shutdown() async {
    guard let state = serving.withLock({ $0 }) else { return }
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
      state.loop.execute {
        state.stopped = true
        state.listener?.close()
        state.listener = nil
        for connection in Array(state.connections.values) { connection.close() }
        continuation.resume()
      }
    }
    await state.loop.shutdownGracefully()
  }
}
