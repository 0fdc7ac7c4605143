import HookwirePosix
import HookwireRPC

/// Reaches a server over TCP, on an event loop the transport owns.
public final class TCPClientTransport: ClientTransport {
  /// Numeric host.
  public let host: String
  /// Port.
  public let port: Int
  /// How long a connection attempt may take.
  public let connectTimeout: Duration
  let loop: EventLoop
  let ownsLoop: Bool

  /// A transport to `host:port` with its own event loop thread.
  public init(host: String, port: Int, connectTimeout: Duration = .seconds(20)) throws(IOError) {
    self.host = host
    self.port = port
    self.connectTimeout = connectTimeout
    loop = try EventLoop(name: "hookwire-client")
    ownsLoop = true
  }

  public func execute(_ work: @escaping @Sendable () -> Void) { loop.execute(work) }
  public var inTransportThread: Bool { loop.inEventLoop }
  public func now() -> MonotonicDeadline { EventLoop.monotonicNow() }
  public func scheduleTimer(at deadline: MonotonicDeadline, _ work: @escaping () -> Void) -> TimerHandle { loop.scheduleTimer(at: deadline, work) }
  public func cancelTimer(_ timer: TimerHandle) { loop.cancelTimer(timer) }

  public func connect(_ completion: @escaping (Result<any ClientLink, RPCError>) -> Void) {
    TCPConnector.connect(host: host, port: port, loop: loop, timeout: connectTimeout) { [host, port] result in
      switch result {
      case .success(let stream):
        let link = StreamLink(stream: stream)
        do throws(IOError) {
          try stream.start()
          completion(.success(link))
        } catch {
          stream.close(error)
          completion(.failure(RPCError(code: .unavailable, message: "cannot reach \(host):\(port): \(error)")))
        }
      case .failure(let error):
        completion(.failure(RPCError(code: .unavailable, message: "cannot reach \(host):\(port): \(error)")))
      }
    }
  }

  public func shutdown() async {
    if ownsLoop { await loop.shutdownGracefully() }
  }
}
