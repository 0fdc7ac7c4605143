/// Per-call settings of a client call.
public struct CallOptions: Sendable, Equatable {
  /// How long the call may take in all; nil for no deadline.
  public var timeout: Duration?
  /// Wait for a connection to become ready instead of failing at once.
  public var waitForReady: Bool
  /// The largest request the client will send, in bytes.
  public var maxRequestMessageBytes: Int?
  /// The largest response the client will accept, in bytes.
  public var maxResponseMessageBytes: Int?

  /// Creates options.
  public init(
    timeout: Duration? = nil, waitForReady: Bool = false,
    maxRequestMessageBytes: Int? = nil, maxResponseMessageBytes: Int? = nil
  ) {
    self.timeout = timeout
    self.waitForReady = waitForReady
    self.maxRequestMessageBytes = maxRequestMessageBytes
    self.maxResponseMessageBytes = maxResponseMessageBytes
  }

  /// No deadline, fail fast, the protocol's default limits.
  public static let defaults = CallOptions()
}
