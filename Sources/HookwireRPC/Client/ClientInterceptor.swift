import HookwireWire

/// What a client interceptor sees of an outgoing call, and may change
/// before passing it on: the method, the request metadata and the options.
public struct ClientCallContext: Sendable {
  /// The method being called.
  public let method: MethodDescriptor
  /// The request metadata; an interceptor may add to it or replace entries.
  public var metadata: Metadata
  /// The call's options (deadline, wait-for-ready, size limits).
  public var options: CallOptions

  /// Creates a context.
  public init(method: MethodDescriptor, metadata: Metadata, options: CallOptions) {
    self.method = method
    self.metadata = metadata
    self.options = options
  }
}

/// Runs around every call a client makes, as grpc-swift 2's
/// `ClientInterceptor` does: it may change the metadata or options, time
/// the call, map its error, or call `next` again to retry.
///
/// Interceptors run in the order given to the client, the first outermost.
/// For a unary call `next` returns once the response arrived; for a
/// server-streaming call, once the caller's reading of the stream returned.
public protocol ClientInterceptor: Sendable {
  /// Handles one call: call `next` with the (possibly changed) context to
  /// continue, or throw to fail the call without sending it.
  func intercept<Result: Sendable>(
    _ context: ClientCallContext,
    next: @Sendable (ClientCallContext) async throws -> Result
  ) async throws -> Result
}

extension Array where Element == any ClientInterceptor {
  /// Runs `call` inside every interceptor of the list, the first outermost.
  package func run<Result: Sendable>(
    _ context: ClientCallContext, from index: Int = 0,
    call: @Sendable (ClientCallContext) async throws -> Result
  ) async throws -> Result {
    guard index < count else { return try await call(context) }
    return try await self[index].intercept(context) { context in
      try await self.run(context, from: index + 1, call: call)
    }
  }
}
