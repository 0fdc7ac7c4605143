import Foundation

/// Signing as the Standard Webhooks specification defines it: the
/// signature is `v1,` + base64(HMAC-SHA256(key, "<id>.<timestamp>.<body>")),
/// where the key is the secret's base64 part after `whsec_`, decoded.
public enum StandardWebhooks {
  /// The `webhook-signature` value for a message.
  public static func signature(id: String, timestamp: Int64, body: [UInt8], key: [UInt8]) -> String {
    let signed = Array("\(id).\(timestamp).".utf8) + body
    return "v1," + Data(Crypto.hmacSHA256(key: key, message: signed)).base64EncodedString()
  }

  /// The signing key of a `whsec_…` secret, or nil when it is malformed.
  public static func key(fromSecret secret: String) -> [UInt8]? {
    guard secret.hasPrefix("whsec_"), let data = Data(base64Encoded: String(secret.dropFirst(6))) else { return nil }
    return [UInt8](data)
  }

  /// Why a delivery did not verify.
  public enum VerificationError: Error, Equatable, Sendable {
    case malformedSecret
    case missingHeader(String)
    case timestampOutOfTolerance
    case signatureMismatch
  }

  /// Checks a received delivery: the timestamp is within `tolerance` of
  /// `now`, and one of the space-separated `v1,` signatures matches.
  public static func verify(
    secret: String, id: String, timestamp: String, signatures: String, body: [UInt8], now: Date = Date(),
    tolerance: TimeInterval = 300
  ) throws(VerificationError) {
    guard let key = key(fromSecret: secret) else { throw .malformedSecret }
    guard !id.isEmpty else { throw .missingHeader("webhook-id") }
    guard let seconds = Int64(timestamp) else { throw .missingHeader("webhook-timestamp") }
    guard abs(now.timeIntervalSince1970 - Double(seconds)) <= tolerance else { throw .timestampOutOfTolerance }
    let expected = Array(signature(id: id, timestamp: seconds, body: body, key: key).utf8)
    for candidate in signatures.split(separator: " ") where candidate.hasPrefix("v1,") {
      if Crypto.constantTimeEqual(Array(candidate.utf8), expected) { return }
    }
    throw .signatureMismatch
  }
}
