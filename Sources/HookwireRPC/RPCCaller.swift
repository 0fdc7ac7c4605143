import HookwireWire

/// What generated clients send their calls through: a connection, a pool,
/// or an in-process channel to a server.
public protocol RPCCaller: Sendable {
  /// Sends one request and waits for one response.
  func unary<Request: WireMessage, Response: WireMessage>(
    _ request: Request, method: MethodDescriptor, responseType: Response.Type,
    metadata: Metadata, options: CallOptions
  ) async throws -> Response

  /// Sends one request and hands the stream of responses to `onResponse`;
  /// the call ends when `onResponse` returns.
  func serverStreaming<Request: WireMessage, Response: WireMessage, Result: Sendable>(
    _ request: Request, method: MethodDescriptor, responseType: Response.Type,
    metadata: Metadata, options: CallOptions,
    onResponse: @Sendable (RPCResponseStream<Response>) async throws -> Result
  ) async throws -> Result
}

/// A source of encoded response messages, pulled one at a time so that a
/// slow reader slows the sender (credit is granted as messages are taken).
public protocol RawMessageSource: Sendable {
  /// The next message's bytes, nil when the call ended with OK, or the
  /// call's error.
  func next() async throws -> [UInt8]?
}

/// The responses of a server-streaming call, decoded as they are read.
public struct RPCResponseStream<Message: WireMessage>: AsyncSequence, Sendable {
  public typealias Element = Message
  let source: any RawMessageSource
  let limits: WireLimits

  /// Creates a stream over encoded messages.
  public init(source: any RawMessageSource, limits: WireLimits = .default) {
    self.source = source
    self.limits = limits
  }

  /// Iterates the responses.
  public struct AsyncIterator: AsyncIteratorProtocol {
    let source: any RawMessageSource
    let limits: WireLimits

    /// The next response; a message that does not decode fails the call with INTERNAL.
    public mutating func next() async throws -> Message? {
      guard let bytes = try await source.next() else { return nil }
      do {
        return try Message(serializedBytes: bytes, limits: limits)
      } catch {
        throw RPCError(code: .internal, message: "could not decode a response: \(error)")
      }
    }
  }

  public func makeAsyncIterator() -> AsyncIterator { AsyncIterator(source: source, limits: limits) }
}
