import HookwireMetrics
import HookwirePosix
import HookwireRPC
import HookwireTLS
import HookwireWire
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Hookwire's RPC server: one listening socket per event loop on the same
/// port (the kernel spreads connections), a protocol connection per client,
/// handlers run on the loop that owns their connection (the heavy ones, as
/// the request guard says, on Swift's global executor).
///
/// Connections are admitted as `ConnectionRegistry` describes: a limit per
/// peer address, and at the global cap an idle connection is drained to let
/// a new one in. A refused connection gets the server's preface, SETTINGS
/// and GOAWAY `ENHANCE_YOUR_CALM` saying why, and is closed.
///
/// With `Configuration.tls` the port serves TLS only (`Schema/PROTOCOL.md`
/// §1.1): each admitted connection first runs its handshake on its loop,
/// bounded by `tlsHandshakeTimeout`; the protocol connection starts once it
/// has succeeded, and every call on it carries the connection's
/// `ConnectionSecurity` (version, ALPN, the verified client certificate). A
/// failed handshake is counted (`failedHandshakes`), logged at most once a
/// second with its reason, and costs nothing more. `reloadTLS()` swaps the
/// certificate for new handshakes.
///
/// Its life: `init` only records what to serve; `start()` reads the TLS
/// files, starts the loops, binds and returns the port; `shutdown()` drains
/// and stops the loops (handshakes in progress are closed).
public final class RPCServer: Sendable {
  /// How the server is set up.
  public struct Configuration: Sendable {
    /// Numeric host to bind, such as `127.0.0.1` or `::1`.
    public var host = "127.0.0.1"
    /// Port to bind; 0 picks a free one (`start()` returns it).
    public var port = 7700
    /// Event loops (threads); default one per core.
    public var loops = System.coreCount
    /// Protocol limits and timeouts.
    public var limits = ConnectionLimits()
    /// Most connections open at once across the server; at the cap an idle
    /// connection is drained to admit a new one (see `ConnectionRegistry`).
    public var maxConnections = 10_000
    /// Most connections open at once from one IPv4 address or IPv6 /64.
    /// One multiplexed connection serves a client's concurrent calls; 256
    /// leaves room for connection pools, load tests and clients behind one
    /// NAT, while taking the whole cap needs 40 addresses.
    public var maxConnectionsPerPeer = 256
    /// How long calls may run after a shutdown starts.
    public var shutdownGrace: Duration = .seconds(10)
    /// TLS on the port: the certificate chain and key, the client CA and
    /// whether client certificates are asked for or required. The server
    /// offers ALPN `hookwire/1` (whatever the configuration lists) and
    /// refuses a client that offers only other protocols. Nil serves plaintext.
    public var tls: TLSServerConfiguration?
    /// How long a TLS handshake may take before the connection is closed.
    public var tlsHandshakeTimeout: Duration = .seconds(10)
    /// Where calls, connections and handshakes are counted; nil keeps no metrics.
    package var metrics: MetricsRegistry?

    /// The defaults: `127.0.0.1:7700`, one loop per core.
    public init() {}
  }

  struct State {
    var listeners: [TCPListener] = []
    var connections: [UInt64: ServerConnection] = [:]
    /// TLS connections whose handshake is running.
    var handshakes: [UInt64: StreamLink] = [:]
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

  /// What a started server owns: its event loops, each loop's state (the
  /// same index as its loop) and the port its listeners share.
  final class Serving: Sendable {
    let group: EventLoopGroup
    // Each loop touches only its own entry; the lock also lets shutdown read them all.
    let states: [LoopState]
    let port: Int

    init(group: EventLoopGroup, port: Int) {
      self.group = group
      self.states = group.loops.map { _ in LoopState() }
      self.port = port
    }
  }

  /// Where the server is in its life.
  enum Lifecycle {
    /// Built: nothing bound, no thread started.
    case idle
    /// Listening and serving.
    case serving(Serving)
    /// Shut down or shutting down; nil when it never started.
    case shutDown(Serving?)
  }

