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
  /// The current moment on the transport's monotonic clock.
  func now() -> MonotonicDeadline
  /// Runs `work` at `deadline`; the handle cancels it.
  func scheduleTimer(at deadline: MonotonicDeadline, _ work: @escaping () -> Void) -> TimerHandle
  /// Cancels a timer; a timer that has fired or was cancelled is ignored.
  func cancelTimer(_ timer: TimerHandle)
  /// Opens a link; `completion` runs on the transport's thread.
  func connect(_ completion: @escaping (Result<any ClientLink, RPCError>) -> Void)
  /// Releases what the transport owns (threads); called once by the client.
  func shutdown() async
}
