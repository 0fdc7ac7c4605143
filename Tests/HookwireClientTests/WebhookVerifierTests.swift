import Foundation
import HookwireClient
import Testing

/// What a receiving service relies on: verification of Hookwire's
/// Standard Webhooks signatures, and the client's reconnect backoff.
@Suite("Webhook verifier and backoff")
struct WebhookVerifierTests {
  /// The Standard Webhooks specification's reference vector.
  static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
  static let id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
  static let timestamp = "1614265330"
  static let body = Array(#"{"test": 2432232314}"#.utf8)
  static let signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
  static let sent = Date(timeIntervalSince1970: 1_614_265_330)

  @Test("the reference delivery verifies, also among other signatures and near the tolerance's edge")
  func accepts() throws {
    let verifier = WebhookVerifier(secret: Self.secret)
    for (signatures, now) in [
      (Self.signature, Self.sent), ("v1,c2lnbmF0dXJl " + Self.signature, Self.sent), ("v2,x " + Self.signature, Self.sent.addingTimeInterval(-300)),
      (Self.signature, Self.sent.addingTimeInterval(300)),
    ] {
      try verifier.verify(id: Self.id, timestamp: Self.timestamp, signature: signatures, body: Self.body, now: now)
    }
  }

  @Test("a forged, replayed or malformed delivery is refused with the reason")
  func refuses() {
    let verifier = WebhookVerifier(secret: Self.secret)
    var altered = Self.body
    altered[altered.count - 2] ^= 1
    let table: [(String, WebhookVerifier, String, String, String, [UInt8], Date, WebhookVerifier.Failure)] = [
      ("body altered", verifier, Self.id, Self.timestamp, Self.signature, altered, Self.sent, .signatureMismatch),
      ("another id", verifier, "msg_other", Self.timestamp, Self.signature, Self.body, Self.sent, .signatureMismatch),
      ("another secret", WebhookVerifier(secret: "whsec_" + Data(repeating: 1, count: 24).base64EncodedString()), Self.id, Self.timestamp, Self.signature, Self.body, Self.sent, .signatureMismatch),
      ("no v1 signature", verifier, Self.id, Self.timestamp, "v2," + Self.signature.dropFirst(3), Self.body, Self.sent, .signatureMismatch),
      ("too old", verifier, Self.id, Self.timestamp, Self.signature, Self.body, Self.sent.addingTimeInterval(301), .timestampOutOfTolerance),
      ("from the future", verifier, Self.id, Self.timestamp, Self.signature, Self.body, Self.sent.addingTimeInterval(-301), .timestampOutOfTolerance),
      ("tighter tolerance", WebhookVerifier(secret: Self.secret, tolerance: 10), Self.id, Self.timestamp, Self.signature, Self.body, Self.sent.addingTimeInterval(11), .timestampOutOfTolerance),
      ("no id", verifier, "", Self.timestamp, Self.signature, Self.body, Self.sent, .missingHeader("webhook-id")),
      ("timestamp not a number", verifier, Self.id, "yesterday", Self.signature, Self.body, Self.sent, .missingHeader("webhook-timestamp")),
      ("secret without whsec_", WebhookVerifier(secret: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"), Self.id, Self.timestamp, Self.signature, Self.body, Self.sent, .malformedSecret),
    ]
    for (name, verifier, id, timestamp, signature, body, now, failure) in table {
      #expect(throws: failure, "\(name)") { try verifier.verify(id: id, timestamp: timestamp, signature: signature, body: body, now: now) }
    }
  }

  @Test("reconnect backoff: none before a failure, then 1 s ×1.6 per failure within ±20 %, capped at 120 s")
  func backoff() {
    let backoff = ConnectionBackoff()
    #expect(backoff.delay(afterFailures: 0) == .zero)
    func seconds(_ duration: Duration) -> Double {
      Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
    for failures in 1...15 {
      let base = min(pow(1.6, Double(failures - 1)), 120)
      for _ in 0..<10 {
        let delay = seconds(backoff.delay(afterFailures: failures))
        #expect(delay >= base * 0.8 - 1e-6 && delay <= base * 1.2 + 1e-6, "after \(failures) failures: \(delay) s")
      }
    }
  }
}