  /// The configuration in force.
  public let configuration: Configuration
  let router: RPCRouter
  let interceptors: [any ServerInterceptor]
  let log: ServerLog
  /// The log fields naming a call's caller, from what the interceptors attached.
  let callFields: @Sendable (ServerContextValues) -> [LogField]
  private let lifecycle = Mutex(Lifecycle.idle)
  private let connectionCount = Atomic<Int>(0)
  private let closedAll: Mutex<[CheckedContinuation<Void, Never>]> = Mutex([])
  private let registry: ConnectionRegistry
  private let memory = MemoryReturner()
  private let refusalsLoggedAt = Mutex<ContinuousClock.Instant?>(nil)
  /// The context new TLS handshakes use; replaced by `reloadTLS()`.
  private let tlsContext = Mutex<TLSContext?>(nil)
  private let handshakeFailures = HandshakeFailureLog()
  /// Call metrics, when the configuration names a registry.
  private let callMetrics: RPCServerMetrics?
  /// Connection metrics, when the configuration names a registry.
  private let listenerMetrics: ListenerMetrics?

  /// Prepares to serve `services`; `requestGuard` checks every request's
  /// bounds before its handler runs; `callFields` names a call's caller in
  /// its log lines (the partner, the key prefix). Nothing is bound and no
  /// thread starts until `start()`.
  public init(
    configuration: Configuration = Configuration(), services: [any RPCService],
    interceptors: [any ServerInterceptor] = [], requestGuard: (any RequestGuard)? = nil, log: ServerLog = ServerLog(),
    callFields: @escaping @Sendable (ServerContextValues) -> [LogField] = { _ in [] }
  ) {
    self.configuration = configuration
    self.interceptors = interceptors
    self.log = log
    self.callFields = callFields
    registry = ConnectionRegistry(maxConnections: configuration.maxConnections, maxPerPeer: configuration.maxConnectionsPerPeer)
    let router = RPCRouter(
      services: services, limits: .init(maxMessageBytes: configuration.limits.maxMessageSize), requestGuard: requestGuard)
    self.router = router
    callMetrics = configuration.metrics.map { RPCServerMetrics(registry: $0, methods: router.methodsByOrdinal, loops: configuration.loops) }
    listenerMetrics = configuration.metrics.map { ListenerMetrics(registry: $0) }
  }

  /// The port the server listens on: nil until `start()`, then the one
  /// bound (still known after shutdown).
  public var port: Int? {
    lifecycle.withLock { lifecycle in
      switch lifecycle {
      case .idle, .shutDown(nil): nil
      case .serving(let serving), .shutDown(let serving?): serving.port
      }
    }
  }

  /// Starts the event loops, binds one listening socket per loop and begins
  /// accepting; returns the port bound (the kernel's pick for port 0).
  /// Connections that arrive before a loop registers its socket wait in the
  /// kernel's backlog. When binding fails nothing is left open or running,
  /// and the server may be started again (once the port is free).
  ///
  /// A server starts once: starting it again after it started, or after
  /// `shutdown()`, is a programming error (build a new server to serve again).
  ///
  /// - Throws: `TLSError` when the TLS files cannot be used (nothing is
  ///   bound then), `IOError` when binding or starting the loops fails.
  @discardableResult
  public func start() throws -> Int {
    if let tls = configuration.tls { tlsContext.withLock { $0 = nil }; try installTLS(tls) }
    let serving = try lifecycle.withLock { lifecycle throws(IOError) -> Serving in
      guard case .idle = lifecycle else { preconditionFailure("RPCServer.start() called on a server already started or shut down") }
      let serving = try bind()
      lifecycle = .serving(serving)
      return serving
    }
    return serving.port
  }

  // MARK: - TLS

  /// Whether the port serves TLS.
  public var servesTLS: Bool { configuration.tls != nil }

  /// Reads the TLS files again (certificate chain, key, client CA) and
  /// uses them for every handshake from now on; connections already open
  /// keep theirs. When a file cannot be used the error says why and the
  /// server goes on with what it had. Call it off the event loops (it reads
  /// files), e.g. on SIGHUP.
  public func reloadTLS() throws(TLSError) {
    guard let tls = configuration.tls else { throw TLSError(.configuration, "TLS: the server serves plaintext; there is nothing to reload") }
    try installTLS(tls)
  }

  private func installTLS(_ tls: TLSServerConfiguration) throws(TLSError) {
    var effective = tls
    effective.applicationProtocols = [TransportSecurity.applicationProtocol] + tls.applicationProtocols.filter { $0 != TransportSecurity.applicationProtocol }
    effective.requiresApplicationProtocol = true
    let context = try TLSContext(server: effective)
    tlsContext.withLock { $0 = context }
  }

