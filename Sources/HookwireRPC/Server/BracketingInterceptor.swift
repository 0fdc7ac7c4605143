/// An interceptor whose only work is to note when a call begins and when
/// its handler has returned, such as a count of calls in flight: it never
/// changes the context and never refuses a call.
///
/// Run as an interceptor, it calls `callBegan()`, the rest of the chain and
/// `callEnded()`. A connection runs those at the head of its list around
/// the chain instead, the same moments without an async frame and an
/// executor check of their own on every call.
public protocol BracketingInterceptor: ServerInterceptor {
  /// A call's request has arrived and its interceptors and handler are about to run.
  func callBegan()
  /// The call's handler has returned or thrown (or an interceptor after this one refused it).
  func callEnded()
}

extension BracketingInterceptor {
  /// Brackets `next` between `callBegan()` and `callEnded()`.
  public func intercept(context: ServerContext, next: (ServerContext) async throws -> Void) async throws {
    callBegan()
    defer { callEnded() }
    try await next(context)
  }
}

extension Array where Element == any ServerInterceptor {
  /// The bracketing interceptors at the head of the list, which a
  /// connection runs around the chain, and the rest, run as the chain.
  var splitLeadingBrackets: (brackets: [any BracketingInterceptor], chain: [any ServerInterceptor]) {
    var brackets: [any BracketingInterceptor] = []
    for interceptor in self {
      guard let bracket = interceptor as? any BracketingInterceptor else { break }
      brackets.append(bracket)
    }
    return (brackets, Array(dropFirst(brackets.count)))
  }
}
