import HookwirePosix
import Synchronization

/// Keep-alive connections by endpoint (scheme, host, port), each to one
/// checked address, with a cap per endpoint.
///
/// A lease is an idle connection to one of the request's addresses, or the
/// right to open one (a slot under the cap); at the cap, a request waits
/// for a connection or a slot to come free, until its deadline. Exactly
/// one party owns each connection at a time — the pool while it is idle,
/// the lease holder otherwise — and whoever owns it when it goes gives its
/// slot back.
final class HTTPConnectionPool: Sendable {
  /// An endpoint: connections to it share one cap.
  struct HostKey: Hashable, Sendable {
    var scheme: HTTPClientRequest.Scheme
    var host: String
    var port: Int
  }

  /// What a request gets from the pool.
  enum Lease {
    /// An idle connection, now the holder's.
    case reuse(HTTPConnection)
    /// A slot: the holder opens a connection, and gives the slot back with
    /// ``release(_:reusable:)`` or ``abandon(_:)``.
    case open
    /// No connection in time, or the pool has shut down.
    case failed(HTTPClientError)
  }

  private struct Waiter {
    var id: UInt64
    var addresses: [PeerAddress]
    var fresh: Bool
    var continuation: CheckedContinuation<Lease, Never>
  }

  private struct Endpoint {
    /// Connections counted against the cap: idle, leased, or being opened.
    var open = 0
    /// Idle connections, most recently used last.
    var idle: [HTTPConnection] = []
    var waiters: [Waiter] = []
  }

  private struct State {
    var endpoints: [HostKey: Endpoint] = [:]
    var nextWaiter: UInt64 = 0
    var isShutDown = false
  }

  /// Connections per endpoint at most.
  let capacity: Int
  /// How long an idle connection is kept.
  let idleTimeout: Duration
  private let state = Mutex(State())

  init(capacity: Int, idleTimeout: Duration) {
    self.capacity = max(1, capacity)
    self.idleTimeout = idleTimeout
  }

  /// Leases a connection to `host` at one of `addresses` (`fresh`: never an
  /// idle one), waiting at the cap until `deadline`; the wait's timer runs
  /// on `loop`.
  func lease(_ host: HostKey, addresses: [PeerAddress], fresh: Bool, deadline: UInt64, loop: EventLoop) async -> Lease {
    let immediate = state.withLock { state -> Lease? in
      guard !state.isShutDown else { return .failed(Self.shutDown) }
      return grant(host, addresses: addresses, fresh: fresh, in: &state)
    }
    if let immediate { return immediate }
    return await withCheckedContinuation { continuation in
      let registered = state.withLock { state -> (waiter: UInt64?, lease: Lease?) in
        guard !state.isShutDown else { return (nil, .failed(Self.shutDown)) }
        // A connection or a slot may have come free between the two locks;
        // its release found no waiter to hand it to.
        if let lease = grant(host, addresses: addresses, fresh: fresh, in: &state) { return (nil, lease) }
        state.nextWaiter += 1
        state.endpoints[host, default: Endpoint()].waiters.append(
          Waiter(id: state.nextWaiter, addresses: addresses, fresh: fresh, continuation: continuation))
        return (state.nextWaiter, nil)
      }
      if let lease = registered.lease {
        continuation.resume(returning: lease)
      } else if let id = registered.waiter {
        loop.execute { [self] in
          loop.scheduleTimer(at: deadline) { [self] in expireWaiter(id, of: host) }
        }
      }
    }
  }

  /// What a lease gets without waiting: an idle connection to one of
  /// `addresses` (unless `fresh`), or a slot under the cap; at the cap, an
  /// idle connection the request cannot use is closed to make room. Nil
  /// when the request must wait.
  private func grant(_ host: HostKey, addresses: [PeerAddress], fresh: Bool, in state: inout State) -> Lease? {
    var endpoint = state.endpoints[host, default: Endpoint()]
    defer { Self.store(endpoint, for: host, in: &state) }
    if !fresh, let index = endpoint.idle.lastIndex(where: { addresses.contains($0.address) }) {
      return .reuse(endpoint.idle.remove(at: index))
    }
    if endpoint.open < capacity {
      endpoint.open += 1
      return .open
    }
    if !endpoint.idle.isEmpty {
      // At the cap with idle connections this request cannot use (another
      // address, or a fresh one wanted): one makes room.
      let stale = endpoint.idle.removeFirst()
      stale.loop.execute { stale.close() }
      return .open
    }
    return nil
  }

