import Dispatch
import Foundation
import HookwirePosix
import HookwireTLS

/// New connections per second against a child server: each connection
/// connects, does the TLS handshake (full, or resuming a TLS 1.3 ticket),
/// exchanges prefaces, makes one unary echo and closes; a plaintext server
/// gives the base. The client keeps `--concurrency` attempts in flight on
/// one event loop.
enum HandshakeBench {
  /// What a run measures.
  enum Mode: String {
    case plaintext
    case full
    case resumed
  }

  static func run(_ options: BenchOptions) {
    let duration = options.int("duration", default: 5)
    let concurrency = options.int("concurrency", default: 8)
    var modes: [Mode] = [.plaintext]
    switch options.string("tls-resume") ?? "both" {
    case "off": modes.append(.full)
    case "on": modes.append(.resumed)
    default: modes += [.full, .resumed]
    }
    guard let certificates = try? BenchCertificates() else { return print("handshakes error=tls_setup") }
    defer { certificates.remove() }
    guard let plain = ControlledChild([]), let secure = ControlledChild(certificates.serverArguments()) else {
      return print("handshakes error=server_did_not_start")
    }
    defer {
      plain.stop()
      secure.stop()
    }
    guard let loop = try? EventLoop(name: "hookwire-bench-client"),
      let context = try? TLSContext(client: certificates.clientConfiguration())
    else { return print("handshakes error=client_setup") }
    defer { loop.shutdownAndWait() }
    for mode in modes {
      let child = mode == .plaintext ? plain : secure
      let failedBefore = child.stats()?["failed_handshakes"] ?? 0
      let run = HandshakeRun(mode: mode, port: child.port, context: mode == .plaintext ? nil : context, concurrency: concurrency)
      let result = run.measure(on: loop, seconds: duration) { child.cpuMicroseconds }
      let failedAfter = child.stats()?["failed_handshakes"] ?? 0
      var line = "handshakes mode=\(mode.rawValue) concurrency=\(concurrency) duration_s=\(duration) conns=\(result.connections)"
      line += String(format: " conns_per_s=%.0f p50_ms=%.3f p99_ms=%.3f", result.rate, result.p50, result.p99)
      line += String(format: " server_cpu_us_per_conn=%.1f", Double(result.serverCPU) / Double(max(result.connections, 1)))
      if mode != .plaintext { line += String(format: " resumed_fraction=%.3f", result.resumedFraction) }
      line += " failures=\(result.failures) server_failed_handshakes=\(failedAfter - failedBefore)"
      if let reason = result.firstFailure { line += " first_failure=\"\(reason)\"" }
      print(line)
    }
  }
}

/// One mode's measurement: `concurrency` connection attempts in flight on
/// one loop, a new one started as each ends; one second of warm-up.
final class HandshakeRun: @unchecked Sendable {
  // Unchecked: the counters are used on the loop thread only; the caller
  // waits on `done` before reading them.

  /// What the measured window saw.
  struct Result {
    var connections: Int
    var rate: Double
    var p50: Double
    var p99: Double
    var resumedFraction: Double
    var serverCPU: Int64
    var failures: Int
    var firstFailure: String?
  }

  let mode: HandshakeBench.Mode
  let port: Int
  let context: TLSContext?
  let concurrency: Int
  private var latencies: [UInt32] = []
  private var resumed = 0
  private var failures = 0
  private var firstFailure: String?
  private var measuring = false
  private var stopAt: UInt64 = 0
  private var running = 0
  private var cpuAtStart: Int64 = 0
  private var cpuAtEnd: Int64 = 0
  private let done = DispatchSemaphore(value: 0)

  init(mode: HandshakeBench.Mode, port: Int, context: TLSContext?, concurrency: Int) {
    self.mode = mode
    self.port = port
    self.context = context
    self.concurrency = concurrency
    latencies.reserveCapacity(1_000_000)
  }

  /// Runs for one second of warm-up and `seconds` measured; `cpu` samples
  /// the server's CPU time at both ends of the window.
  func measure(on loop: EventLoop, seconds: Int, cpu: @escaping () -> Int64) -> Result {
    let box = UncheckedBox(cpu)
    loop.execute { [self] in
      let now = MonotonicClock.now()
      stopAt = now + UInt64(seconds + 1) * 1_000_000_000
      _ = loop.scheduleTimer(at: now + 1_000_000_000) { [self] in
        measuring = true
        cpuAtStart = box.value()
      }
      _ = loop.scheduleTimer(at: stopAt) { [self] in
        measuring = false
        cpuAtEnd = box.value()
      }
      running = concurrency
      for slot in 0..<concurrency { next(slot: slot, loop: loop) }
    }
    done.wait()
    let sorted = latencies.sorted()
    func percentile(_ p: Double) -> Double {
      sorted.isEmpty ? 0 : Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1_000
    }
    return Result(
      connections: sorted.count, rate: Double(sorted.count) / Double(seconds), p50: percentile(0.5), p99: percentile(0.99),
      resumedFraction: Double(resumed) / Double(max(sorted.count, 1)), serverCPU: cpuAtEnd - cpuAtStart, failures: failures,
      firstFailure: firstFailure)
  }

  /// Starts the slot's next connection, or retires the slot once time is up.
  private func next(slot: Int, loop: EventLoop) {
    let started = MonotonicClock.now()
    guard started < stopAt else {
      running -= 1
      if running == 0 { done.signal() }
      return
    }
    // Resumption: each slot offers the ticket its last connection got.
    let tls = context.map { SingleCallConnection.TLS(context: $0, sessionKey: mode == .resumed ? "slot-\(slot)" : nil) }
    SingleCallConnection.start(port: port, tls: tls, loop: loop) { [self] outcome in
      let window = measuring
      switch outcome {
      case .echoed(let wasResumed):
        if window {
          latencies.append(UInt32(min((MonotonicClock.now() - started) / 1_000, UInt64(UInt32.max))))
          if wasResumed { resumed += 1 }
        }
      case .failed(let reason):
        failures += 1
        if firstFailure == nil { firstFailure = reason }
      }
      // A new connection in the next turn: the one just closed finishes first.
      loop.atEndOfTurn { [self] in next(slot: slot, loop: loop) }
    }
  }
}
