import Glibc
import Testing

@testable import HookwirePosix

/// The system-call wrapper's errno rules and the event loop's timer heap.
@Suite("Syscall and timers")
struct SyscallAndTimerTests {
  /// A call that fails with each of `errnos` in turn, then returns 7.
  final class Script {
    var errnos: [Int32]
    var calls = 0
    init(_ errnos: [Int32]) { self.errnos = errnos }
    func call() -> Int {
      calls += 1
      guard !errnos.isEmpty else { return 7 }
      errno = errnos.removeFirst()
      return -1
    }
  }

  @Test("EINTR is retried until the call completes")
  func retriesEINTR() throws {
    let script = Script([EINTR, EINTR])
    guard case .processed(let value) = try Syscall.run("read", { script.call() }) else {
      Issue.record("an interrupted call was not retried")
      return
    }
    #expect(value == 7 && script.calls == 3)
  }

  @Test("EAGAIN, EWOULDBLOCK and EINPROGRESS are would-block; blocking() reports them as errors", arguments: [EAGAIN, EWOULDBLOCK, EINPROGRESS])
  func wouldBlock(code: Int32) throws {
    let script = Script([code])
    guard case .wouldBlock = try Syscall.run("recv", { script.call() }) else {
      Issue.record("errno \(code) was not reported as would-block")
      return
    }
    #expect(script.calls == 1)
    #expect(throws: IOError(call: "send", errno: EAGAIN)) { _ = try Syscall.blocking("send") { Script([code]).call() } }
  }

  @Test("any other errno is an IOError naming the call", arguments: [EBADF, ECONNRESET, EPIPE])
  func otherErrors(code: Int32) {
    #expect(throws: IOError(call: "write", errno: code)) { _ = try Syscall.run("write") { Script([code]).call() } }
    #expect(IOError(call: "write", errno: code).description.hasPrefix("write failed: "))
  }

  @Test("timers come due in deadline order, never early; cancelled ones are skipped")
  func timerOrder() {
    var heap = TimerHeap()
    var fired: [UInt64] = []
    var ids: [UInt64: EventLoop.Timer] = [:]
    for deadline in [50, 10, 40, 20, 30, 10, 60] as [UInt64] {
      ids[deadline] = heap.schedule(at: deadline) { fired.append(deadline) }
    }
    #expect(heap.earliest == 10 && heap.count == 7)
    if let id = ids[40] { heap.cancel(id) }
    #expect(heap.count == 6)
    for work in heap.popDue(now: 9) { work() }
    #expect(fired.isEmpty)
    for work in heap.popDue(now: 45) { work() }
    #expect(fired == [10, 10, 20, 30])
    for work in heap.popDue(now: .max) { work() }
    #expect(fired == [10, 10, 20, 30, 50, 60] && heap.isEmpty)
  }

  @Test("cancelling a timer lets go of its work at once, and what the work held, long before its deadline")
  func cancelReleasesWork() {
    final class Held {}
    var heap = TimerHeap()
    weak var released: Held?
    var ids: [EventLoop.Timer] = []
    do {
      let held = Held()
      released = held
      ids.append(heap.schedule(at: 1_000) { _ = held })
    }
    // A later timer keeps the heap busy, as a loop's other timers do.
    ids.append(heap.schedule(at: 2_000) {})
    #expect(released != nil)
    heap.cancel(ids[0])
    #expect(released == nil, "the cancelled timer's work is still held")
    heap.cancel(ids[0])
    #expect(heap.count == 1)
  }

  @Test("cancelling most timers compacts the heap and keeps the live ones in order")
  func timerCompaction() {
    var heap = TimerHeap()
    var fired: [UInt64] = []
    var live: [UInt64] = []
    for deadline in (0..<500 as Range<UInt64>).shuffled() {
      let id = heap.schedule(at: deadline) { fired.append(deadline) }
      if deadline % 10 == 0 { live.append(deadline) } else { heap.cancel(id) }
    }
    #expect(heap.count == 50)
    for work in heap.popDue(now: .max) { work() }
    #expect(fired == live.sorted())
  }
}
