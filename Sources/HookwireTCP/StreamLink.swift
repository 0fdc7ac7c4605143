import HookwirePosix
import HookwireRPC

/// A TCP stream as the link of a protocol connection, on the stream's event
/// loop: the one adapter between sockets and the protocol, used by servers
/// and clients alike.
package final class StreamLink: ClientLink, TCPStreamDelegate, @unchecked Sendable {
  // Unchecked: the stream and the receivers are used only on the stream's
  // loop; `execute` (the one cross-thread entry) goes through its inbox.
  package let stream: TCPStream
  private var received: (UnsafeRawBufferPointer) -> Void = { _ in }
  private var drained: () -> Void = {}
  private var closed: () -> Void = {}

  /// Wraps `stream` and becomes its delegate.
  package init(stream: TCPStream) {
    self.stream = stream
    stream.delegate = self
  }

  package func setReceivers(
    received: @escaping (UnsafeRawBufferPointer) -> Void, drained: @escaping () -> Void, closed: @escaping () -> Void
  ) {
    self.received = received
    self.drained = drained
    self.closed = closed
  }

  /// Drops the receivers, and with them the protocol connection they hold.
  private func releaseReceivers() {
    received = { _ in }
    drained = {}
    closed = {}
  }

  // MARK: ConnectionHost

  package func send(_ bytes: UnsafeRawBufferPointer) { stream.write(bytes) }
  package func closeWhenFlushed() {
    stream.closeWhenFlushed()
    // The protocol connection has ended; its buffers go at the end of this
    // turn, not when the lingering socket finally closes.
    stream.loop.atEndOfTurn { [self] in releaseReceivers() }
  }
  package var isBackedUp: Bool { stream.isBackedUp }
  package func now() -> MonotonicDeadline { EventLoop.monotonicNow() }
  package func scheduleTimer(at deadline: MonotonicDeadline, _ work: @escaping () -> Void) -> TimerHandle { stream.loop.scheduleTimer(at: deadline, work) }
  package func cancelTimer(_ timer: TimerHandle) { stream.loop.cancelTimer(timer) }
  package func atEndOfTurn(_ work: @escaping () -> Void) { stream.loop.atEndOfTurn(work) }
  package func execute(_ work: @escaping @Sendable () -> Void) { stream.loop.execute(work) }
  package var inHostThread: Bool { stream.loop.inEventLoop }
  package var taskExecutor: any TaskExecutor { stream.loop }

  // MARK: TCPStreamDelegate

  package func streamReceived(_ bytes: UnsafeRawBufferPointer) { received(bytes) }
  package func streamDrained() { drained() }
  package func streamClosed(_ error: IOError?) {
    let closed = self.closed
    releaseReceivers()
    closed()
  }
}
