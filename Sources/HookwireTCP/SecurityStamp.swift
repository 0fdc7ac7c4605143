import HookwireRPC

/// Puts what a TLS connection's handshake established into every call's
/// context (`ConnectionSecurityKey`), for the authentication that reads a
/// client certificate. One per TLS connection; plaintext ones have none.
struct SecurityStamp: ServerInterceptor {
  let security: ConnectionSecurity

  init(_ security: ConnectionSecurity) { self.security = security }

  func intercept(context: ServerContext, next: (ServerContext) async throws -> Void) async throws {
    var stamped = context
    stamped.values[ConnectionSecurityKey.self] = security
    try await next(stamped)
  }
}
