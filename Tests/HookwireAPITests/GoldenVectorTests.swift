import Foundation
import HookwireAPI
import HookwireWire
import Testing

/// The byte vectors in `Schema/golden/`, for clients written in any
/// language. Each file names what it encodes; this suite checks that the
/// codec produces exactly those bytes and decodes them back.
///
/// After a deliberate format change, rewrite them with
/// `HOOKWIRE_WRITE_GOLDEN=1 swift test --filter GoldenVectorTests`.
@Suite("Golden vectors")
struct GoldenVectorTests {
  struct Vector: Sendable, CustomTestStringConvertible {
    var file: String
    var description: [String]
    var bytes: [UInt8]
    /// Decodes the bytes and says whether they mean what the vector says.
    var check: @Sendable ([UInt8]) throws -> Bool
    var testDescription: String { file }
  }

  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
  static let directory = root.appendingPathComponent("Schema/golden")

  static func message<M: WireMessage>(_ file: String, _ description: [String], _ value: M) -> Vector {
    Vector(file: file, description: description, bytes: value.serializedBytes()) { try M(serializedBytes: $0) == value }
  }

  static func frames(_ file: String, _ description: [String], preface: Bool = false, _ frames: [Frame]) -> Vector {
    var writer = WireWriter()
    if preface { ConnectionPreface.write(to: &writer) }
    for frame in frames { FrameEncoder.write(frame, to: &writer) }
    return Vector(file: file, description: description, bytes: writer.bytes()) { bytes in
      var decoder = FrameDecoder()
      decoder.append(bytes)
      if preface { guard try decoder.nextPreface() == ConnectionPreface.version else { return false } }
      var decoded: [Frame] = []
      while let frame = try decoder.nextFrame() {
        _ = try frame.body()
        decoded.append(frame)
      }
      return decoded == frames && decoder.bufferedByteCount == 0
    }
  }

  static let webhook = Webhook(
    id: "wh_01JDQ8Z6K3M5N7P9R1T3V5X7Z9", partnerID: 4_821_397_731,
    payloadURL: "https://hooks.partner-example.com/v2/webhooks/ingest/7f3a9c2e1b",
    events: ["customer.tier_updated", "order.status_changed", "payment.authorized.v2", "refund.issued.partial", "shipment.delivered.v1"],
    createdAtMs: 1_764_421_200_123, state: .active, programmeID: "prog_loyalty_2025_gold_tier")

  static let openPayload = CallOpen(
    method: "/hookwire.v1.Webhooks/GetWebhook", timeoutUs: 1_500_000,
    metadata: [
      MetadataEntry(key: "authorization", value: Array("Bearer hw_demo_key".utf8)),
      MetadataEntry(key: "hookwire-act-as", value: Array("12345".utf8)),
    ])
  static let request = GetWebhookRequest(webhookID: "wh_01JDQ8Z6K3M5N7P9R1T3V5X7Z9")
  static let response = GetWebhookResponse(webhook: webhook)

