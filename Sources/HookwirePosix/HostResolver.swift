import Dispatch
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Turns a host name into addresses.
public protocol NameResolving: Sendable {
  /// Every address `host` has (IPv4 and IPv6), or why there are none.
  func resolve(_ host: String) async -> Result<[PeerAddress], ResolutionError>
  /// The same, answered through `completion` on any thread: for callers on
  /// an event loop, which must not wait on Swift's cooperative pool.
  func resolve(_ host: String, completion: @escaping @Sendable (Result<[PeerAddress], ResolutionError>) -> Void)
}

extension NameResolving {
  /// Answers through a task: resolvers whose lookups are async at heart.
  public func resolve(_ host: String, completion: @escaping @Sendable (Result<[PeerAddress], ResolutionError>) -> Void) {
    Task { completion(await resolve(host)) }
  }
}

/// Why a host name gave no addresses.
public struct ResolutionError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The kinds of failure.
  public enum Kind: Sendable, Equatable {
    /// The name does not exist, or has no address records.
    case notFound
    /// The lookup failed for now (no answer from the name servers, a full queue).
    case temporary
  }

  /// The kind.
  public var kind: Kind
  /// One line saying why, naming the host.
  public var reason: String

  /// An error of `kind` with its reason.
  public init(_ kind: Kind, _ reason: String) {
    self.kind = kind
    self.reason = reason
  }

  public var description: String { reason }
}

/// Looks names up with `getaddrinfo` on threads of its own — never an event
/// loop's thread or Swift's cooperative pool, since a lookup can block for
/// seconds — and keeps each answer for a short while.
///
/// - The threads are few and fixed; lookups beyond them wait in a bounded
///   queue, and a full queue fails the lookup at once as temporary.
/// - Concurrent lookups of one name share one `getaddrinfo` call.
/// - Answers (positive only) are kept for `cacheLifetime`, in a bounded
///   table; failures are not kept, so a name that starts resolving is used
///   at once.
/// - An address literal is its own answer, with no lookup.
public final class HostResolver: NameResolving {
  /// A lookup function: the blocking part, replaceable in tests.
  public typealias Lookup = @Sendable (String) -> Result<[PeerAddress], ResolutionError>
  /// Where a lookup's answer goes.
  private typealias Answer = @Sendable (Result<[PeerAddress], ResolutionError>) -> Void

  private struct Cached {
    var addresses: [PeerAddress]
    var expires: UInt64
  }

  private struct State {
    var cache: [String: Cached] = [:]
    /// Names being looked up, with everyone waiting for each.
    var waiting: [String: [Answer]] = [:]
    /// Names queued for a thread, in order.
    var queue: [String] = []
    var stopping = false
  }

  /// How long an answer is reused.
  public let cacheLifetime: Duration
  /// Lookups that may wait for a thread before new ones fail at once.
  public let queueLimit: Int
  /// Names kept at most; expired ones go first when the table is full.
  public let cacheLimit: Int
  private let lookup: Lookup
  private let state = Mutex(State())
  /// Counts queued names (and, at shutdown, one wake per thread).
  private let work = DispatchSemaphore(value: 0)
  private let threadCount: Int

  /// Starts `threads` lookup threads.
  public init(
    threads: Int = 4, cacheLifetime: Duration = .seconds(30), queueLimit: Int = 1_024, cacheLimit: Int = 4_096,
    lookup: @escaping Lookup = HostResolver.systemLookup
  ) {
    self.cacheLifetime = cacheLifetime
    self.queueLimit = queueLimit
    self.cacheLimit = cacheLimit
    self.lookup = lookup
    threadCount = max(1, threads)
    for _ in 0..<threadCount { Self.spawn { [self] in serve() } }
  }

  /// Ends the threads once they finish the lookup in hand; later lookups fail.
  public func shutdown() {
    let waiters = state.withLock { state -> [Answer] in
      state.stopping = true
      state.queue = []
      defer { state.waiting = [:] }
      return state.waiting.values.flatMap { $0 }
    }
    for _ in 0..<threadCount { work.signal() }
    for waiter in waiters { waiter(.failure(ResolutionError(.temporary, "the resolver has stopped"))) }
  }

  public func resolve(_ host: String) async -> Result<[PeerAddress], ResolutionError> {
    let name = Self.unbracketed(host)
    if let known = known(name) { return known }
    return await withCheckedContinuation { continuation in
      enqueue(name) { continuation.resume(returning: $0) }
    }
  }

  /// Answers on the calling thread when it can (a literal, a cached
  /// answer), else on a lookup thread.
  public func resolve(_ host: String, completion: @escaping @Sendable (Result<[PeerAddress], ResolutionError>) -> Void) {
    let name = Self.unbracketed(host)
    if let known = known(name) { return completion(known) }
    enqueue(name, completion)
  }

  private static func unbracketed(_ host: String) -> String {
    host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
  }

