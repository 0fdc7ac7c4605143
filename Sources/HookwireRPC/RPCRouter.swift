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
    /// The method's number in registration order, from 0 (metrics count calls by it).
    package let ordinal: Int
    /// Runs one call.
    public let run: @Sendable (
      _ request: [UInt8], _ context: ServerContext, _ send: @escaping @Sendable ([UInt8]) async throws -> Void
    ) async throws -> Void
  }

  private var handlers: [String: Handler] = [:]
  /// The limits requests are decoded under.
  public var limits: WireLimits
  /// Checks every decoded request before its handler runs, and says which
  /// handlers run off the event loop; applies to methods registered after it is set.
  public var requestGuard: (any RequestGuard)?

  /// Creates a router holding the methods of `services`, their requests
  /// decoded under `limits` and checked by `requestGuard`.
  public init(services: [any RPCService] = [], limits: WireLimits = .default, requestGuard: (any RequestGuard)? = nil) {
    self.limits = limits
    self.requestGuard = requestGuard
    for service in services { service.registerMethods(with: &self) }
  }

  /// The handler for an OPEN frame's method path, if any.
  public func handler(for path: String) -> Handler? { handlers[path] }

  /// Every registered method, sorted by path.
  public var methods: [MethodDescriptor] { handlers.values.map(\.descriptor).sorted { $0.path < $1.path } }

  /// Every registered method, in the order of their ordinals.
  package var methodsByOrdinal: [MethodDescriptor] { handlers.values.sorted { $0.ordinal < $1.ordinal }.map(\.descriptor) }

  /// The ordinal a method registered now takes: its old one when registered again.
  private func ordinal(for descriptor: MethodDescriptor) -> Int { handlers[descriptor.path]?.ordinal ?? handlers.count }

  /// Registers a unary method.
  public mutating func registerUnary<Request: WireMessage, Response: WireMessage>(
    _ descriptor: MethodDescriptor, request: Request.Type, response: Response.Type,
    _ body: @escaping @Sendable (Request, ServerContext) async throws -> Response
  ) {
    let limits = self.limits
    let check = requestGuard?.requestCheck(for: descriptor, of: Request.self)
    let offLoop = requestGuard?.runsOffLoop(descriptor) ?? false
    handlers[descriptor.path] = Handler(descriptor: descriptor, ordinal: ordinal(for: descriptor)) { bytes, context, send in
      if offLoop || bytes.count >= Self.offLoopRequestBytes {
        let response = try await Self.offTheLoop {
          let request = try Request(serializedBytes: bytes, limits: limits)
          try check?(request)
          return try await body(request, context).serializedBytes()
        }
        return try await send(response)
      }
      // The same steps written out: on the loop, every further async
      // function a call passes through costs it an executor check.
      let request = try Request(serializedBytes: bytes, limits: limits)
      try check?(request)
      try await send(body(request, context).serializedBytes())
    }
  }

  /// Registers a server-streaming method.
  public mutating func registerServerStreaming<Request: WireMessage, Response: WireMessage>(
    _ descriptor: MethodDescriptor, request: Request.Type, response: Response.Type,
    _ body: @escaping @Sendable (Request, ResponseWriter<Response>, ServerContext) async throws -> Void
  ) {
    let limits = self.limits
    let check = requestGuard?.requestCheck(for: descriptor, of: Request.self)
    let offLoop = requestGuard?.runsOffLoop(descriptor) ?? false
    handlers[descriptor.path] = Handler(descriptor: descriptor, ordinal: ordinal(for: descriptor)) { bytes, context, send in
      if offLoop || bytes.count >= Self.offLoopRequestBytes {
        return try await Self.offTheLoop {
          let request = try Request(serializedBytes: bytes, limits: limits)
          try check?(request)
          try await body(request, ResponseWriter(sink: send), context)
        }
      }
      let request = try Request(serializedBytes: bytes, limits: limits)
      try check?(request)
      try await body(request, ResponseWriter(sink: send), context)
    }
  }
}
