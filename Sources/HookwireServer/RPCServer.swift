import HookwirePosix
import HookwireRPC
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Hookwire's RPC server: one listening socket per event loop on the same
/// port (the kernel spreads connections), a protocol connection per client,
/// handlers run on the loop that owns their connection.
public final class RPCServer: Sendable {
  /// How the server is set up.
  public struct Configuration: Sendable {
    /// Numeric host to bind, such as `127.0.0.1` or `::1`.
    public var host = "127.0.0.1"
    /// Port to bind; 0 picks a free one (see `port`).
    public var port = 7700
    /// Event loops (threads); default one per core.
    public var loops = System.coreCount
    /// Protocol limits and timeouts.
    public var limits = ConnectionLimits()
    /// Most connections open at once across the server.
    public var maxConnections = 10_000
    /// How long calls may run after a shutdown starts.
    public var shutdownGrace: Duration = .seconds(10)

    /// The defaults: `127.0.0.1:7700`, one loop per core.
    public init() {}
  }

  struct State {
    var listeners: [TCPListener] = []
    var connections: [ObjectIdentifier: StreamConnectionHost] = [:]
    var shuttingDown = false
  }

  /// One loop's listeners and connections.
  final class LoopState: Sendable {
    // The objects inside are used on their loop only; the mutex lets
    // shutdown collect them from any thread.
    private let state = Mutex(UncheckedBox(State()))

    @discardableResult
    func withLock<R>(_ body: (inout State) -> R) -> UncheckedBox<R> {
      state.withLock { box in
        var value = box.value
        let result = body(&value)
        box = UncheckedBox(value)
        return UncheckedBox(result)
      }
    }
  }

  /// The configuration in force.
  public let configuration: Configuration
  /// The port the server listens on.
  public let port: Int
  let group: EventLoopGroup
  let router: RPCRouter
  let interceptors: [any ServerInterceptor]
  let log: ServerLog
  // Each loop touches only its own entry; the lock also lets shutdown read them all.
  private let states: [LoopState]
  private let connectionCount = Atomic<Int>(0)
  private let closedAll: Mutex<[CheckedContinuation<Void, Never>]> = Mutex([])

  /// Binds and starts serving `services`.
  public init(
    configuration: Configuration = Configuration(), services: [any RPCService],
    interceptors: [any ServerInterceptor] = [], log: ServerLog = ServerLog()
  ) throws(IOError) {
    self.configuration = configuration
    self.interceptors = interceptors
    self.log = log
    router = RPCRouter(
      services: services, limits: .init(maxMessageBytes: configuration.limits.maxMessageSize), requestGuard: RequestBounds.standard)
    group = try EventLoopGroup(loops: configuration.loops, name: "hookwire-server")
    states = group.loops.map { _ in LoopState() }
    var port = configuration.port
    var listeners: [TCPListener] = []
    do throws(IOError) {
      for loop in group.loops {
        let listener = try TCPListener(host: configuration.host, port: port, reusePort: group.loops.count > 1, loop: loop)
        port = listener.port
        listeners.append(listener)
      }
    } catch {
      for listener in listeners { listener.closeUnregistered() }
      group.shutdownAndWait()
      throw error
    }
    self.port = port
    for (index, listener) in listeners.enumerated() {
      let loop = group.loops[index]
      listener.onAccept = { [weak self] fd in
        guard let self else {
          _ = close(fd)
          return
        }
        self.accept(fd, index: index, loop: loop)
      }
      let box = UncheckedBox(listener)
      loop.execute { [self] in
        do {
          try box.value.start()
          self.states[index].withLock { $0.listeners.append(box.value) }
        } catch {
          self.log("cannot accept on \(configuration.host):\(self.port): \(error)")
        }
      }
    }
  }

  private func accept(_ fd: Int32, index: Int, loop: EventLoop) {
    let stream = TCPStream(fd: fd, loop: loop)
    let shuttingDown = states[index].withLock { $0.shuttingDown }.value
    let open = closedAll.withLock { _ in connectionCount.add(1, ordering: .relaxed).newValue }
    guard open <= configuration.maxConnections, !shuttingDown else {
      closedAll.withLock { _ in _ = connectionCount.subtract(1, ordering: .relaxed) }
      log("refusing a connection: \(shuttingDown ? "shutting down" : "\(configuration.maxConnections) connections open")")
      stream.close()
      return
    }
    let host = StreamConnectionHost(stream: stream)
    stream.delegate = host
    let key = ObjectIdentifier(host)
    host.connection = ServerConnection(
      host: host, router: router, interceptors: interceptors, limits: configuration.limits,
      log: { [log] in log($0) },
      onClose: { [weak self] in self?.connectionClosed(key, index: index) })
    states[index].withLock { $0.connections[key] = host }
    do {
      try stream.start()
    } catch {
      log("cannot start a connection: \(error)")
      stream.close(error)
    }
  }

  private func connectionClosed(_ key: ObjectIdentifier, index: Int) {
    let removed = states[index].withLock { $0.connections.removeValue(forKey: key) }.value
    guard removed != nil else { return }
    // Decrement under the waiters' lock so `shutdown` cannot miss the last close.
    let waiters = closedAll.withLock { waiters -> [CheckedContinuation<Void, Never>] in
      guard connectionCount.subtract(1, ordering: .relaxed).newValue == 0 else { return [] }
      defer { waiters = [] }
      return waiters
    }
    for waiter in waiters { waiter.resume() }
  }

  /// Connections open now.
  public var openConnections: Int { connectionCount.load(ordering: .relaxed) }

  // MARK: - Shutdown

  /// Graceful shutdown: stop accepting, drain every connection (GOAWAY,
  /// in-flight calls finish within the grace period), flush, close; then
  /// stop the loops.
  public func shutdown() async {
    let grace = configuration.shutdownGrace
    for (index, loop) in group.loops.enumerated() {
      loop.execute { [self] in
        let connections = self.states[index].withLock { state -> [StreamConnectionHost] in
          state.shuttingDown = true
          for listener in state.listeners { listener.close() }
          state.listeners = []
          return Array(state.connections.values)
        }.value
        for host in connections { host.connection?.beginDrain(grace: grace) }
      }
    }
    await withCheckedContinuation { continuation in
      let done = closedAll.withLock { waiters -> Bool in
        if connectionCount.load(ordering: .relaxed) == 0 { return true }
        waiters.append(continuation)
        return false
      }
      if done { continuation.resume() }
    }
    await group.shutdownGracefully()
  }
}

/// Carries a loop-confined value into work that runs on that loop.
struct UncheckedBox<Value>: @unchecked Sendable {
  // Unchecked: the value is only touched on the loop the work runs on, or
  // under the lock of the state that holds it.
  var value: Value
  init(_ value: Value) { self.value = value }
}