  /// TLS handshakes that failed (or timed out) since the server started.
  public var failedHandshakes: Int { handshakeFailures.count }

  /// Starts the loops and binds every listener, or undoes what it did and throws.
  private func bind() throws(IOError) -> Serving {
    let group = try EventLoopGroup(loops: configuration.loops, name: "hookwire-server")
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
    let serving = Serving(group: group, port: port)
    for (index, listener) in listeners.enumerated() {
      let loop = group.loops[index]
      listener.onAccept = { [weak self] fd, peer in
        guard let self else {
          _ = close(fd)
          return
        }
        self.accept(fd, from: peer, on: serving, index: index, loop: loop)
      }
      let box = UncheckedBox(listener)
      let host = configuration.host
      loop.execute { [self] in
        do {
          try box.value.start()
          serving.states[index].withLock { $0.listeners.append(box.value) }
        } catch {
          self.log.error("cannot accept connections", LogField("address", "\(host):\(serving.port)"), .error("\(error)"))
        }
      }
    }
    return serving
  }

  private func accept(_ fd: Int32, from peer: PeerAddress?, on serving: Serving, index: Int, loop: EventLoop) {
    let stream = TCPStream(fd: fd, loop: loop)
    stream.linger = Self.linger
    if serving.states[index].withLock({ $0.shuttingDown }).value {
      listenerMetrics?.refused.add(ListenerMetrics.Refusal.shuttingDown.rawValue, shard: index)
      return refuse(stream, "the server is shutting down")
    }
    let record: ConnectionRecord
    switch registry.admit(peer, loopIndex: index) {
    case .refusedPerPeer:
      let from = peer.map { $0.family == .ipv4 ? "\($0.group)" : "\($0.group)/64" } ?? "this address"
      listenerMetrics?.refused.add(ListenerMetrics.Refusal.perPeer.rawValue, shard: index)
      return refuse(stream, "too many connections from \(from) (limit \(registry.maxPerPeer))")
    case .refusedAtCapacity:
      listenerMetrics?.refused.add(ListenerMetrics.Refusal.atCapacity.rawValue, shard: index)
      return refuse(stream, "the server has \(registry.maxConnections) connections open, each with a call in flight")
    case .admitted(let admitted, let victim):
      record = admitted
      listenerMetrics?.accepted.add(0, shard: index)
      if let victim { evict(victim, on: serving) }
    }
    closedAll.withLock { _ in _ = connectionCount.add(1, ordering: .relaxed) }
    listenerMetrics?.open.add(0, 1, shard: index)
    guard configuration.tls != nil else {
      let link = StreamLink(stream: stream)
      serve(link, record: record, peer: peer, interceptors: [record] + interceptors, on: serving)
      do {
        try link.start()
      } catch {
        log.warning("cannot start a connection", .peer(peer.map(String.init(describing:)) ?? "unknown"), .error("\(error)"))
        stream.close(error)
      }
      return
    }
    handshake(stream, peer: peer, record: record, on: serving)
  }

  /// Runs the TLS handshake of an admitted connection, within the
  /// handshake timeout, then serves it; a failure is logged (a line per
  /// interval) and costs the server this one short-lived connection.
  private func handshake(_ stream: TCPStream, peer: PeerAddress?, record: ConnectionRecord, on serving: Serving) {
    let from = peer.map(String.init(describing:)) ?? "unknown"
    guard let context = tlsContext.withLock({ $0 }) else { preconditionFailure("a TLS server has a context once started") }
    let tls: TLSStream
    do {
      tls = try TLSStream(server: context, over: stream)
    } catch {
      stream.close()
      listenerMetrics?.handshakes.add(ListenerMetrics.Handshake.failed.rawValue, shard: record.loopIndex)
      handshakeFailures.record(peer: from, reason: error.reason, log: log)
      return release(record, on: serving)
    }
    tls.replyToPlaintext = Self.tlsRequired
    let link = StreamLink(tls: tls)
    serving.states[record.loopIndex].withLock { $0.handshakes[record.serial] = link }
    var timedOut = false
    let timer = stream.loop.scheduleTimer(at: MonotonicClock.deadline(after: configuration.tlsHandshakeTimeout)) { [weak link] in
      timedOut = true
      link?.close()
    }
    let timeout = configuration.tlsHandshakeTimeout
    link.startTLS { [weak self] error in
      guard let self else { return link.close() }
      stream.loop.cancelTimer(timer)
      if let error {
        let reason = timedOut ? "the TLS handshake did not finish within \(timeout)" : error.description
        self.listenerMetrics?.handshakes.add(
          (timedOut ? ListenerMetrics.Handshake.timedOut : .failed).rawValue, shard: record.loopIndex)
        self.handshakeFailures.record(peer: from, reason: reason, log: self.log)
        return self.connectionClosed(record, on: serving)
      }
      guard !serving.states[record.loopIndex].withLock({ $0.shuttingDown }).value else {
        link.close()
        return self.connectionClosed(record, on: serving)
      }
      serving.states[record.loopIndex].withLock { _ = $0.handshakes.removeValue(forKey: record.serial) }
      self.listenerMetrics?.handshakes.add(ListenerMetrics.Handshake.succeeded.rawValue, shard: record.loopIndex)
      let security = ConnectionSecurity(
        version: tls.negotiatedVersion ?? .tls13, applicationProtocol: tls.negotiatedApplicationProtocol, peerCertificate: tls.peerCertificate)
      self.serve(link, record: record, peer: peer, interceptors: [record, SecurityStamp(security)] + self.interceptors, on: serving)
    }
  }

