@testable import HookwireRPC
import HookwireWire
import Synchronization
import Testing

/// A host whose send can call back into the connection, as a transport does
/// when a write fails and the stream closes in the middle of a flush.
final class ReentrantHost: ConnectionHost, @unchecked Sendable {
  // Unchecked: used from the test's one task only.
  var sent: [[UInt8]] = []
  var endOfTurn: [() -> Void] = []
  var onSend: ((ReentrantHost) -> Void)?

  func send(_ bytes: UnsafeRawBufferPointer) {
    sent.append(Array(bytes))
    let hook = onSend
    onSend = nil
    hook?(self)
  }
  func closeWhenFlushed() {}
  var isBackedUp: Bool { false }
  func now() -> MonotonicDeadline { MonotonicDeadline(nanoseconds: 0) }
  func scheduleTimer(at deadline: MonotonicDeadline, _ work: @escaping () -> Void) -> TimerHandle { TimerHandle(id: 1) }
  func cancelTimer(_ timer: TimerHandle) {}
  func atEndOfTurn(_ work: @escaping () -> Void) { endOfTurn.append(work) }
  func execute(_ work: @escaping @Sendable () -> Void) { work() }
  var inHostThread: Bool { true }
  var taskExecutor: any TaskExecutor { globalConcurrentExecutor }

  func runEndOfTurn() {
    let work = endOfTurn
    endOfTurn = []
    for item in work { item() }
  }
}

@Suite("Outbound frames")
struct OutboundFramesTests {
  @Test("a write and flush from inside the transport's send neither trap nor reorder: the nested bytes leave after the first")
  func nestedFlushDuringSend() {
    let host = ReentrantHost()
    let frames = OutboundFrames(sink: host, loop: host)
    frames.writer.writeByte(1)
    frames.writer.writeByte(2)
    host.onSend = { _ in
      // What closing does from inside a failed send: write a frame and flush.
      frames.writer.writeByte(3)
      frames.flush()
    }
    frames.flush()
    #expect(host.sent == [[1, 2]])
    host.runEndOfTurn()
    #expect(host.sent == [[1, 2], [3]])
    // Afterwards the writer works as before.
    frames.writer.writeByte(4)
    frames.flush()
    #expect(host.sent == [[1, 2], [3], [4]])
  }

  @Test("a client connection that the transport closes during its first flush fails its calls instead of trapping")
  func clientClosedDuringFlush() {
    let host = ReentrantHost()
    let closed = Mutex<RPCError?>(nil)
    let connection = ClientConnection(host: host) { error in closed.withLock { $0 = error } }
    host.onSend = { _ in connection.transportClosed() }
    host.runEndOfTurn()
    #expect(connection.isClosed)
    #expect(closed.withLock { $0 }?.code == .unavailable)
  }
}
