import HookwireWire

/// The error every call fails with: a status code, a message and metadata.
public struct RPCError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The status code.
  public var code: StatusCode
  /// A human-readable message, safe to show to the caller.
  public var message: String
  /// Trailing metadata sent with the status.
  public var metadata: Metadata
  /// A description of the underlying error, kept on this side only.
  public var cause: String?

  /// Creates an error.
  public init(code: StatusCode, message: String, metadata: Metadata = [:], cause: String? = nil) {
    self.code = code
    self.message = message
    self.metadata = metadata
    self.cause = cause
  }

  public var description: String { message.isEmpty ? code.name : "\(code.name): \(message)" }

  /// Converts any error into the status a caller sees. Errors that know
  /// their status say so through `RPCErrorConvertible`; anything else
  /// becomes UNKNOWN without its details, which stay on this side.
  public init(converting error: any Error) {
    switch error {
    case let error as RPCError: self = error
    case let error as any RPCErrorConvertible: self = error.rpcError
    case is CancellationError: self.init(code: .cancelled, message: "the call was cancelled")
    default: self.init(code: .unknown, message: "the handler failed", cause: String(describing: error))
    }
  }
}

/// An error that knows which status it should reach the caller as.
public protocol RPCErrorConvertible: Error {
  /// The status and message to send.
  var rpcError: RPCError { get }
}

extension WireError: RPCErrorConvertible {
  /// A message that does not decode is the sender's fault: INVALID_ARGUMENT,
  /// except one too large for the limit, which is RESOURCE_EXHAUSTED.
  public var rpcError: RPCError {
    let code: StatusCode = self.code == .messageTooLarge ? .resourceExhausted : .invalidArgument
    return RPCError(code: code, message: "could not decode the request: \(description)")
  }
}
