import Foundation
import HookwireAPI
import HookwireWire

/// Encode and decode speed of generated messages.
///
/// The Webhook carries the same values as swift-protobuf's benchmark of the
/// same shape (id, partner id, 63-character URL, 5 events, created-at,
/// active, programme id), so the two can be compared in one sitting.
enum CodecBench {
  static func webhook() -> Webhook {
    Webhook(
      id: "wh_01JDQ8Z6K3M5N7P9R1T3V5X7Z9",
      partnerID: 4_821_397_731,
      payloadURL: "https://hooks.partner-example.com/v2/webhooks/ingest/7f3a9c2e1b",
      events: [
        "order.status_changed", "payment.authorized.v2", "shipment.delivered.v1",
        "refund.issued.partial", "customer.tier_updated",
      ],
      createdAtMs: 1_764_421_200_123,
      state: .active,
      programmeID: "prog_loyalty_2025_gold_tier")
  }

  static func logPage() -> ListEventLogsResponse {
    let types = ["reward.issued", "member.enrolled", "points.expired", "programme.updated"]
    let entries = (0..<100).map { i in
      EventLogEntry(
        deliveryID: "dlv_01JDQ9\(String(format: "%020d", i))",
        webhookID: "wh_01JDQ8Z6K3M5N7P9R1T3V5X7Z9",
        eventID: "evt_01JDQA\(String(format: "%020d", i * 7919))",
        eventType: types[i % types.count],
        status: i % 10 == 0 ? .retrying : .succeeded,
        attempts: UInt32(1 + i % 3),
        createdAtMs: 1_764_421_200_123 + Int64(i) * 1_000,
        lastAttemptAtMs: 1_764_421_200_523 + Int64(i) * 1_000,
        nextAttemptAtMs: i % 10 == 0 ? 1_764_421_500_523 : 0,
        lastHTTPStatus: i % 10 == 0 ? 503 : 200,
        lastError: i % 10 == 0 ? "HTTP 503 Service Unavailable" : "")
    }
    return ListEventLogsResponse(entries: entries, nextPageToken: "cGFnZToyOmV2dF8wMUpEUUE")
  }

  nonisolated(unsafe) static var onlyOp: String?

  static func wanted(_ op: String) -> Bool { onlyOp == nil || onlyOp == op }

  static func run(_ options: BenchOptions) {
    onlyOp = options.string("op")
    let iterations = options.int("iterations", default: 1_000_000)
    let runs = options.int("runs", default: 5)
    let only = options.string("message")
    if only == nil || only == "webhook" {
      measure("webhook", webhook(), iterations: iterations, runs: runs)
    }
    if only == nil || only == "log_page_100" {
      measure("log_page_100", logPage(), iterations: max(1_000, iterations / 100), runs: runs)
    }
  }

  static func measure<M: WireMessage>(_ name: String, _ message: M, iterations: Int, runs: Int) {
    let bytes = message.serializedBytes()
    guard (try? M(serializedBytes: bytes)) == message else {
      print("codec message=\(name) error=round_trip_mismatch")
      return
    }
    _ = encode(message, iterations / 10)
    _ = decode(M.self, bytes, iterations / 10)
    var encodes: [Double] = []
    var reused: [Double] = []
    var decodes: [Double] = []
    for _ in 0..<runs {
      if wanted("encode") { encodes.append(encode(message, iterations)) }
      if wanted("encode_reused_buffer") { reused.append(encodeReusingBuffer(message, iterations)) }
      if wanted("decode") { decodes.append(decode(M.self, bytes, iterations)) }
    }
    for (op, values) in [("encode", encodes), ("encode_reused_buffer", reused), ("decode", decodes)] where !values.isEmpty {
      print(
        "codec message=\(name) op=\(op) bytes=\(bytes.count) iterations=\(iterations) runs=\(runs) ns_per_op=\(String(format: "%.1f", median(values)))"
      )
    }
  }

  @inline(never)
  static func encode<M: WireMessage>(_ message: M, _ iterations: Int) -> Double {
    nanosecondsPerOp(iterations) {
      let bytes = message.serializedBytes()
      benchSink &+= bytes.count &+ Int(bytes[bytes.count >> 1])
    }
  }

  /// Encoding into a writer that is cleared and reused, as a connection's
  /// outgoing buffer is: no allocation per message.
  @inline(never)
  static func encodeReusingBuffer<M: WireMessage>(_ message: M, _ iterations: Int) -> Double {
    var writer = WireWriter(capacity: 1 << 16)
    return nanosecondsPerOp(iterations) {
      writer.removeAll()
      message.encode(to: &writer)
      benchSink &+= writer.count
    }
  }

  @inline(never)
  static func decode<M: WireMessage>(_ type: M.Type, _ bytes: [UInt8], _ iterations: Int) -> Double {
    nanosecondsPerOp(iterations) {
      if let message = try? M(serializedBytes: bytes) {
        benchSink &+= message.unknownFields.bytes.count &+ 1
      }
    }
  }
}
