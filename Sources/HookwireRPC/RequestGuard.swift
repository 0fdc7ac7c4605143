import HookwireWire

/// What a router applies to every request of a method between decoding it
/// and running its handler: the bounds of its fields, and where the handler
/// runs.
///
/// A server states its bounds once, in one guard, rather than in each
/// handler, so no handler (and no interceptor) ever works on a field that
/// is over its bound.
public protocol RequestGuard: Sendable {
  /// Throws `INVALID_ARGUMENT` when a field of `request` (a request of
  /// `method`) is over its bound. It must only measure the fields, never
  /// look into their contents.
  func check(_ request: any WireMessage, for method: MethodDescriptor) throws(RPCError)

  /// Whether `method`'s handler does work that grows with its input or with
  /// stored data (parsing, normalizing, searching), and so runs on Swift's
  /// global executor instead of the connection's event loop, where it would
  /// hold up every other connection of the loop.
  func runsOffLoop(_ method: MethodDescriptor) -> Bool

  /// The check `check(_:for:)` makes on every request of `method`, found
  /// once when the router registers the method so that a call pays no
  /// lookup by path and no cast from `any WireMessage`; nil when no request
  /// of the method can break a bound.
  func requestCheck<Request: WireMessage>(for method: MethodDescriptor, of request: Request.Type) -> RequestCheck<Request>?
}

/// One method's request check, as a guard resolves it for the router:
/// throws `INVALID_ARGUMENT` when a field of the request is over its bound.
public typealias RequestCheck<Request: WireMessage> = @Sendable (Request) throws(RPCError) -> Void

extension RequestGuard {
  /// Checks each request through `check(_:for:)`, as a guard with nothing
  /// to resolve in advance does.
  public func requestCheck<Request: WireMessage>(for method: MethodDescriptor, of request: Request.Type) -> RequestCheck<Request>? {
    { request throws(RPCError) in try check(request, for: method) }
  }
}

extension RPCRouter {
  /// Requests at least this large are decoded and handled off the
  /// connection's event loop, whatever their method: decoding alone
  /// validates every string's UTF-8.
  public static let offLoopRequestBytes = 64 << 10

  /// Runs `work` on Swift's global executor rather than where the caller
  /// runs (the connection's event loop, for a server's handlers).
  static func offTheLoop<R: Sendable>(_ work: () async throws -> R) async throws -> R {
    try await withTaskExecutorPreference(globalConcurrentExecutor, operation: work)
  }
}
