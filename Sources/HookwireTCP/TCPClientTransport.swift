import HookwirePosix
import HookwireRPC
import HookwireTLS

/// Reaches a server over TCP, plain or under TLS, on an event loop the
/// transport owns.
///
/// The host may be a name or an address. A name is looked up on each
/// connection attempt by the resolver's own threads (never the event loop,
/// and no task waits on Swift's cooperative pool), and every address it has, IPv6 and IPv4 in
/// the resolver's order, is tried in turn until one accepts, all within the
/// connect timeout. Over TLS the handshake runs inside the same timeout and
/// the server's certificate must name the host as given; sessions are
/// resumed across reconnections. A TLS connection is ready when the
/// server's preface arrives over it, so a server that refuses the client's
/// certificate (which TLS 1.3 tells the client only after its side of the
/// handshake) fails the connection attempt with the server's reason.
public final class TCPClientTransport: ClientTransport {
  /// The server's host name or address (an IPv6 address with or without brackets).
  public let host: String
  /// Port.
  public let port: Int
  /// How long a connection attempt may take: lookup, connect and handshake.
  public let connectTimeout: Duration
  /// Plaintext or TLS.
  public let security: TransportSecurity
  let loop: EventLoop
  let ownsLoop: Bool
  private let resolver: any NameResolving
  private let tls: TLSContext?

  /// Where transports look names up unless given a resolver: a few threads
  /// of the process's own, answers kept for 30 seconds.
  public static let defaultResolver: any NameResolving = HostResolver(threads: 2)

  /// A transport to `host:port` with its own event loop thread.
  ///
  /// - Throws: `TLSError` when the TLS files cannot be used (a missing CA
  ///   file, a key that does not match its certificate), `IOError` when the
  ///   loop cannot start.
  public init(
    host: String, port: Int, connectTimeout: Duration = .seconds(20), security: TransportSecurity = .plaintext,
    resolver: any NameResolving = TCPClientTransport.defaultResolver
  ) throws {
    self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
    self.port = port
    self.connectTimeout = connectTimeout
    self.security = security
    self.resolver = resolver
    switch security {
    case .plaintext:
      tls = nil
    case .tls(var configuration):
      configuration.applicationProtocols = [TransportSecurity.applicationProtocol]
      tls = try TLSContext(client: configuration)
    }
    loop = try EventLoop(name: "hookwire-client")
    ownsLoop = true
  }

  /// `host:port` as written in messages, an IPv6 address in brackets.
  var endpoint: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }

  public func execute(_ work: @escaping @Sendable () -> Void) { loop.execute(work) }
  public var inTransportThread: Bool { loop.inEventLoop }
  public func now() -> MonotonicDeadline { EventLoop.monotonicNow() }
  public func scheduleTimer(at deadline: MonotonicDeadline, _ work: @escaping () -> Void) -> TimerHandle { loop.scheduleTimer(at: deadline, work) }
  public func cancelTimer(_ timer: TimerHandle) { loop.cancelTimer(timer) }

  public func connect(_ completion: @escaping (Result<any ClientLink, RPCError>) -> Void) {
    let deadline = MonotonicClock.deadline(after: connectTimeout)
    if let address = PeerAddress(host) { return connect(to: [address], deadline: deadline, completion) }
    let box = UncheckedBox(completion)
    let (host, loop) = (host, loop)
    resolver.resolve(host) { result in
      loop.execute { [self] in
        switch result {
        case .success(let addresses):
          connect(to: addresses, deadline: deadline, box.value)
        case .failure(let error):
          // The resolver's reason names the host too: say it once.
          let prefix = "cannot resolve \(host): "
          let why = error.reason.hasPrefix(prefix) ? String(error.reason.dropFirst(prefix.count)) : error.reason
          box.value(.failure(RPCError(code: .unavailable, message: "cannot resolve host '\(host)': \(why)")))
        }
      }
    }
  }

  private func connect(to addresses: [PeerAddress], deadline: UInt64, _ completion: @escaping (Result<any ClientLink, RPCError>) -> Void) {
    TCPConnector.connect(toFirstOf: addresses, port: port, loop: loop, deadline: deadline) { [self] result in
      switch result {
      case .success(let (stream, _)):
        guard let tls else {
          let link = StreamLink(stream: stream)
          do throws(IOError) {
            try link.start()
            completion(.success(link))
          } catch {
            stream.close(error)
            completion(.failure(unreachable("\(error)")))
          }
          return
        }
        handshake(stream, context: tls, deadline: deadline, completion)
      case .failure(let failure):
        completion(.failure(unreachable(failure.reason)))
      }
    }
  }

  /// Runs the TLS handshake over a connected `stream` by `deadline`.
  private func handshake(
    _ stream: TCPStream, context: TLSContext, deadline: UInt64, _ completion: @escaping (Result<any ClientLink, RPCError>) -> Void
  ) {
    let tls: TLSStream
    do {
      tls = try TLSStream(client: context, over: stream, serverName: host, sessionKey: endpoint)
    } catch {
      stream.close()
      return completion(.failure(unreachable(error.reason)))
    }
    let link = StreamLink(tls: tls)
    var timedOut = false
    let timer = loop.scheduleTimer(at: deadline) {
      timedOut = true
      link.close()
    }
    link.startTLS(untilPeerSpeaks: true) { [self] error in
      loop.cancelTimer(timer)
      guard let error else { return completion(.success(link)) }
      if timedOut { return completion(.failure(unreachable("timed out in the TLS handshake"))) }
      completion(.failure(unreachable(Self.describe(error))))
    }
  }

  /// Why a handshake failed, in a client's words.
  static func describe(_ error: TLSStreamError) -> String {
    guard case .tls(let tls) = error else { return "the connection failed during the TLS handshake: \(error)" }
    switch tls.kind {
    case .notTLS: return "the server does not speak TLS on this port (\(tls.reason))"
    default: return tls.reason
    }
  }

  private func unreachable(_ reason: String) -> RPCError {
    RPCError(code: .unavailable, message: "cannot reach \(endpoint): \(reason)")
  }

  public func shutdown() async {
    if ownsLoop { await loop.shutdownGracefully() }
  }
}
