/// The cryptography a new webhook needs, which the domain does not do
/// itself: an id, the bytes of a generated secret, and sealing a secret
/// for storage. The composition root passes Hookwire's crypto; tests pass
/// fixed values.
public struct WebhookCredentials: Sendable {
  /// A fresh webhook id (`wh_…`).
  public let newID: @Sendable () -> String
  /// 32 random bytes for a generated secret.
  public let newSecretBytes: @Sendable () -> [UInt8]
  /// The secret sealed for storage.
  public let seal: @Sendable ([UInt8]) throws -> [UInt8]

  /// Credentials from the three operations.
  public init(
    newID: @escaping @Sendable () -> String, newSecretBytes: @escaping @Sendable () -> [UInt8],
    seal: @escaping @Sendable ([UInt8]) throws -> [UInt8]
  ) {
    self.newID = newID
    self.newSecretBytes = newSecretBytes
    self.seal = seal
  }
}
