import Foundation
import HookwireCrypto
import Testing

/// Secrets at rest (AES-256-GCM) and Standard Webhooks signing.
@Suite("Secret box and signing")
struct SecretBoxTests {
  @Test("a sealed secret opens to itself; each seal differs (fresh nonce)")
  func roundTrip() throws {
    let box = try SecretBox(key: [UInt8](repeating: 7, count: 32))
    for plaintext in [[UInt8](), Array("whsec_abc".utf8), [UInt8](repeating: 0xEE, count: 1_000)] {
      let sealed = try box.seal(plaintext)
      #expect(sealed.count == plaintext.count + 28)
      #expect(try box.open(sealed) == plaintext)
      #expect(try box.seal(plaintext) != sealed)
    }
  }

  @Test("a sealed secret altered anywhere, cut short, or opened with another key is refused")
  func tamper() throws {
    let box = try SecretBox(key: [UInt8](repeating: 7, count: 32))
    let sealed = try box.seal(Array("a secret worth keeping".utf8))
    for index in [0, 11, 12, sealed.count - 17, sealed.count - 1] {
      var altered = sealed
      altered[index] ^= 0x01
      #expect(throws: SecretBoxError.self, "byte \(index)") { try box.open(altered) }
    }
    #expect(throws: SecretBoxError.self) { try box.open(Array(sealed.prefix(27))) }
    let other = try SecretBox(key: [UInt8](repeating: 8, count: 32))
    #expect(throws: SecretBoxError.self) { try other.open(sealed) }
    for length in [0, 16, 31, 33] { #expect(throws: SecretBoxError.self) { try SecretBox(key: [UInt8](repeating: 1, count: length)) } }
  }

  @Test("a key file is created once with owner-only permissions and read back after")
  func keyFile() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("hookwire-key-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: path) }
    let created = try SecretBox.loadOrCreateKey(at: path)
    let reread = try SecretBox.loadOrCreateKey(at: path)
    #expect(created.count == 32 && reread == created)
    let permissions = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
    #expect(permissions == 0o600)
    try Data([1, 2, 3]).write(to: URL(fileURLWithPath: path))
    #expect(throws: SecretBoxError.self) { try SecretBox.loadOrCreateKey(at: path) }
  }

  /// The Standard Webhooks specification's example (its reference libraries' test vector).
  static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
  static let id = "msg_p5jXN8AQM9LWM0D4loKWxJek"
  static let timestamp: Int64 = 1_614_265_330
  static let body = #"{"test": 2432232314}"#
  static let expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

  @Test("signing matches the Standard Webhooks reference vector, and verification accepts it within tolerance only")
  func standardWebhooks() throws {
    let key = try #require(StandardWebhooks.key(fromSecret: Self.secret))
    #expect(StandardWebhooks.signature(id: Self.id, timestamp: Self.timestamp, body: Array(Self.body.utf8), key: key) == Self.expected)
    let now = Date(timeIntervalSince1970: TimeInterval(Self.timestamp))
    try StandardWebhooks.verify(secret: Self.secret, id: Self.id, timestamp: "\(Self.timestamp)", signatures: "v1,bogus " + Self.expected, body: Array(Self.body.utf8), now: now)
    #expect(throws: StandardWebhooks.VerificationError.timestampOutOfTolerance) {
      try StandardWebhooks.verify(secret: Self.secret, id: Self.id, timestamp: "\(Self.timestamp)", signatures: Self.expected, body: Array(Self.body.utf8), now: now + 301)
    }
    #expect(StandardWebhooks.key(fromSecret: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") == nil)
  }
}
