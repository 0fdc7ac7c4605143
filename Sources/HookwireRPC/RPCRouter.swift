import HookwireWire

/// A service that can put its methods into a router; generated service
/// protocols refine it and implement the registration.
public protocol RPCService: Sendable {
  /// Registers every method of the service with `router`.
  func registerMethods(with router: inout RPCRouter)
}

/// The table from method path to handler that a server dispatches with.
public struct RPCRouter: Sendable {
  /// A type-erased handler: decodes the request, runs the method, encodes
  /// each response and hands it to `send`.
  public struct Handler: Sendable {
    /// The method the handler serves.
    public let descriptor: MethodDescriptor
    /// Runs one call.
    public let run: @Sendable (
      _ request: [UInt8], _ context: ServerContext, _ send: @escaping @Sendable ([UInt8]) async throws -> Void
    ) async throws -> Void
  }

  private var handlers: [String: Handler] = [:]
  /// The limits requests are decoded under.
  public var limits: WireLimits

  /// Creates a router holding the methods of `services`.
  public init(services: [any RPCService] = [], limits: WireLimits = .default) {
    self.limits = limits
    for service in services { service.registerMethods(with: &self) }
  }

  /// The handler for an OPEN frame's method path, if any.
  public func handler(for path: String) -> Handler? { handlers[path] }

  /// Every registered method, sorted by path.
  public var methods: [MethodDescriptor] { handlers.values.map(\.descriptor).sorted { $0.path < $1.path } }

  /// Registers a unary method.
  public mutating func registerUnary<Request: WireMessage, Response: WireMessage>(
    _ descriptor: MethodDescriptor, request: Request.Type, response: Response.Type,
    _ body: @escaping @Sendable (Request, ServerContext) async throws -> Response
  ) {
    let limits = self.limits
    handlers[descriptor.path] = Handler(descriptor: descriptor) { bytes, context, send in
      let request = try Request(serializedBytes: bytes, limits: limits)
      let response = try await body(request, context)
      try await send(response.serializedBytes())
    }
  }

  /// Registers a server-streaming method.
  public mutating func registerServerStreaming<Request: WireMessage, Response: WireMessage>(
    _ descriptor: MethodDescriptor, request: Request.Type, response: Response.Type,
    _ body: @escaping @Sendable (Request, ResponseWriter<Response>, ServerContext) async throws -> Void
  ) {
    let limits = self.limits
    handlers[descriptor.path] = Handler(descriptor: descriptor) { bytes, context, send in
      let request = try Request(serializedBytes: bytes, limits: limits)
      try await body(request, ResponseWriter(sink: send), context)
    }
  }
}
