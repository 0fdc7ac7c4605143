import HookwirePosix
import HookwireRPC

/// A client transport that reaches a server in the same process: each
/// connection is a pair of in-memory pipe ends on one event loop, running
/// the same `ServerConnection` and `ClientConnection` as TCP does, so tests
/// exercise the whole protocol without sockets.
public final class InProcessTransport: ClientTransport {
  let loop: EventLoop
  let router: RPCRouter
  let interceptors: [any ServerInterceptor]
  let limits: ConnectionLimits

  /// A transport to a server running `services`, on its own event loop;
  /// `requestGuard` checks every request's bounds before its handler runs.
  public init(
    services: [any RPCService], interceptors: [any ServerInterceptor] = [], limits: ConnectionLimits = ConnectionLimits(),
    requestGuard: (any RequestGuard)? = nil
  ) throws(IOError) {
    loop = try EventLoop(name: "hookwire-in-process")
    router = RPCRouter(services: services, limits: .init(maxMessageBytes: limits.maxMessageSize), requestGuard: requestGuard)
    self.interceptors = interceptors
    self.limits = limits
  }

  public func execute(_ work: @escaping @Sendable () -> Void) { loop.execute(work) }
  public var inTransportThread: Bool { loop.inEventLoop }
  public func now() -> MonotonicDeadline { MonotonicDeadline(nanoseconds: MonotonicClock.now()) }
  public func scheduleTimer(at deadline: MonotonicDeadline, _ work: @escaping () -> Void) -> TimerHandle {
    TimerHandle(id: loop.scheduleTimer(at: deadline.nanoseconds, work).id)
  }
  public func cancelTimer(_ timer: TimerHandle) { loop.cancelTimer(EventLoop.Timer(id: timer.id)) }

  public func connect(_ completion: @escaping (Result<any ClientLink, RPCError>) -> Void) {
    let client = PipeEnd(loop: loop)
    let server = PipeEnd(loop: loop)
    client.peer = server
    server.peer = client
    let connection = ServerConnection(host: server, router: router, interceptors: interceptors, limits: limits)
    server.setReceivers(
      received: { connection.received($0) }, drained: { connection.transportDrained() },
      closed: { connection.transportClosed() })
    completion(.success(client))
  }

  public func shutdown() async {
    await loop.shutdownGracefully()
  }
}

/// One end of an in-memory pipe: what it sends arrives at its peer on a
/// later turn of the loop, as bytes from a socket would.
final class PipeEnd: ClientLink, @unchecked Sendable {
  // Unchecked: used only on `loop`'s thread; `execute` is the loop's inbox.
  let loop: EventLoop
  weak var peer: PipeEnd?
  private var received: (UnsafeRawBufferPointer) -> Void = { _ in }
  private var drained: () -> Void = {}
  private var closed: () -> Void = {}
  private var inFlight = 0
  private var isClosed = false
  let highWater = 1 << 20

  init(loop: EventLoop) { self.loop = loop }

  func setReceivers(
    received: @escaping (UnsafeRawBufferPointer) -> Void, drained: @escaping () -> Void, closed: @escaping () -> Void
  ) {
    self.received = received
    self.drained = drained
    self.closed = closed
  }

  func send(_ bytes: UnsafeRawBufferPointer) {
    guard !isClosed, bytes.count > 0 else { return }
    let copy = [UInt8](bytes)
    inFlight += copy.count
    let box = UncheckedBox(self)
    loop.execute {
      let end = box.value
      let wasBackedUp = end.isBackedUp
      end.inFlight -= copy.count
      if let peer = end.peer, !peer.isClosed { copy.withUnsafeBytes { peer.received($0) } }
      if wasBackedUp && !end.isBackedUp { end.drained() }
    }
  }

  func closeWhenFlushed() {
    guard !isClosed else { return }
    isClosed = true
    let box = UncheckedBox(self)
    // Runs after every send already queued, so the peer reads them first.
    loop.execute {
      let end = box.value
      end.closed()
      if let peer = end.peer, !peer.isClosed {
        peer.isClosed = true
        peer.closed()
      }
    }
  }

  var isBackedUp: Bool { inFlight > highWater }
  func now() -> MonotonicDeadline { MonotonicDeadline(nanoseconds: MonotonicClock.now()) }
  func scheduleTimer(at deadline: MonotonicDeadline, _ work: @escaping () -> Void) -> TimerHandle {
    TimerHandle(id: loop.scheduleTimer(at: deadline.nanoseconds, work).id)
  }
  func cancelTimer(_ timer: TimerHandle) { loop.cancelTimer(EventLoop.Timer(id: timer.id)) }
  func atEndOfTurn(_ work: @escaping () -> Void) { loop.atEndOfTurn(work) }
  func execute(_ work: @escaping @Sendable () -> Void) { loop.execute(work) }
  var inHostThread: Bool { loop.inEventLoop }
  var taskExecutor: any TaskExecutor { loop }
}
