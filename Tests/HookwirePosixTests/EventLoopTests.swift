import Foundation
import Glibc
import HookwirePosix
import Synchronization
import Testing

/// The event loop's work, timers and sockets, observed from async tests that
/// wait on continuations the loop resumes (never blocking a pool thread).
@Suite("Event loop and TCP")
struct EventLoopTests {
  /// State touched only on one loop's thread; resumes its continuation once.
  final class Rig: @unchecked Sendable, TCPStreamDelegate {
    var log: [String] = []
    var streams: [TCPStream] = []
    var listener: TCPListener?
    var echoes: [Echo] = []
    var received: [UInt8] = []
    var expected = 0
    var done: CheckedContinuation<[String], Never>?

    func finish() {
      done?.resume(returning: log)
      done = nil
    }

    /// Gives up after `seconds`, so a broken loop fails the test instead of hanging it.
    func guardTimeout(_ loop: EventLoop, seconds: UInt64 = 10) {
      loop.scheduleTimer(at: MonotonicClock.now() + seconds * 1_000_000_000) {
        self.log.append("timed out")
        self.finish()
      }
    }

    func streamReceived(_ bytes: UnsafeRawBufferPointer) {
      received += bytes
      if received.count >= expected {
        log.append(String(decoding: received, as: UTF8.self))
        finish()
      }
    }
    func streamDrained() {}
    func streamClosed(_ error: IOError?) {}
  }

  /// An echo side: writes back whatever it reads.
  final class Echo: TCPStreamDelegate {
    let stream: TCPStream
    init(_ stream: TCPStream) { self.stream = stream }
    func streamReceived(_ bytes: UnsafeRawBufferPointer) { stream.write(bytes) }
    func streamDrained() {}
    func streamClosed(_ error: IOError?) { stream.close() }
  }

  @Test("work handed over from many threads all runs on the loop thread, each sender's in order")
  func inboxFromOtherThreads() async throws {
    let loop = try EventLoop(name: "test-inbox")
    let rig = Rig()
    let log = await withCheckedContinuation { continuation in
      loop.execute {
        rig.done = continuation
        rig.guardTimeout(loop)
      }
      let senders = 4, each = 200
      PlainThreads.run(senders) { sender in
        for index in 0..<each {
          loop.execute {
            precondition(loop.inEventLoop)
            rig.log.append("\(sender):\(index)")
            if rig.log.count == senders * each { rig.finish() }
          }
        }
      }
    }
    await loop.shutdownGracefully()
    #expect(log.count == 800)
    for sender in 0..<4 {
      let mine = log.filter { $0.hasPrefix("\(sender):") }
      #expect(mine == (0..<200).map { "\(sender):\($0)" })
    }
  }

  @Test("timers fire in deadline order, not in the order scheduled, and a cancelled one never fires")
  func timersInOrder() async throws {
    let loop = try EventLoop(name: "test-timers")
    let rig = Rig()
    let log = await withCheckedContinuation { continuation in
      loop.execute {
        rig.done = continuation
        rig.guardTimeout(loop)
        let now = MonotonicClock.now()
        for (name, ms) in [("c", 30), ("a", 10), ("b", 20)] as [(String, UInt64)] {
          loop.scheduleTimer(at: now + ms * 1_000_000) { rig.log.append(name) }
        }
        let cancelled = loop.scheduleTimer(at: now + 15_000_000) { rig.log.append("cancelled") }
        loop.cancelTimer(cancelled)
        loop.scheduleTimer(at: now + 40_000_000) { rig.finish() }
        loop.atEndOfTurn { rig.log.append("end of turn") }
      }
    }
    await loop.shutdownGracefully()
    #expect(log == ["end of turn", "a", "b", "c"])
  }

  @Test("a listener on port 0 accepts a loopback connection and bytes echo back whole")
  func echoOverLoopback() async throws {
    let loop = try EventLoop(name: "test-tcp")
    let rig = Rig()
    let message = Array(String(repeating: "hookwire ", count: 20_000).utf8)
    rig.expected = message.count
    let log = await withCheckedContinuation { continuation in
      loop.execute {
        rig.done = continuation
        rig.guardTimeout(loop)
        do {
          let listener = try TCPListener(host: "127.0.0.1", port: 0, reusePort: false, loop: loop) { fd, peer in
            let stream = TCPStream(fd: fd, loop: loop)
            let echo = Echo(stream)
            rig.echoes.append(echo)
            stream.delegate = echo
            rig.log.append("accepted from \(peer.map(\.description) ?? "?")")
            try? stream.start()
          }
          try listener.start()
          rig.listener = listener
          TCPConnector.connect(host: "127.0.0.1", port: listener.port, loop: loop) { result in
            guard case .success(let stream) = result else {
              rig.log.append("connect failed")
              return rig.finish()
            }
            rig.streams.append(stream)
            stream.delegate = rig
            try? stream.start()
            message.withUnsafeBytes { stream.write($0) }
          }
        } catch {
          rig.log.append("\(error)")
          rig.finish()
        }
      }
    }
    await withCheckedContinuation { continuation in
      loop.execute {
        for stream in rig.streams { stream.close() }
        for echo in rig.echoes { echo.stream.close() }
        rig.listener?.close()
        continuation.resume()
      }
    }
    await loop.shutdownGracefully()
    #expect(log.first == "accepted from 127.0.0.1")
    #expect(log.last == String(decoding: message, as: UTF8.self))
    #expect(rig.listener?.port ?? 0 > 0)
  }
}

/// Starts `count` plain threads running `body`, without waiting for them.
enum PlainThreads {
  static func run(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
    for index in 0..<count {
      let thread = Thread { body(index) }
      thread.start()
    }
  }
}
