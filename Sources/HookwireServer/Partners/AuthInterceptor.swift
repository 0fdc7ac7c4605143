import HookwireAPI
import HookwireDomain
import HookwireStore
import HookwireRPC
import HookwireWire
import Synchronization

/// The caller's scope, set by `AuthInterceptor` for the handler.
package enum CallerScopeKey: ServerContextKey {
  /// The call's scope: its principal and the partner it acts as.
  package typealias Value = CallerScope
}

/// Authenticates every call that needs a key: `authorization: Bearer <key>`
/// and, for a global partner acting as another, `hookwire-act-as: <id>`.
/// No or bad key → UNAUTHENTICATED; acting beyond reach → PERMISSION_DENIED.
/// Only Health needs no key: load balancers probe it. Diagnostics.Echo
/// answers up to the message limit, so without a key it would amplify.
///
/// Authenticated keys are remembered for `cacheTTL` (5 s by default), so a
/// busy caller does not cost a database read per call; a revocation made
/// with `hookwire-server admin revoke-key` takes effect within that time.
package struct AuthInterceptor: ServerInterceptor {
  let store: any PartnerStore
  let openServices: Set<String>
  let cache: AuthCache
  /// How often a long call (a live tail) checks its key again.
  let recheckInterval: Duration

  /// Creates the interceptor over `store`; streams check their key again
  /// every `cacheTTL` (at least every 100 ms), so a revoked key stops them
  /// as soon as it stops new calls.
  package init(
    store: any PartnerStore, openServices: Set<String> = [Health.name], cacheTTL: Duration = .seconds(5)
  ) {
    self.store = store
    self.openServices = openServices
    cache = AuthCache(ttl: cacheTTL)
    recheckInterval = max(cacheTTL, .milliseconds(100))
  }

  package func intercept(context: ServerContext, next: (ServerContext) async throws -> Void) async throws {
    if openServices.contains(context.method.service) { return try await next(context) }
    // A proxy that read the last of two values would see another caller.
    for key in [Metadata.authorizationKey, Metadata.actAsKey] where context.metadata.count(of: key) > 1 {
      throw DomainError(.invalid, "\(key) may be sent once per call")
    }
    guard let header = context.metadata[Metadata.authorizationKey], header.hasPrefix("Bearer "), header.utf8.count > 7 else {
      throw DomainError(.unauthenticated, "this call needs an API key: send `authorization: Bearer <key>`")
    }
    let key = String(header.dropFirst(7))
    let principal: Principal
    if let cached = cache.principal(for: key) {
      principal = cached
    } else {
      guard let found = try await store.authenticate(key: key) else {
        throw DomainError(.unauthenticated, "the API key is unknown or revoked")
      }
      cache.remember(found, for: key)
      principal = found
    }
    var actAs: Int64?
    if let text = context.metadata[Metadata.actAsKey] {
      guard (1...19).contains(text.utf8.count), text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let id = Int64(text), id > 0 else {
        throw DomainError(.invalid, "\(Metadata.actAsKey) takes a partner id, not '\(DomainError.echo(text))'")
      }
      actAs = id
    }
    var scoped = context
    scoped.values[CallerScopeKey.self] = try await AccessControl.scope(for: principal, actingAs: actAs, store: store)
    // Only a stream outlives the key cache; a unary call needs no re-check.
    if context.method.kind == .serverStreaming {
      scoped.values[CredentialKey.self] = Credential(key: key, prefix: principal.keyPrefix, store: store, interval: recheckInterval)
    }
    try await next(scoped)
  }
}

/// Recently authenticated keys and their principals, for a short time.
final class AuthCache: Sendable {
  private let entries = Mutex<[String: (principal: Principal, expires: ContinuousClock.Instant)]>([:])
  private let ttl: Duration

  init(ttl: Duration) { self.ttl = ttl }

  func principal(for key: String) -> Principal? {
    guard ttl > .zero else { return nil }
    let now = ContinuousClock.now
    return entries.withLock { entries in
      guard let entry = entries[key] else { return nil }
      if entry.expires <= now {
        entries[key] = nil
        return nil
      }
      return entry.principal
    }
  }

  func remember(_ principal: Principal, for key: String) {
    guard ttl > .zero else { return }
    let expires = ContinuousClock.now + ttl
    entries.withLock { entries in
      if entries.count >= 10_000 { entries.removeAll(keepingCapacity: true) }
      entries[key] = (principal, expires)
    }
  }
}

extension ServerContext {
  /// The caller's scope; UNAUTHENTICATED if no interceptor set one.
  func callerScope() throws -> CallerScope {
    guard let scope = values[CallerScopeKey.self] else {
      throw DomainError(.unauthenticated, "this call needs an API key")
    }
    return scope
  }
}
