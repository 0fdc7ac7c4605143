import HookwireWire

/// A unary call's response message with the metadata the server ended the
/// call with (its STATUS's trailing metadata), as grpc-swift 2's
/// `ClientResponse` pairs them.
public struct ClientResponse<Message: Sendable>: Sendable {
  /// The response message.
  public var message: Message
  /// The trailing metadata of the call; empty when the server sent none.
  public var metadata: Metadata

  /// Creates a response.
  public init(message: Message, metadata: Metadata = Metadata()) {
    self.message = message
    self.metadata = metadata
  }
}

/// An `RPCCaller` that also hands over the metadata a unary call ended with.
public protocol RPCResponseMetadataCaller: RPCCaller {
  /// Sends one request and returns the response with the server's trailing metadata.
  func unaryResponse<Request: WireMessage, Response: WireMessage>(
    _ request: Request, method: MethodDescriptor, responseType: Response.Type,
    metadata: Metadata, options: CallOptions
  ) async throws -> ClientResponse<Response>
}

extension RPCCaller {
  /// Sends one request and returns the response with the server's trailing
  /// metadata; a caller that does not carry metadata back (not an
  /// `RPCResponseMetadataCaller`) gives empty metadata.
  public func unaryWithMetadata<Request: WireMessage, Response: WireMessage>(
    _ request: Request, method: MethodDescriptor, responseType: Response.Type,
    metadata: Metadata, options: CallOptions
  ) async throws -> ClientResponse<Response> {
    if let caller = self as? any RPCResponseMetadataCaller {
      return try await caller.unaryResponse(request, method: method, responseType: responseType, metadata: metadata, options: options)
    }
    return ClientResponse(message: try await unary(request, method: method, responseType: responseType, metadata: metadata, options: options))
  }
}

extension RPCError {
  /// Any error a client call ended with, as the status its caller sees:
  /// an `RPCError` as it is, a convertible error as it says, cancellation
  /// as CANCELLED, and anything else (an interceptor's own error) as
  /// UNKNOWN naming it.
  package init(callFailure error: any Error) {
    switch error {
    case let error as RPCError: self = error
    case let error as any RPCErrorConvertible: self = error.rpcError
    case is CancellationError: self.init(code: .cancelled, message: "the call was cancelled")
    default: self.init(code: .unknown, message: "the call failed: \(error)", cause: String(describing: error))
    }
  }
}
