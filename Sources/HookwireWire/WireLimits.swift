/// Limits a decoder enforces on untrusted input.
public struct WireLimits: Sendable, Equatable {
  /// The largest message accepted, in bytes (4 MiB by default, as gRPC).
  public var maxMessageBytes: Int
  /// How deep messages may nest inside one another (100 by default, as protobuf).
  public var maxDepth: Int

  /// Creates limits; values below 1 are raised to 1.
  public init(maxMessageBytes: Int = 4 << 20, maxDepth: Int = 100) {
    self.maxMessageBytes = max(1, maxMessageBytes)
    self.maxDepth = max(1, maxDepth)
  }

  /// The defaults of `Schema/PROTOCOL.md`.
  public static let `default` = WireLimits()
}