  /// Runs the protocol over an open (and, for TLS, established) link.
  private func serve(
    _ link: StreamLink, record: ConnectionRecord, peer: PeerAddress?, interceptors: [any ServerInterceptor], on serving: Serving
  ) {
    let shownPeer = peer.map(String.init(describing:))
    let connection = ServerConnection(
      host: link, router: router, interceptors: interceptors, limits: configuration.limits,
      log: { [log] text in log.info(text, .peer(shownPeer ?? "unknown")) },
      callEnded: { [log, callFields] end in Self.logCallEnd(end, peer: shownPeer, log: log, callFields: callFields) },
      onClose: { [weak self] in self?.connectionClosed(record, on: serving) })
    if let callMetrics { connection.metrics = RPCMetricsRecorder(callMetrics, loopIndex: record.loopIndex) }
    link.setReceivers(
      received: { connection.received($0) }, drained: { connection.transportDrained() }, closed: { connection.transportClosed() })
    serving.states[record.loopIndex].withLock { $0.connections[record.serial] = connection }
  }

  /// What a TLS port answers a client that spoke plaintext: when it sent
  /// Hookwire's preface, the server's preface, SETTINGS and GOAWAY
  /// `INADEQUATE_SECURITY` saying TLS is expected; to anything else, nothing.
  static func tlsRequired(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
    let magic = ConnectionPreface.magic
    guard bytes.count >= 1, zip(bytes, magic).allSatisfy({ $0 == $1 }) else { return [] }
    var writer = WireWriter()
    ConnectionPreface.write(to: &writer)
    FrameEncoder.write(Frame(type: .settings, callID: 0), to: &writer)
    let text = "the server expects TLS on this port (ALPN \(TransportSecurity.applicationProtocol))"
    FrameEncoder.write(
      .goAway, callID: 0, message: GoAway(lastCallID: 0, errorCode: GoAwayCode.inadequateSecurity.rawValue, debugText: text), to: &writer)
    return writer.bytes()
  }

  /// How long a connection the server closes may take to close its side
  /// (see `TCPStream.linger`): its client reads the final GOAWAY instead of a reset.
  static let linger: Duration = .seconds(2)

  /// Sends a refused connection the server's preface, SETTINGS and GOAWAY
  /// `ENHANCE_YOUR_CALM` with `reason`, then closes it (lingering, so the
  /// client reads why rather than a reset).
  private func refuse(_ stream: TCPStream, _ reason: String) {
    do {
      try stream.start()
    } catch {
      return stream.close(error)
    }
    var writer = WireWriter()
    ConnectionPreface.write(to: &writer)
    FrameEncoder.write(Frame(type: .settings, callID: 0), to: &writer)
    FrameEncoder.write(
      .goAway, callID: 0, message: GoAway(lastCallID: 0, errorCode: GoAwayCode.enhanceYourCalm.rawValue, debugText: reason),
      to: &writer)
    writer.bytes().withUnsafeBytes { stream.write($0) }
    stream.closeWhenFlushed()
    // One line per interval, however many are refused.
    let now = ContinuousClock.now
    let due = refusalsLoggedAt.withLock { last -> Bool in
      guard last.map({ now - $0 >= .seconds(10) }) ?? true else { return false }
      last = now
      return true
    }
    if due {
      let stats = registry.stats
      log.warning(
        "refusing connections: \(reason)", LogField("refused_per_peer", stats.refusedPerPeer), LogField("refused_at_capacity", stats.refusedAtCapacity))
    }
  }