  /// The answer without a lookup: an address literal, or a live cached answer.
  private func known(_ name: String) -> Result<[PeerAddress], ResolutionError>? {
    if let literal = PeerAddress(name) { return .success([literal]) }
    let now = MonotonicClock.now()
    if let cached = state.withLock({ $0.cache[name] }), cached.expires > now { return .success(cached.addresses) }
    return nil
  }

  /// Joins the lookup of `name` in progress, or queues one.
  private func enqueue(_ name: String, _ answer: @escaping Answer) {
    let outcome = state.withLock { state -> Result<[PeerAddress], ResolutionError>? in
      if state.stopping { return .failure(ResolutionError(.temporary, "the resolver has stopped")) }
      if let cached = state.cache[name], cached.expires > MonotonicClock.now() { return .success(cached.addresses) }
      if state.waiting[name] != nil {
        state.waiting[name]?.append(answer)
        return nil
      }
      guard state.queue.count < queueLimit else {
        return .failure(ResolutionError(.temporary, "cannot resolve \(name): too many lookups waiting"))
      }
      state.waiting[name] = [answer]
      state.queue.append(name)
      return nil
    }
    if let outcome {
      answer(outcome)
    } else {
      work.signal()
    }
  }

  /// A lookup thread: takes names off the queue until shutdown.
  private func serve() {
    while true {
      work.wait()
      let next = state.withLock { state -> String?? in
        if state.stopping { return .some(nil) }
        return state.queue.isEmpty ? nil : .some(state.queue.removeFirst())
      }
      guard let next else { continue }
      guard let name = next else { return }
      let result = lookup(name)
      let expires = MonotonicClock.deadline(after: cacheLifetime)
      let waiters = state.withLock { state in
        if case .success(let addresses) = result, cacheLifetime > .zero {
          if state.cache.count >= cacheLimit { Self.evict(&state.cache, limit: cacheLimit) }
          state.cache[name] = Cached(addresses: addresses, expires: expires)
        }
        return state.waiting.removeValue(forKey: name) ?? []
      }
      for waiter in waiters { waiter(result) }
    }
  }

  /// Runs `body` on a new detached thread.
  private static func spawn(_ body: @escaping @Sendable () -> Void) {
    final class Body {
      let run: @Sendable () -> Void
      init(_ run: @escaping @Sendable () -> Void) { self.run = run }
    }
    let box = Unmanaged.passRetained(Body(body))
    var thread = pthread_t()
    let created = pthread_create(&thread, nil, { raw in
      guard let raw else { return nil }
      Unmanaged<Body>.fromOpaque(raw).takeRetainedValue().run()
      return nil
    }, box.toOpaque())
    if created == 0 { pthread_detach(thread) } else { box.release() }
  }

  /// Drops expired answers, or half the table when that leaves it full.
  private static func evict(_ cache: inout [String: Cached], limit: Int) {
    let now = MonotonicClock.now()
    cache = cache.filter { $0.value.expires > now }
    if cache.count >= limit {
      for name in Array(cache.keys.prefix(max(1, cache.count / 2))) { cache[name] = nil }
    }
  }

  /// `getaddrinfo` for stream sockets: IPv4 and IPv6 addresses, in the
  /// system's preferred order, without duplicates.
  public static let systemLookup: Lookup = { name in
    var hints = addrinfo()
    hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
    hints.ai_flags = AI_ADDRCONFIG
    var list: UnsafeMutablePointer<addrinfo>?
    let status = getaddrinfo(name, nil, &hints, &list)
    guard status == 0 else {
      switch status {
      // EAI_NODATA (-5) and EAI_ADDRFAMILY (-9) are glibc extensions the headers hide from Swift.
      case EAI_NONAME, -5, -9: return .failure(ResolutionError(.notFound, "cannot resolve \(name): no such host"))
      default: return .failure(ResolutionError(.temporary, "cannot resolve \(name): \(String(cString: gai_strerror(status)))"))
      }
    }
    defer { freeaddrinfo(list) }
    var addresses: [PeerAddress] = []
    var cursor = list
    while let info = cursor {
      if info.pointee.ai_family == AF_INET, let address = info.pointee.ai_addr {
        let ipv4 = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee.sin_addr }
        addresses.append(PeerAddress(family: .ipv4, bytes: withUnsafeBytes(of: ipv4) { Array($0) }))
      } else if info.pointee.ai_family == AF_INET6, let address = info.pointee.ai_addr {
        let ipv6 = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee.sin6_addr }
        addresses.append(PeerAddress(family: .ipv6, bytes: withUnsafeBytes(of: ipv6) { Array($0) }))
      }
      cursor = info.pointee.ai_next
    }
    var seen = Set<PeerAddress>()
    addresses = addresses.filter { seen.insert($0).inserted }
    return addresses.isEmpty ? .failure(ResolutionError(.notFound, "cannot resolve \(name): no addresses")) : .success(addresses)
  }
}
