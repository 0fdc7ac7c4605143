import Foundation
import HookwireClient
import Testing

/// Verifying a request by its headers, as a receiving service has them,
/// and signing deliveries for a receiver's own tests.
@Suite("Webhook verifier: headers and signing")
struct WebhookVerifierHeadersTests {
  static let verifier = WebhookVerifier(secret: WebhookVerifierTests.secret)
  static let body = WebhookVerifierTests.body
  static let sent = WebhookVerifierTests.sent

  @Test("the reference delivery verifies from its headers, whatever their case, among several signatures and repeated lines")
  func verifiesHeaders() throws {
    let reference = ["Webhook-Id": WebhookVerifierTests.id, "WEBHOOK-TIMESTAMP": WebhookVerifierTests.timestamp, "webhook-signature": WebhookVerifierTests.signature]
    let delivery = try Self.verifier.verify(headers: reference, body: Self.body, now: Self.sent)
    #expect(delivery == WebhookVerifier.VerifiedDelivery(id: WebhookVerifierTests.id, timestamp: Self.sent))
    let rotated: [(String, String)] = [
      ("content-type", "application/json"), ("webhook-id", WebhookVerifierTests.id), ("webhook-timestamp", WebhookVerifierTests.timestamp),
      ("Webhook-Signature", "v1,b2xkIHNlY3JldA== " + WebhookVerifierTests.signature),
    ]
    try Self.verifier.verify(headers: rotated, body: Self.body, now: Self.sent.addingTimeInterval(299))
    let twoLines: [(String, String)] = [
      ("webhook-id", WebhookVerifierTests.id), ("webhook-timestamp", WebhookVerifierTests.timestamp),
      ("webhook-signature", "v1,b2xkIHNlY3JldA=="), ("webhook-signature", WebhookVerifierTests.signature),
    ]
    try Self.verifier.verify(headers: twoLines, body: Self.body, now: Self.sent)
  }

  @Test("missing, malformed, stale and forged headers are refused with the reason")
  func refusesHeaders() {
    let good = ["webhook-id": WebhookVerifierTests.id, "webhook-timestamp": WebhookVerifierTests.timestamp, "webhook-signature": WebhookVerifierTests.signature]
    func without(_ name: String) -> [String: String] { good.filter { $0.key != name } }
    var forged = good
    forged["webhook-signature"] = "v1,Zm9yZ2Vk"
    var stale = good
    stale["webhook-timestamp"] = String(Int(Self.sent.timeIntervalSince1970) - 301)
    var blank = good
    blank["webhook-signature"] = "  "
    let table: [(String, [String: String], WebhookVerifier.Failure)] = [
      ("no id", without("webhook-id"), .missingHeader("webhook-id")),
      ("no timestamp", without("webhook-timestamp"), .missingHeader("webhook-timestamp")),
      ("no signature", without("webhook-signature"), .missingHeader("webhook-signature")),
      ("blank signature", blank, .missingHeader("webhook-signature")),
      ("forged", forged, .signatureMismatch),
      ("stale", stale, .timestampOutOfTolerance),
    ]
    for (name, headers, failure) in table {
      #expect(throws: failure, "\(name)") { try Self.verifier.verify(headers: headers, body: Self.body, now: Self.sent) }
    }
  }

  @Test("sign makes the headers Hookwire sends: the reference signature, and ones verify accepts for a fresh secret")
  func signs() throws {
    let headers = try Self.verifier.sign(id: WebhookVerifierTests.id, timestamp: Self.sent, body: Self.body)
    #expect(headers == ["webhook-id": WebhookVerifierTests.id, "webhook-timestamp": WebhookVerifierTests.timestamp, "webhook-signature": WebhookVerifierTests.signature])
    let fresh = WebhookVerifier(secret: WebhookVerifier.randomSecret())
    let body = Array(#"{"type":"reward.issued"}"#.utf8)
    try fresh.verify(headers: try fresh.sign(body: body), body: body)
    #expect(throws: WebhookVerifier.Failure.signatureMismatch) { try Self.verifier.verify(headers: try fresh.sign(body: body), body: body) }
    #expect(throws: WebhookVerifier.Failure.malformedSecret) { try WebhookVerifier(secret: "not-a-secret").sign(body: body) }
  }
}
