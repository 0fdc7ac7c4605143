import HookwirePosix
import HookwireRPC

/// Runs a protocol connection over a TCP stream on its event loop.
final class StreamConnectionHost: ConnectionHost, TCPStreamDelegate, @unchecked Sendable {
  // Unchecked: the stream and `connection` are used only on `loop`'s thread;
  // `execute` (the one cross-thread entry) goes through the loop's inbox.
  let stream: TCPStream
  let loop: EventLoop
  var connection: ServerConnection?

  init(stream: TCPStream) {
    self.stream = stream
    loop = stream.loop
  }

  // MARK: ConnectionHost

  func send(_ bytes: UnsafeRawBufferPointer) { stream.write(bytes) }
  func closeWhenFlushed() {
    stream.closeWhenFlushed()
    // The protocol connection has ended; its buffers go now, not when the
    // lingering socket finally closes.
    loop.atEndOfTurn { [self] in connection = nil }
  }
  var isBackedUp: Bool { stream.isBackedUp }
  func now() -> UInt64 { MonotonicClock.now() }
  func scheduleTimer(at deadline: UInt64, _ work: @escaping () -> Void) -> UInt64 { loop.scheduleTimer(at: deadline, work) }
  func cancelTimer(_ id: UInt64) { loop.cancelTimer(id) }
  func atEndOfTurn(_ work: @escaping () -> Void) { loop.atEndOfTurn(work) }
  func execute(_ work: @escaping @Sendable () -> Void) { loop.execute(work) }
  var inHostThread: Bool { loop.inEventLoop }
  var taskExecutor: any TaskExecutor { loop }

  // MARK: TCPStreamDelegate

  func streamReceived(_ bytes: UnsafeRawBufferPointer) { connection?.received(bytes) }
  func streamDrained() { connection?.transportDrained() }
  func streamClosed(_ error: IOError?) {
    connection?.transportClosed()
    connection = nil
  }
}
