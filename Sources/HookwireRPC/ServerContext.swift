import HookwireWire

/// What a handler knows about its call besides the request.
public struct ServerContext: Sendable {
  /// The method being called.
  public let method: MethodDescriptor
  /// The request metadata (`authorization` among it).
  public let metadata: Metadata
  /// When the call's budget runs out; nil for no deadline.
  public let deadline: ContinuousClock.Instant?
  /// Fires when the call is cancelled for any reason.
  public let cancellation: RPCCancellation
  /// Values interceptors attach for the handler, such as the authenticated caller.
  public var values = ServerContextValues()

  /// Creates a context.
  public init(
    method: MethodDescriptor, metadata: Metadata, deadline: ContinuousClock.Instant? = nil,
    cancellation: RPCCancellation = RPCCancellation()
  ) {
    self.method = method
    self.metadata = metadata
    self.deadline = deadline
    self.cancellation = cancellation
  }
}

/// Sends the responses of a server-streaming call.
public struct ResponseWriter<Message: WireMessage>: Sendable {
  private let sink: @Sendable ([UInt8]) async throws -> Void

  /// Creates a writer that hands encoded messages to `sink`; the sink
  /// suspends while the caller has no credit left (back-pressure).
  public init(sink: @escaping @Sendable ([UInt8]) async throws -> Void) {
    self.sink = sink
  }

  /// Sends one response, suspending while the caller is not reading.
  public func write(_ message: Message) async throws {
    try await sink(message.serializedBytes())
  }
}

/// A key for a value carried in `ServerContext.values`.
public protocol ServerContextKey {
  /// The type of the value.
  associatedtype Value: Sendable
}

/// Typed values an interceptor hands to the handler of the same call.
public struct ServerContextValues: Sendable {
  private var storage: [ObjectIdentifier: any Sendable] = [:]

  /// Creates an empty set.
  public init() {}

  /// The value for `key`, if one was set.
  public subscript<Key: ServerContextKey>(_ key: Key.Type) -> Key.Value? {
    get { storage[ObjectIdentifier(key)] as? Key.Value }
    set { storage[ObjectIdentifier(key)] = newValue }
  }
}
