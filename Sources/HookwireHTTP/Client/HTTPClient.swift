import HookwirePosix
import HookwireTLS

/// Hookwire's HTTP/1.1 client for deliveries, on Hookwire's own event loops.
///
/// - It connects only to the addresses a request carries (the caller
///   checked them), in order, trying the next on a connect failure; the
///   URL's host goes only into the `host` header.
/// - `timeout` bounds the whole exchange: waiting for a connection,
///   connecting, writing, and reading the answer, however slowly the
///   endpoint trickles it.
/// - At most ``Configuration/limits`` of an answer is read (64 KiB of body);
///   a longer answer ends there and its connection is dropped.
/// - Redirects are answers like any other; there are no cookies, caches or
///   authentication retries.
/// - Connections are kept alive per endpoint (scheme, host, port), each to
///   one address, at most ``Configuration/maxConnectionsPerHost`` of them,
///   closed after ``Configuration/idleTimeout`` unused or
///   ``Configuration/maxRequestsPerConnection`` exchanges. A kept
///   connection that ends before any byte of answer (the endpoint had
///   closed it while idle) is retried once on a new connection; a reset
///   is the endpoint's answer and is not.
package final class HTTPClient: Sendable {
  /// The client's bounds.
  package struct Configuration: Sendable {
    /// Connections per endpoint at most.
    package var maxConnectionsPerHost = 8
    /// An idle kept-alive connection closes after this long.
    package var idleTimeout: Duration = .seconds(30)
    /// A connection closes after this many exchanges.
    package var maxRequestsPerConnection = 1_000
    /// What a response may hold.
    package var limits = HTTPParserLimits()

    /// The defaults: 8 connections per endpoint, 30 s idle, 1,000 exchanges each, 64 KiB of body.
    package init() {}
  }

  /// The loops connections live on.
  package let loops: EventLoopGroup
  /// The bounds.
  package let configuration: Configuration
  private let pool: HTTPConnectionPool

  /// A client on `loops`, securing https with `tls` (without one, https
  /// requests fail); `observeConnect` hears every address a socket is
  /// opened to and `observeHandshake` every TLS handshake that completes,
  /// and whether it resumed a session (for tests and metrics).
  package init(
    loops: EventLoopGroup, configuration: Configuration = Configuration(), tls: TLSContext? = nil,
    observeConnect: (@Sendable (PeerAddress, Int) -> Void)? = nil, observeHandshake: (@Sendable (_ resumed: Bool) -> Void)? = nil
  ) {
    self.loops = loops
    self.configuration = configuration
    self.pool = HTTPConnectionPool(
      capacity: configuration.maxConnectionsPerHost, idleTimeout: configuration.idleTimeout,
      maxRequests: configuration.maxRequestsPerConnection, limits: configuration.limits, tls: tls,
      observe: observeConnect, observeHandshake: observeHandshake)
  }

  /// POSTs `request`, the whole exchange bounded by `timeout`; never throws.
  package func post(_ request: HTTPClientRequest, timeout: Duration) async -> Result<HTTPResponse, HTTPClientError> {
    let bytes: [UInt8]
    do {
      bytes = try request.serialized()
    } catch {
      return .failure(HTTPClientError(.invalidRequest, "the request cannot be written: \(error.message)"))
    }
    guard !request.addresses.isEmpty else { return .failure(HTTPClientError(.connectFailed, "no address to connect to")) }
    let deadline = MonotonicClock.deadline(after: timeout)
    let host = HTTPConnectionPool.HostKey(scheme: request.scheme, host: request.host, port: request.port)
    let addresses = request.addresses
    return await withCheckedContinuation { continuation in
      let job = HTTPRequestJob(host: host, addresses: addresses, bytes: bytes, deadline: deadline, continuation: continuation)
      pool.submit(job, loop: loops.nextLoop())
    }
  }

  /// Closes idle connections and fails waiting requests; later posts fail.
  /// Exchanges in flight end by their own deadlines.
  package func shutdown() { pool.shutdown() }

  /// Connections counted against the endpoint's cap, and how many are idle.
  package func connectionCount(scheme: HTTPClientRequest.Scheme, host: String, port: Int) -> (open: Int, idle: Int) {
    pool.count(HTTPConnectionPool.HostKey(scheme: scheme, host: host, port: port))
  }
}