  /// Takes back a leased connection after its exchange (on its loop): a
  /// reusable one goes to a waiter that can use it or parks idle; one that
  /// closed frees its slot for the first waiter.
  func release(_ connection: HTTPConnection, reusable: Bool) {
    let handOff = state.withLock { state -> (CheckedContinuation<Lease, Never>, Lease)? in
      guard var endpoint = state.endpoints[connection.host] else {
        // Shut down since the lease: nobody will take the connection again.
        if connection.isOpen { connection.close() }
        return nil
      }
      defer { Self.store(endpoint, for: connection.host, in: &state) }
      let keep = reusable && connection.isOpen && !state.isShutDown
      if keep, let index = endpoint.waiters.firstIndex(where: { !$0.fresh && $0.addresses.contains(connection.address) }) {
        return (endpoint.waiters.remove(at: index).continuation, .reuse(connection))
      }
      if keep && endpoint.waiters.isEmpty {
        endpoint.idle.append(connection)
        connection.retire = { [weak self] connection in self?.retire(connection) ?? true }
        connection.park(idleTimeout: idleTimeout)
        return nil
      }
      if connection.isOpen { connection.close() }
      guard !endpoint.waiters.isEmpty else {
        endpoint.open -= 1
        return nil
      }
      // The slot passes straight to the first waiter.
      return (endpoint.waiters.removeFirst().continuation, .open)
    }
    if let (continuation, lease) = handOff { continuation.resume(returning: lease) }
  }

  /// Gives back a slot whose connection could not be opened.
  func abandon(_ host: HostKey) {
    let next = state.withLock { state -> CheckedContinuation<Lease, Never>? in
      guard var endpoint = state.endpoints[host] else { return nil }
      defer { Self.store(endpoint, for: host, in: &state) }
      guard !endpoint.waiters.isEmpty else {
        endpoint.open -= 1
        return nil
      }
      return endpoint.waiters.removeFirst().continuation
    }
    next?.resume(returning: .open)
  }

  /// Removes an idle connection that is ending (on its loop); false when it
  /// was not idle in the pool (its lease holder gives its slot back).
  func retire(_ connection: HTTPConnection) -> Bool {
    let (removed, next) = state.withLock { state -> (Bool, CheckedContinuation<Lease, Never>?) in
      guard var endpoint = state.endpoints[connection.host],
        let index = endpoint.idle.firstIndex(where: { $0 === connection })
      else { return (false, nil) }
      defer { Self.store(endpoint, for: connection.host, in: &state) }
      endpoint.idle.remove(at: index)
      guard !endpoint.waiters.isEmpty else {
        endpoint.open -= 1
        return (true, nil)
      }
      return (true, endpoint.waiters.removeFirst().continuation)
    }
    next?.resume(returning: .open)
    return removed
  }

  /// Fails every waiter, closes every idle connection, and refuses new leases.
  func shutdown() {
    let (waiters, idle) = state.withLock { state -> ([Waiter], [HTTPConnection]) in
      state.isShutDown = true
      let waiters = state.endpoints.values.flatMap(\.waiters)
      let idle = state.endpoints.values.flatMap(\.idle)
      state.endpoints = [:]
      return (waiters, idle)
    }
    for waiter in waiters { waiter.continuation.resume(returning: .failed(Self.shutDown)) }
    for connection in idle { connection.loop.execute { connection.close() } }
  }

  /// Connections counted against `host`'s cap, and how many of them are idle.
  func count(_ host: HostKey) -> (open: Int, idle: Int) {
    state.withLock { state in
      let endpoint = state.endpoints[host]
      return (endpoint?.open ?? 0, endpoint?.idle.count ?? 0)
    }
  }

  private func expireWaiter(_ id: UInt64, of host: HostKey) {
    let waiter = state.withLock { state -> Waiter? in
      guard var endpoint = state.endpoints[host], let index = endpoint.waiters.firstIndex(where: { $0.id == id }) else { return nil }
      defer { Self.store(endpoint, for: host, in: &state) }
      return endpoint.waiters.remove(at: index)
    }
    waiter?.continuation.resume(returning: .failed(HTTPClientError(.timedOut, "timed out waiting for a connection")))
  }

  /// Writes an endpoint back, dropping it once it holds nothing.
  private static func store(_ endpoint: Endpoint, for host: HostKey, in state: inout State) {
    if endpoint.open <= 0 && endpoint.idle.isEmpty && endpoint.waiters.isEmpty {
      state.endpoints[host] = nil
    } else {
      state.endpoints[host] = endpoint
    }
  }

  private static let shutDown = HTTPClientError(.unavailable, "the HTTP client has shut down")
}
