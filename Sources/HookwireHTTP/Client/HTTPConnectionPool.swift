import HookwirePosix
import HookwireTLS
import Synchronization

/// Keep-alive connections by endpoint (scheme, host, port), each to one
/// checked address, with a cap per endpoint, and the requests waiting for
/// one.
///
/// A request runs on an idle connection to one of its addresses, or on a
/// new one while the endpoint is under its cap; at the cap it waits in the
/// endpoint's queue until a connection or a slot comes free (and runs there
/// and then, on that connection's loop) or its deadline passes. Exactly one
/// party owns each connection at a time — the pool while it is idle, the
/// running request otherwise — and whoever owns it when it goes gives its
/// slot back.
final class HTTPConnectionPool: Sendable {
  /// An endpoint: connections to it share one cap.
  struct HostKey: Hashable, Sendable {
    var scheme: HTTPClientRequest.Scheme
    var host: String
    var port: Int
  }

  /// What the pool decided for a request.
  private enum Placement {
    /// Run on this idle connection.
    case reuse(HTTPConnection)
    /// Open a connection in a free slot.
    case open
    /// Queued until something comes free.
    case queued(armSweep: Bool)
    /// The pool has shut down.
    case refused
  }

  private struct Endpoint {
    /// Connections counted against the cap: idle, running, or being opened.
    var open = 0
    /// Idle connections, most recently used last.
    var idle: [HTTPConnection] = []
    /// Requests waiting, oldest first.
    var queue: [HTTPRequestJob] = []
  }

  private struct State {
    var endpoints: [HostKey: Endpoint] = [:]
    /// The deadline the queue sweep is set for, if one is.
    var sweepAt: UInt64?
    var isShutDown = false
  }

  /// Connections per endpoint at most.
  let capacity: Int
  /// How long an idle connection is kept.
  let idleTimeout: Duration
  /// Exchanges per connection at most.
  let maxRequests: Int
  /// What a response may hold.
  let limits: HTTPParserLimits
  /// What https connections are secured with.
  let tls: TLSContext?
  private let observe: (@Sendable (PeerAddress, Int) -> Void)?
  private let observeHandshake: (@Sendable (Bool) -> Void)?
  private let state = Mutex(State())

  init(
    capacity: Int, idleTimeout: Duration, maxRequests: Int, limits: HTTPParserLimits, tls: TLSContext?,
    observe: (@Sendable (PeerAddress, Int) -> Void)?, observeHandshake: (@Sendable (Bool) -> Void)?
  ) {
    self.tls = tls
    self.observeHandshake = observeHandshake
    self.capacity = max(1, capacity)
    self.idleTimeout = idleTimeout
    self.maxRequests = max(1, maxRequests)
    self.limits = limits
    self.observe = observe
  }

  // MARK: - Requests

  /// Runs `job`: on an idle connection, on a new one opened on `loop`, or
  /// later, from the queue. Any thread.
  func submit(_ job: HTTPRequestJob, loop: EventLoop) {
    let placement = state.withLock { state -> Placement in
      guard !state.isShutDown else { return .refused }
      var endpoint = state.endpoints[job.host, default: Endpoint()]
      defer { state.endpoints[job.host] = endpoint }
      if !job.fresh, let index = endpoint.idle.lastIndex(where: { job.addresses.contains($0.address) }) {
        return .reuse(endpoint.idle.remove(at: index))
      }
      if endpoint.open < capacity {
        endpoint.open += 1
        return .open
      }
      if !endpoint.idle.isEmpty {
        // At the cap with idle connections this request cannot use (another
        // address, or a fresh one wanted): one makes room.
        let unusable = endpoint.idle.removeFirst()
        unusable.loop.execute { unusable.close() }
        return .open
      }
      endpoint.queue.append(job)
      guard state.sweepAt.map({ job.deadline < $0 }) ?? true else { return .queued(armSweep: false) }
      state.sweepAt = job.deadline
      return .queued(armSweep: true)
    }
    switch placement {
    case .reuse(let connection):
      connection.loop.run { [self] in run(job, on: connection) }
    case .open:
      loop.run { [self] in open(job, on: loop) }
    case .queued(let armSweep):
      if armSweep { loop.run { [self] in loop.scheduleTimer(at: job.deadline) { [self] in sweep(on: loop) } } }
    case .refused:
      job.finish(.failure(Self.shutDown))
    }
  }

  /// Exchanges `job` on `connection` (its loop), then gives the connection
  /// back; a kept connection the endpoint had closed gets the job once more
  /// on a fresh one.
  private func run(_ job: HTTPRequestJob, on connection: HTTPConnection) {
    let wasKept = connection.requestsServed > 0
    connection.exchange(job.bytes, limits: limits, deadline: job.deadline) { [self] result, reusable in
      release(connection, reusable: reusable && connection.requestsServed < maxRequests)
      if wasKept, !job.fresh, case .failure(let error) = result, error.kind == .closedBeforeResponse {
        job.fresh = true
        submit(job, loop: connection.loop)
      } else {
        job.finish(result)
      }
    }
  }

  /// Opens a connection for `job` on `loop` (in a slot already counted).
  private func open(_ job: HTTPRequestJob, on loop: EventLoop) {
    HTTPConnection.open(
      host: job.host, addresses: job.addresses, loop: loop, deadline: job.deadline, tls: tls, observe: observe,
      observeHandshake: observeHandshake
    ) { [self] opened in
      switch opened {
      case .success(let connection):
        run(job, on: connection)
      case .failure(let error):
        freeSlot(of: job.host, on: loop)
        job.finish(.failure(error))
      }
    }
  }