  static let vectors: [Vector] = [
    message("webhook.hex", [
      "hookwire.v1.Webhook { id: \"wh_01JDQ8Z6K3M5N7P9R1T3V5X7Z9\", partner_id: 4821397731,",
      "  payload_url: \"https://hooks.partner-example.com/v2/webhooks/ingest/7f3a9c2e1b\",",
      "  events: [\"customer.tier_updated\", \"order.status_changed\", \"payment.authorized.v2\",",
      "           \"refund.issued.partial\", \"shipment.delivered.v1\"] (sorted),",
      "  created_at_ms: 1764421200123, state: ACTIVE (1), programme_id: \"prog_loyalty_2025_gold_tier\" }",
    ], webhook),
    message("create_webhook_request.hex", [
      "hookwire.v1.CreateWebhookRequest { payload_url: \"https://example.com/hooks\",",
      "  secret: \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\", events: [\"reward.issued\", \"member.enrolled\"], all_bus: true }",
    ], CreateWebhookRequest(
      payloadURL: "https://example.com/hooks", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      events: ["reward.issued", "member.enrolled"], allBUs: true)),
    message("update_webhook_events_request.hex", [
      "hookwire.v1.UpdateWebhookEventsRequest { webhook_id: \"wh_1\", add_events: [\"reward.issued\"],",
      "  expected_version: 0 }  -- optional field: present although 0",
    ], UpdateWebhookEventsRequest(webhookID: "wh_1", addEvents: ["reward.issued"], expectedVersion: 0)),
    message("partner.hex", [
      "hookwire.v1.Partner { id: 12345, name: \"Acme Rewards\", kind: GLOBAL (2), bu_id: 7,",
      "  reach_bu_ids: [7, 8, 300] (packed), created_at_ms: 1764421200123 }",
    ], Partner(id: 12_345, name: "Acme Rewards", kind: .global, buID: 7, reachBUIDs: [7, 8, 300], createdAtMs: 1_764_421_200_123)),
    message("event_log_entry.hex", [
      "hookwire.v1.EventLogEntry { delivery_id: \"dlv_1\", webhook_id: \"wh_1\", event_id: \"evt_1\",",
      "  event_type: \"reward.issued\", status: RETRYING (3), attempts: 2, created_at_ms: 1764421200123,",
      "  last_attempt_at_ms: 1764421205123, next_attempt_at_ms: 1764421505123, last_http_status: 503,",
      "  last_error: \"HTTP 503 Service Unavailable\" }",
    ], EventLogEntry(
      deliveryID: "dlv_1", webhookID: "wh_1", eventID: "evt_1", eventType: "reward.issued", status: .retrying,
      attempts: 2, createdAtMs: 1_764_421_200_123, lastAttemptAtMs: 1_764_421_205_123,
      nextAttemptAtMs: 1_764_421_505_123, lastHTTPStatus: 503, lastError: "HTTP 503 Service Unavailable")),
    message("health_check_response.hex", ["hookwire.v1.HealthCheckResponse { status: SERVING (1) }"],
      HealthCheckResponse(status: .serving)),
    message("unicode_string.hex", ["hookwire.v1.Partner { name: \"Café 🎉\" }  -- UTF-8 on the wire"],
      Partner(name: "Café 🎉")),
    frames("frame_preface_settings.hex", [
      "Connection preface (magic 89 48 4B 57 0D 0A 1A 0A, version 1) then SETTINGS on call 0:",
      "  hookwire.protocol.Settings { max_frame_size: 65536, max_message_size: 4194304,",
      "  max_concurrent_calls: 100, initial_call_window: 1048576, max_metadata_size: 8192 }",
    ], preface: true, [
      Frame(type: .settings, callID: 0, payload: Settings(
        maxFrameSize: 65_536, maxMessageSize: 4_194_304, maxConcurrentCalls: 100,
        initialCallWindow: 1_048_576, maxMetadataSize: 8_192).serializedBytes())
    ]),
    frames("frame_settings_ack.hex", ["SETTINGS with the ACK flag (0x01), empty payload, call 0"], [
      Frame(type: .settings, flags: FrameFlags.ack, callID: 0)
    ]),
    frames("frame_open.hex", [
      "OPEN on call 1: hookwire.protocol.CallOpen { method: \"/hookwire.v1.Webhooks/GetWebhook\",",
      "  timeout_us: 1500000, metadata: [authorization: \"Bearer hw_demo_key\", hookwire-act-as: \"12345\"] }",
    ], [Frame(type: .open, callID: 1, payload: openPayload.serializedBytes())]),
    frames("frame_data_end_stream.hex", [
      "DATA on call 1 with END_STREAM (0x01): hookwire.v1.GetWebhookRequest { webhook_id: \"wh_01JDQ8Z6K3M5N7P9R1T3V5X7Z9\" }",
    ], [Frame(type: .data, flags: FrameFlags.endStream, callID: 1, payload: request.serializedBytes())]),
    frames("frame_status_ok.hex", ["STATUS on call 1: hookwire.protocol.CallStatus { code: 0 (OK) } (empty payload)"], [
      Frame(type: .status, callID: 1, payload: CallStatus(code: 0).serializedBytes())
    ]),
    frames("frame_status_error.hex", [
      "STATUS on call 3: hookwire.protocol.CallStatus { code: 5 (NOT_FOUND), message: \"webhook wh_9 not found\",",
      "  metadata: [retry-info-bin: 00 01] }",
    ], [
      Frame(type: .status, callID: 3, payload: CallStatus(
        code: 5, message: "webhook wh_9 not found", metadata: [MetadataEntry(key: "retry-info-bin", value: [0, 1])]
      ).serializedBytes())
    ]),
    frames("frame_cancel.hex", ["CANCEL on call 5: hookwire.protocol.CallCancel { code: 4 (DEADLINE_EXCEEDED) }"], [
      Frame(type: .cancel, callID: 5, payload: CallCancel(code: 4).serializedBytes())
    ]),
    frames("frame_ping_pong.hex", ["PING on call 0 with opaque 0x0102030405060708, then its ACK (flag 0x01)"], [
      Frame(type: .ping, callID: 0, payload: [1, 2, 3, 4, 5, 6, 7, 8]),
      Frame(type: .ping, flags: FrameFlags.ack, callID: 0, payload: [1, 2, 3, 4, 5, 6, 7, 8]),
    ]),
    frames("frame_goaway.hex", [
      "GOAWAY on call 0: hookwire.protocol.GoAway { last_call_id: 2147483647, error_code: 0 (NO_ERROR), debug_text: \"shutdown\" }",
    ], [Frame(type: .goAway, callID: 0, payload: GoAway(lastCallID: 2_147_483_647, errorCode: 0, debugText: "shutdown").serializedBytes())]),
    frames("frame_window_update.hex", ["WINDOW_UPDATE on call 7 granting 65536 bytes (u32 big-endian payload)"], [
      Frame(type: .windowUpdate, callID: 7, payload: [0x00, 0x01, 0x00, 0x00])
    ]),
    frames("exchange_unary_client.hex", [
      "A whole unary call as the client sends it: preface, SETTINGS (all defaults, empty payload),",
      "OPEN call 1 (as frame_open.hex), DATA call 1 with END_STREAM (as frame_data_end_stream.hex).",
    ], preface: true, [
      Frame(type: .settings, callID: 0),
      Frame(type: .open, callID: 1, payload: openPayload.serializedBytes()),
      Frame(type: .data, flags: FrameFlags.endStream, callID: 1, payload: request.serializedBytes()),
    ]),
    frames("exchange_unary_server.hex", [
      "The server's side of that call: preface, SETTINGS (defaults), SETTINGS ACK,",
      "DATA call 1 (hookwire.v1.GetWebhookResponse { webhook: as webhook.hex }), STATUS call 1 OK.",
    ], preface: true, [
      Frame(type: .settings, callID: 0),
      Frame(type: .settings, flags: FrameFlags.ack, callID: 0),
      Frame(type: .data, callID: 1, payload: response.serializedBytes()),
      Frame(type: .status, callID: 1, payload: CallStatus(code: 0).serializedBytes()),
    ]),
  ]

