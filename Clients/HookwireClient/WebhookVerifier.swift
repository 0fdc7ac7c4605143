import Foundation
import HookwireCrypto

/// Verifies deliveries on the receiving side: a service that receives
/// Hookwire webhooks checks each request's Standard Webhooks signature and
/// that its timestamp is recent (5 minutes by default), so a forged or
/// replayed request is refused.
///
/// Give it the request's headers and raw body,
/// `try verifier.verify(headers: request.headers, body: body)`, and in the
/// receiver's own tests make deliveries with `sign(id:timestamp:body:)`.
public struct WebhookVerifier: Sendable {
  /// Why a delivery was refused.
  public enum Failure: Error, Equatable, Sendable {
    /// The secret given to the verifier is not `whsec_` + base64.
    case malformedSecret
    /// A required header is missing or malformed (`webhook-id`, `webhook-timestamp`).
    case missingHeader(String)
    /// The timestamp is further from now than the tolerance.
    case timestampOutOfTolerance
    /// No signature matches the body.
    case signatureMismatch
  }

  let secret: String
  let tolerance: TimeInterval

  /// A verifier for the webhook whose secret is `secret` (`whsec_…`).
  public init(secret: String, tolerance: TimeInterval = 300) {
    self.secret = secret
    self.tolerance = tolerance
  }

  /// Checks the `webhook-id`, `webhook-timestamp` and `webhook-signature`
  /// headers against the raw body; throws a `Failure` when they do not hold.
  public func verify(id: String, timestamp: String, signature: String, body: [UInt8], now: Date = Date()) throws(Failure) {
    do {
      try StandardWebhooks.verify(secret: secret, id: id, timestamp: timestamp, signatures: signature, body: body, now: now, tolerance: tolerance)
    } catch {
      switch error {
      case .malformedSecret: throw .malformedSecret
      case .missingHeader(let name): throw .missingHeader(name)
      case .timestampOutOfTolerance: throw .timestampOutOfTolerance
      case .signatureMismatch: throw .signatureMismatch
      }
    }
  }
}
