import HookwireWire

/// What the client connection keeps per call.
extension ClientConnection {
  /// How a call hears what arrives for it (on the host thread).
  public struct CallHandlers {
    /// One complete response message.
    public var onMessage: ([UInt8]) -> Void
    /// The call ended: nil for OK, else the error.
    public var onEnd: (RPCError?) -> Void
    /// The server's GOAWAY says it never processed the call, so it may be
    /// sent again elsewhere; without this, `onEnd` gets UNAVAILABLE.
    public var onRefused: (() -> Void)?
    /// The trailing metadata of a call that ended OK, when the server sent
    /// any; runs just before `onEnd(nil)`.
    public var onTrailers: ((Metadata) -> Void)?

    /// Creates handlers.
    public init(
      onMessage: @escaping ([UInt8]) -> Void, onEnd: @escaping (RPCError?) -> Void, onRefused: (() -> Void)? = nil,
      onTrailers: ((Metadata) -> Void)? = nil
    ) {
      self.onMessage = onMessage
      self.onEnd = onEnd
      self.onRefused = onRefused
      self.onTrailers = onTrailers
    }
  }

  final class Call {
    let handlers: CallHandlers
    let grantsAsReceived: Bool
    var partial: [UInt8] = []
    var inboundWindow: Int
    var unacknowledged = 0
    var messages = 0
    let unary: Bool

    init(handlers: CallHandlers, unary: Bool, window: Int) {
      self.handlers = handlers
      self.unary = unary
      grantsAsReceived = unary
      inboundWindow = window
    }
  }
}
