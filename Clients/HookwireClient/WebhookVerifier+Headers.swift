import Foundation
import HookwireCrypto

extension WebhookVerifier {
  /// The Standard Webhooks header names, lowercase.
  public enum Header {
    /// The delivery's id: the same on every attempt, for deduplication.
    public static let id = "webhook-id"
    /// When the attempt was signed, in Unix seconds.
    public static let timestamp = "webhook-timestamp"
    /// One or more space-separated `v1,<base64>` signatures.
    public static let signature = "webhook-signature"
  }

  /// A delivery that verified: what its headers said about it.
  public struct VerifiedDelivery: Sendable, Equatable {
    /// The `webhook-id`, the same on every attempt of one delivery.
    public var id: String
    /// The `webhook-timestamp`.
    public var timestamp: Date

    /// Creates a verified delivery's description.
    public init(id: String, timestamp: Date) {
      self.id = id
      self.timestamp = timestamp
    }
  }

  /// Checks a request's Standard Webhooks headers against its raw body:
  /// `webhook-id`, `webhook-timestamp` within the tolerance of `now`, and
  /// `webhook-signature`, any one of whose space-separated signatures must
  /// match (several appear while a secret is rotated). Header names match
  /// whatever their case.
  ///
  /// - Returns: The delivery's id and timestamp; dedupe on the id.
  /// - Throws: `Failure.missingHeader` naming an absent or malformed header,
  ///   `.timestampOutOfTolerance`, `.signatureMismatch` or `.malformedSecret`.
  @discardableResult
  public func verify(headers: [String: String], body: [UInt8], now: Date = Date()) throws(Failure) -> VerifiedDelivery {
    try verify(headers: headers.map { ($0.key, $0.value) }, body: body, now: now)
  }

  /// Checks a request's headers given as name–value pairs, as HTTP servers
  /// hand them over; a name that repeats (two `webhook-signature` lines)
  /// counts with all its values. See `verify(headers:body:now:)`.
  @discardableResult
  public func verify<Headers: Sequence>(headers: Headers, body: [UInt8], now: Date = Date()) throws(Failure) -> VerifiedDelivery
  where Headers.Element == (String, String) {
    var values: [String: [String]] = [:]
    for (name, value) in headers {
      let key = name.lowercased()
      guard key == Header.id || key == Header.timestamp || key == Header.signature else { continue }
      values[key, default: []].append(value.trimmingCharacters(in: .whitespaces))
    }
    guard let id = values[Header.id]?.first, !id.isEmpty else { throw .missingHeader(Header.id) }
    guard let timestamp = values[Header.timestamp]?.first, let seconds = Int64(timestamp) else {
      throw .missingHeader(Header.timestamp)
    }
    guard let signatures = values[Header.signature], signatures.contains(where: { !$0.isEmpty }) else {
      throw .missingHeader(Header.signature)
    }
    try verify(id: id, timestamp: timestamp, signature: signatures.joined(separator: " "), body: body, now: now)
    return VerifiedDelivery(id: id, timestamp: Date(timeIntervalSince1970: TimeInterval(seconds)))
  }

  /// The three headers Hookwire would send with `body` signed by this
  /// verifier's secret: for a receiver's tests, which can feed them to
  /// `verify(headers:body:now:)` (or tamper with them first).
  ///
  /// - Throws: `Failure.malformedSecret` when the secret is not `whsec_` + base64.
  public func sign(id: String = "msg_test", timestamp: Date = Date(), body: [UInt8]) throws(Failure) -> [String: String] {
    guard let key = StandardWebhooks.key(fromSecret: secret) else { throw .malformedSecret }
    let seconds = Int64(timestamp.timeIntervalSince1970.rounded(.down))
    return [
      Header.id: id, Header.timestamp: String(seconds),
      Header.signature: StandardWebhooks.signature(id: id, timestamp: seconds, body: body, key: key),
    ]
  }

  /// A new random secret (`whsec_` + base64 of 32 bytes), as a receiver's
  /// tests need one.
  public static func randomSecret() -> String {
    "whsec_" + Data(Crypto.randomBytes(32)).base64EncodedString()
  }
}