  /// Takes back a connection after its exchange (on its loop): a reusable
  /// one runs the next waiting request that can use it, or parks idle; one
  /// that closed frees its slot for the next waiting request.
  private func release(_ connection: HTTPConnection, reusable: Bool) {
    enum Next {
      case none
      case run(HTTPRequestJob)
      case open(HTTPRequestJob)
    }
    let next = state.withLock { state -> Next in
      guard var endpoint = state.endpoints[connection.host] else {
        // The pool has shut down.
        if connection.isOpen { connection.close() }
        return .none
      }
      defer { Self.store(endpoint, for: connection.host, in: &state) }
      let keep = reusable && connection.isOpen && !state.isShutDown
      if keep, let index = endpoint.queue.firstIndex(where: { !$0.fresh && $0.addresses.contains(connection.address) }) {
        return .run(endpoint.queue.remove(at: index))
      }
      if keep && endpoint.queue.isEmpty {
        // Parked under the lock, so no request takes it before its idle timer is set.
        endpoint.idle.append(connection)
        connection.retire = { [weak self] connection in self?.retire(connection) ?? true }
        connection.park(idleTimeout: idleTimeout)
        return .none
      }
      guard !endpoint.queue.isEmpty else {
        endpoint.open -= 1
        if connection.isOpen { connection.close() }
        return .none
      }
      // The slot passes straight to the oldest waiting request.
      return .open(endpoint.queue.removeFirst())
    }
    switch next {
    case .run(let job):
      run(job, on: connection)
    case .open(let job):
      if connection.isOpen { connection.close() }
      open(job, on: connection.loop)
    case .none:
      break
    }
  }

  /// Gives back a slot (on `loop`): the oldest waiting request gets it.
  private func freeSlot(of host: HostKey, on loop: EventLoop) {
    let next = state.withLock { state -> HTTPRequestJob? in
      guard var endpoint = state.endpoints[host] else { return nil }
      defer { Self.store(endpoint, for: host, in: &state) }
      guard !endpoint.queue.isEmpty else {
        endpoint.open -= 1
        return nil
      }
      return endpoint.queue.removeFirst()
    }
    if let next { open(next, on: loop) }
  }

  /// Removes an idle connection that is ending (on its loop); false when it
  /// was not idle in the pool (its running request gives its slot back).
  func retire(_ connection: HTTPConnection) -> Bool {
    let removed = state.withLock { state -> Bool in
      guard var endpoint = state.endpoints[connection.host], let index = endpoint.idle.firstIndex(where: { $0 === connection })
      else { return false }
      endpoint.idle.remove(at: index)
      // The slot stays counted; `freeSlot` below hands it on or returns it.
      state.endpoints[connection.host] = endpoint
      return true
    }
    if removed { freeSlot(of: connection.host, on: connection.loop) }
    return removed
  }

  /// Fails requests whose deadline passed while they waited, and sets the
  /// next sweep (on `loop`).
  private func sweep(on loop: EventLoop) {
    let now = MonotonicClock.now()
    let (expired, next) = state.withLock { state -> ([HTTPRequestJob], UInt64?) in
      var expired: [HTTPRequestJob] = []
      var earliest: UInt64?
      for (host, var endpoint) in state.endpoints where !endpoint.queue.isEmpty {
        expired += endpoint.queue.filter { $0.deadline <= now }
        endpoint.queue.removeAll { $0.deadline <= now }
        if let first = endpoint.queue.map(\.deadline).min() { earliest = min(earliest ?? first, first) }
        Self.store(endpoint, for: host, in: &state)
      }
      state.sweepAt = earliest
      return (expired, earliest)
    }
    for job in expired { job.finish(.failure(HTTPClientError(.timedOut, "timed out waiting for a connection"))) }
    if let next { loop.scheduleTimer(at: next) { [self] in sweep(on: loop) } }
  }

  // MARK: - Shutdown and counts

  /// Fails every waiting request, closes every idle connection, and
  /// refuses new requests.
  func shutdown() {
    let (queued, idle) = state.withLock { state -> ([HTTPRequestJob], [HTTPConnection]) in
      state.isShutDown = true
      let queued = state.endpoints.values.flatMap(\.queue)
      let idle = state.endpoints.values.flatMap(\.idle)
      state.endpoints = [:]
      return (queued, idle)
    }
    for job in queued { job.finish(.failure(Self.shutDown)) }
    for connection in idle { connection.loop.execute { connection.close() } }
  }

  /// Connections counted against `host`'s cap, and how many of them are idle.
  func count(_ host: HostKey) -> (open: Int, idle: Int) {
    state.withLock { state in
      let endpoint = state.endpoints[host]
      return (endpoint?.open ?? 0, endpoint?.idle.count ?? 0)
    }
  }

  /// Writes an endpoint back, dropping it once it holds nothing.
  private static func store(_ endpoint: Endpoint, for host: HostKey, in state: inout State) {
    if endpoint.open <= 0 && endpoint.idle.isEmpty && endpoint.queue.isEmpty {
      state.endpoints[host] = nil
    } else {
      state.endpoints[host] = endpoint
    }
  }

  private static let shutDown = HTTPClientError(.unavailable, "the HTTP client has shut down")
}

extension EventLoop {
  /// Runs `work` now when called on this loop, else hands it over.
  fileprivate func run(_ work: @escaping @Sendable () -> Void) {
    if inEventLoop { work() } else { execute(work) }
  }
}
