/// Cross-cutting work around every call a server runs: authentication,
/// logging, metrics. Interceptors run in the order given, each before the
/// next one and the handler; one that throws ends the call with that error.
public protocol ServerInterceptor: Sendable {
  /// Does this interceptor's work and calls `next` to continue the call,
  /// optionally with a changed context.
  func intercept(
    context: ServerContext, next: (ServerContext) async throws -> Void
  ) async throws
}

extension Array where Element == any ServerInterceptor {
  /// Runs `body` inside every interceptor, first to last.
  func run(_ context: ServerContext, _ body: @escaping (ServerContext) async throws -> Void) async throws {
    try await run(from: startIndex, context, body)
  }

  private func run(
    from index: Int, _ context: ServerContext, _ body: @escaping (ServerContext) async throws -> Void
  ) async throws {
    guard index < endIndex else { return try await body(context) }
    try await self[index].intercept(context: context) { next in try await run(from: index + 1, next, body) }
  }
}
