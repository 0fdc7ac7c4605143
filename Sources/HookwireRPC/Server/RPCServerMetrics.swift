import HookwireMetrics
import HookwireWire

/// The RPC server's call metrics: calls by method and status, their
/// durations, calls in flight, bytes each way and GOAWAYs by reason.
///
/// Label values come from fixed sets only: the methods the router was
/// built with (any other path counts as `unknown`), the 17 status codes,
/// the GOAWAY reasons. Every family has one shard per event loop, and a
/// connection records into its loop's shard alone, from its loop: a plain
/// load and store per count (`MetricCells.addAsOwner`), no atomic
/// read-modify-write and no lock.
package final class RPCServerMetrics: Sendable {
  /// Calls that ended, by service, method and status code.
  package let requests: CounterFamily
  /// From OPEN to STATUS (or cancellation), by service and method.
  package let durations: HistogramFamily
  /// Calls begun and not yet ended.
  package let inFlight: GaugeFamily
  /// Bytes read from clients (plaintext, after TLS).
  package let bytesReceived: CounterFamily
  /// Bytes written to clients (plaintext, before TLS).
  package let bytesSent: CounterFamily
  /// GOAWAY frames sent, by reason.
  package let goAways: CounterFamily
  /// The shard count of every family.
  package let shards: Int
  private let slots: [String: Int]
  /// The method slot of a path the router does not know.
  package let unknownSlot: Int

  /// The GOAWAY reasons counted, as labels: a drain, an idle close, and
  /// each error code.
  package static let goAwayReasons = [
    "shutdown", "idle", "protocol_error", "internal_error", "flow_control_error", "settings_timeout", "frame_size_error",
    "enhance_your_calm", "version_mismatch", "inadequate_security",
  ]

  /// Duration buckets, in seconds: 50 µs to 10 s.
  package static let durationBuckets = [
    0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
  ]

  /// Families for a server of `methods` (in their router ordinals' order)
  /// on `loops` event loops, registered with `registry`.
  package init(registry: MetricsRegistry, methods: [MethodDescriptor], loops: Int) {
    var slots: [String: Int] = [:]
    var pairs: [[String]] = []
    for method in methods {
      slots[method.path] = pairs.count
      pairs.append([method.service, method.method])
    }
    unknownSlot = pairs.count
    pairs.append(["unknown", "unknown"])
    self.slots = slots
    var shards = 1
    while shards < loops { shards <<= 1 }
    self.shards = shards
    let methodLabels = LabelSet(names: ["service", "method"], series: pairs)
    let codes = StatusCode.allKnown.map(\.name)
    requests = registry.counter(
      "hookwire_rpc_requests_total", help: "RPC calls that ended, by service, method and status code (unknown paths count as unknown).",
      labels: LabelSet(names: ["service", "method", "code"], series: pairs.flatMap { pair in codes.map { pair + [$0] } }),
      hidesZeroSeries: true, shards: shards)
    durations = registry.histogram(
      "hookwire_rpc_request_duration_seconds", help: "RPC call duration from OPEN to STATUS or cancellation, in seconds.",
      labels: methodLabels, bounds: HistogramFamily.nanoseconds(Self.durationBuckets), decimals: 9, hidesZeroSeries: true, shards: shards)
    inFlight = registry.gauge("hookwire_rpc_calls_in_flight", help: "RPC calls begun and not yet ended.", shards: shards)
    bytesReceived = registry.counter(
      "hookwire_rpc_received_bytes_total", help: "Bytes read from RPC clients (after TLS), in bytes.", shards: shards)
    bytesSent = registry.counter("hookwire_rpc_sent_bytes_total", help: "Bytes written to RPC clients (before TLS), in bytes.", shards: shards)
    goAways = registry.counter(
      "hookwire_rpc_goaways_sent_total", help: "GOAWAY frames the server sent, by reason (a drain counts once).",
      labels: LabelSet("reason", Self.goAwayReasons), shards: shards)
  }

  /// The method slot of an OPEN frame's path.
  @inline(__always)
  package func slot(_ path: String) -> Int { slots[path] ?? unknownSlot }

  /// The `goAways` slot of an error code.
  static func goAwaySlot(_ code: GoAwayCode) -> Int {
    switch code {
    case .noError: 0
    case .protocolError: 2
    case .internalError: 3
    case .flowControlError: 4
    case .settingsTimeout: 5
    case .frameSizeError: 6
    case .enhanceYourCalm: 7
    case .versionMismatch: 8
    case .inadequateSecurity: 9
    }
  }

  /// The `requests` slot of a method slot and a status code (codes past
  /// the 17 known count as UNKNOWN).
  @inline(__always)
  func requestSlot(_ method: Int, _ code: StatusCode) -> Int {
    let known = StatusCode.allKnown.count
    let index = code.rawValue < UInt32(known) ? Int(code.rawValue) : Int(StatusCode.unknown.rawValue)
    return method &* known &+ index
  }
}

/// What one connection records into: the server's families and its loop's
/// shard, written from that loop only.
package struct RPCMetricsRecorder: Sendable {
  /// The server's families.
  package let metrics: RPCServerMetrics
  /// The shard of the connection's loop.
  package let shard: Int

  /// Records into `metrics` from the loop numbered `loopIndex` (below the loops it was made for).
  package init(_ metrics: RPCServerMetrics, loopIndex: Int) {
    precondition(loopIndex < metrics.shards, "loop \(loopIndex) has no shard of its own")
    self.metrics = metrics
    shard = loopIndex
  }

  /// A call with an ended status that never began (refused at OPEN).
  @inline(__always)
  func refused(_ path: String, _ code: StatusCode) {
    metrics.requests.add(metrics.requestSlot(metrics.slot(path), code), owningShard: shard)
  }

  /// A call began.
  @inline(__always)
  func began() { metrics.inFlight.add(0, 1, owningShard: shard) }

  /// A call that began ended with `code` after `nanoseconds`.
  @inline(__always)
  func ended(_ method: Int, _ code: StatusCode, nanoseconds: UInt64) {
    metrics.requests.add(metrics.requestSlot(method, code), owningShard: shard)
    metrics.durations.observe(method, nanoseconds, owningShard: shard)
    metrics.inFlight.add(0, -1, owningShard: shard)
  }

  /// Bytes arrived.
  @inline(__always)
  func received(_ count: Int) { metrics.bytesReceived.add(0, UInt64(count), owningShard: shard) }

  /// Bytes left.
  @inline(__always)
  func sent(_ count: Int) { metrics.bytesSent.add(0, UInt64(count), owningShard: shard) }

  /// A GOAWAY for `code`; `idle` tells an idle close from a drain (both `noError`).
  func goAway(_ code: GoAwayCode, idle: Bool = false) {
    metrics.goAways.add(idle ? 1 : RPCServerMetrics.goAwaySlot(code), owningShard: shard)
  }
}