  static func render(_ vector: Vector) -> String {
    var text = "# Hookwire golden vector \(vector.file) (\(vector.bytes.count) bytes)\n"
    for line in vector.description { text += "# \(line)\n" }
    var index = 0
    while index < vector.bytes.count {
      let row = vector.bytes[index..<min(index + 16, vector.bytes.count)]
      text += row.map { String(format: "%02x", $0) }.joined(separator: " ") + "\n"
      index += 16
    }
    return text
  }

  static func parseHex(_ text: String) -> [UInt8] {
    var bytes: [UInt8] = []
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
      for token in line.split(separator: " ") {
        if let byte = UInt8(token, radix: 16) { bytes.append(byte) }
      }
    }
    return bytes
  }

  @Test("the golden Webhook lists its events sorted and without duplicates, as the schema says a Webhook does")
  func webhookEventsSorted() {
    #expect(Self.webhook.events == Array(Set(Self.webhook.events)).sorted())
  }

  @Test("the committed vector matches the codec, byte for byte, and decodes back", arguments: vectors)
  func vector(_ vector: Vector) throws {
    let url = Self.directory.appendingPathComponent(vector.file)
    let rendered = Self.render(vector)
    if ProcessInfo.processInfo.environment["HOOKWIRE_WRITE_GOLDEN"] != nil {
      try FileManager.default.createDirectory(at: Self.directory, withIntermediateDirectories: true)
      try rendered.write(to: url, atomically: true, encoding: .utf8)
    }
    let committed = try String(contentsOf: url, encoding: .utf8)
    #expect(committed == rendered, "Schema/golden/\(vector.file) differs from what the codec writes")
    let bytes = Self.parseHex(committed)
    #expect(bytes == vector.bytes)
    #expect(try vector.check(bytes), "Schema/golden/\(vector.file) does not decode to what it names")
  }
}
