/// An open byte pipe to a server, as a client sees it.
public protocol ClientLink: ConnectionHost {
  /// Sets where the link reports arriving bytes, drained output and its close.
  func setReceivers(
    received: @escaping (UnsafeRawBufferPointer) -> Void, drained: @escaping () -> Void, closed: @escaping () -> Void)
}

/// A way to reach a server, and the thread a client's state lives on.
///
/// `connect`, the timers and `now` are used on the transport's thread;
/// `execute` from anywhere.
public protocol ClientTransport: Sendable {
  /// Runs `work` on the transport's thread.
  func execute(_ work: @escaping @Sendable () -> Void)
  /// Whether the caller is on the transport's thread.
  var inTransportThread: Bool { get }
  /// Monotonic nanoseconds.
  func now() -> UInt64
  /// Runs `work` at `deadline`; returns a timer id.
  func scheduleTimer(at deadline: UInt64, _ work: @escaping () -> Void) -> UInt64
  /// Cancels a timer.
  func cancelTimer(_ id: UInt64)
  /// Opens a link; `completion` runs on the transport's thread.
  func connect(_ completion: @escaping (Result<any ClientLink, RPCError>) -> Void)
  /// Releases what the transport owns (threads); called once by the client.
  func shutdown() async
}
