import Dispatch
import HookwireClient
import HookwirePosix
import Synchronization

/// Keeps a fixed number of echo calls in flight on each connection, all on
/// one event loop thread: when a call ends, the next starts in the same turn.
final class LoadGenerator: @unchecked Sendable {
  // Unchecked: every field is used on the transport's loop thread only; the
  // main thread waits on `done` and reads the results after it is signalled.
  struct Result {
    var calls: Int
    var qps: Double
    var p50: Double
    var p99: Double
    var p999: Double
    /// Server CPU used during the measured window, if it was sampled.
    var serverCPUMicroseconds: Int64?
  }

  /// One kind of call the generator repeats.
  struct Workload: Sendable {
    var method: String
    var request: [UInt8]
    var metadata: [MetadataEntry] = []

    /// The 100-byte echo.
    static let echo = Workload(
      method: Diagnostics.Method.Echo.descriptor.path,
      request: EchoRequest(payload: [UInt8](repeating: 0x61, count: 100)).serializedBytes())
  }

  let transport: TCPClientTransport
  let inFlight: Int
  let workload: Workload
  var latencies: [UInt32] = []
  var stopAt: UInt64 = 0
  var measuring = false
  var failures = 0
  var open = 0
  let done = DispatchSemaphore(value: 0)
  var cpuSampler: (() -> Int64)?
  var cpuAtStart: Int64 = 0
  var cpuAtEnd: Int64 = 0

  init(transport: TCPClientTransport, inFlight: Int, workload: Workload) {
    self.transport = transport
    self.inFlight = inFlight
    self.workload = workload
    latencies.reserveCapacity(4_000_000)
  }

  static func run(
    host: String, port: Int, connections: Int, inFlightPerConnection: Int, seconds: Int,
    cpuSampler: (() -> Int64)? = nil, workload: Workload = .echo, security: TransportSecurity = .plaintext
  ) -> Result? {
    guard let transport = try? TCPClientTransport(host: host, port: port, security: security) else { return nil }
    let generator = LoadGenerator(transport: transport, inFlight: inFlightPerConnection, workload: workload)
    generator.cpuSampler = cpuSampler
    transport.execute { generator.start(connections: connections, seconds: seconds) }
    generator.done.wait()
    let semaphore = DispatchSemaphore(value: 0)
    Task {
      await transport.shutdown()
      semaphore.signal()
    }
    semaphore.wait()
    guard generator.failures == 0, !generator.latencies.isEmpty else { return nil }
    let sorted = generator.latencies.sorted()
    func percentile(_ p: Double) -> Double { Double(sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]) / 1_000 }
    return Result(
      calls: sorted.count, qps: Double(sorted.count) / Double(seconds), p50: percentile(0.5), p99: percentile(0.99),
      p999: percentile(0.999),
      serverCPUMicroseconds: generator.cpuSampler == nil ? nil : generator.cpuAtEnd - generator.cpuAtStart)
  }

  private func start(connections: Int, seconds: Int) {
    open = connections
    var connected: [ClientConnection] = []
    for _ in 0..<connections {
      transport.connect { [self] result in
        guard case .success(let link) = result else {
          failures += 1
          return finishOne()
        }
        let connection = ClientConnection(host: link) { _ in }
        link.setReceivers(received: { connection.received($0) }, drained: {}, closed: { connection.transportClosed() })
        connected.append(connection)
        if connected.count + failures == connections { self.begin(connected, seconds: seconds) }
      }
    }
  }

  private func begin(_ connections: [ClientConnection], seconds: Int) {
    // One second of warm-up, then the measured run.
    let now = MonotonicClock.now()
    stopAt = now + UInt64(seconds + 1) * 1_000_000_000
    _ = transport.scheduleTimer(at: MonotonicDeadline(nanoseconds: now + 1_000_000_000)) { [self] in
      measuring = true
      cpuAtStart = cpuSampler?() ?? 0
    }
    _ = transport.scheduleTimer(at: MonotonicDeadline(nanoseconds: stopAt)) { [self] in
      measuring = false
      cpuAtEnd = cpuSampler?() ?? 0
    }
    for connection in connections {
      for _ in 0..<inFlight { call(on: connection) }
    }
  }

  private func call(on connection: ClientConnection) {
    let started = MonotonicClock.now()
    guard started < stopAt else { return retire(connection) }
    let id = connection.startCall(
      method: workload.method, metadata: workload.metadata, timeoutMicroseconds: 0, request: workload.request, unary: true,
      handlers: .init(
        onMessage: { _ in },
        onEnd: { [self] error in
          if error != nil { failures += 1 }
          if measuring { latencies.append(UInt32(min(MonotonicClock.now() - started, UInt64(UInt32.max)))) }
          call(on: connection)
        }))
    if id == nil {
      failures += 1
      retire(connection)
    }
  }

  private var retiring: [ObjectIdentifier: Int] = [:]

  /// A connection's in-flight slots wind down; the last one closes it.
  private func retire(_ connection: ClientConnection) {
    let key = ObjectIdentifier(connection)
    retiring[key, default: 0] += 1
    if retiring[key] == inFlight {
      connection.close(RPCError(code: .cancelled, message: "benchmark over"))
      finishOne()
    }
  }

  private func finishOne() {
    open -= 1
    if open == 0 { done.signal() }
  }
}