  /// Drains an idle connection, on its loop, to make room at the cap.
  private func evict(_ victim: ConnectionRecord, on serving: Serving) {
    let grace = configuration.shutdownGrace
    serving.group.loops[victim.loopIndex].execute {
      let connection = serving.states[victim.loopIndex].withLock { $0.connections[victim.serial] }.value
      connection?.beginDrain(grace: grace)
    }
  }

  /// Forgets a closed connection (or one whose handshake failed): its
  /// admission slot, its count; the last one wakes `shutdown`. Once per record.
  private func connectionClosed(_ record: ConnectionRecord, on serving: Serving) {
    let removed = serving.states[record.loopIndex].withLock { state in
      state.connections.removeValue(forKey: record.serial) != nil || state.handshakes.removeValue(forKey: record.serial) != nil
    }.value
    guard removed else { return }
    release(record, on: serving)
  }

  /// Gives back what an admitted connection held: its admission slot, its
  /// count; the last one wakes `shutdown`.
  private func release(_ record: ConnectionRecord, on serving: Serving) {
    registry.remove(record)
    listenerMetrics?.open.add(0, -1)
    memory.connectionClosed()
    // Decrement under the waiters' lock so `shutdown` cannot miss the last close.
    let waiters = closedAll.withLock { waiters -> [CheckedContinuation<Void, Never>] in
      guard connectionCount.subtract(1, ordering: .relaxed).newValue == 0 else { return [] }
      defer { waiters = [] }
      return waiters
    }
    for waiter in waiters { waiter.resume() }
  }

  /// What the admission policy has done: admitted, refused, evicted.
  public var connectionStats: ConnectionStats { registry.stats }

  /// Whether the caller runs on one of the server's event loops (for
  /// checking where handlers run).
  package var onEventLoop: Bool {
    lifecycle.withLock { lifecycle in
      switch lifecycle {
      case .idle, .shutDown(nil): false
      case .serving(let serving), .shutDown(let serving?): serving.group.loops.contains { $0.inEventLoop }
      }
    }
  }

  /// Connections open now.
  public var openConnections: Int { connectionCount.load(ordering: .relaxed) }

  // MARK: - Shutdown

  /// Graceful shutdown: stop accepting, drain every connection (GOAWAY,
  /// in-flight calls finish within the grace period), flush, close; then
  /// stop the loops. A server never started just becomes shut down; a
  /// later call waits for the same drain to end.
  public func shutdown() async {
    let (started, first) = lifecycle.withLock { lifecycle -> (Serving?, Bool) in
      switch lifecycle {
      case .idle:
        lifecycle = .shutDown(nil)
        return (nil, false)
      case .serving(let serving):
        lifecycle = .shutDown(serving)
        return (serving, true)
      case .shutDown(let serving):
        return (serving, false)
      }
    }
    guard let serving = started else { return }
    if first { beginShutdown(serving) }
    await withCheckedContinuation { continuation in
      let done = closedAll.withLock { waiters -> Bool in
        if connectionCount.load(ordering: .relaxed) == 0 { return true }
        waiters.append(continuation)
        return false
      }
      if done { continuation.resume() }
    }
    await serving.group.shutdownGracefully()
  }

  /// On each loop: refuse newcomers, close the listeners, drain every connection.
  private func beginShutdown(_ serving: Serving) {
    let grace = configuration.shutdownGrace
    for (index, loop) in serving.group.loops.enumerated() {
      loop.execute {
        let (connections, handshakes) = serving.states[index].withLock { state -> ([ServerConnection], [StreamLink]) in
          state.shuttingDown = true
          for listener in state.listeners { listener.close() }
          state.listeners = []
          return (Array(state.connections.values), Array(state.handshakes.values))
        }.value
        for connection in connections { connection.beginDrain(grace: grace) }
        // A handshake in progress has no call to finish.
        for link in handshakes { link.close() }
      }
    }
  }
}
