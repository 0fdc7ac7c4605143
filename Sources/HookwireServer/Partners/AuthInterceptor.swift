import HookwireAPI
import HookwireDomain
import HookwireStore
import HookwireRPC
import HookwireTCP
import HookwireTLS
import HookwireWire
import Synchronization

/// The caller's scope, set by `AuthInterceptor` for the handler.
package enum CallerScopeKey: ServerContextKey {
  /// The call's scope: its principal and the partner it acts as.
  package typealias Value = CallerScope
}

/// Authenticates every call that needs a caller: `authorization: Bearer <key>`
/// and, for a global partner acting as another, `hookwire-act-as: <id>`.
/// Only Health needs no caller: load balancers probe it. Diagnostics.Echo
/// answers up to the message limit, so without a caller it would amplify.
///
/// A call that sends `authorization` is decided by its key alone, exactly
/// as on a plaintext connection: a client certificate then only secures
/// the transport. A call without one, on a TLS connection whose client
/// certificate the server's client CA verified, is made by the service of
/// the service identity the certificate matches (`PartnerStore.authenticate(certificate:)`),
/// with that service's rights; a certificate that matches none is
/// UNAUTHENTICATED, naming its subject. No key and no certificate →
/// UNAUTHENTICATED; acting beyond reach → PERMISSION_DENIED.
///
/// Authenticated keys and certificates are remembered for `cacheTTL` (5 s
/// by default), so a busy caller does not cost a database read per call; a
/// revocation made with `hookwire-server admin revoke-key` or
/// `revoke-service-identity` takes effect within that time.
///
/// With servers sharing a database, `changes` tells each one of the
/// others' revocations as they commit: the revoked key's entries (or every
/// certificate's, for an identity) are forgotten at once, and while the
/// feed is not live nothing is served from the cache. Streams then check
/// their credential at least every second.
package struct AuthInterceptor: ServerInterceptor {
  let store: any PartnerStore
  let openServices: Set<String>
  let cache: AuthCache
  /// How often a long call (a live tail) checks its credential again.
  let recheckInterval: Duration

  /// Creates the interceptor over `store`; streams check their credential
  /// again every `cacheTTL` (at least every 100 ms), so a revoked key or
  /// identity stops them as soon as it stops new calls.
  package init(
    store: any PartnerStore, openServices: Set<String> = [Health.name], cacheTTL: Duration = .seconds(5),
    changes: (any StoreChangeFeed)? = nil
  ) {
    self.store = store
    self.openServices = openServices
    let cache = AuthCache(ttl: cacheTTL, changes: changes)
    self.cache = cache
    recheckInterval = changes == nil ? max(cacheTTL, .milliseconds(100)) : min(max(cacheTTL, .milliseconds(100)), .seconds(1))
    _ = changes?.addObserver { change in cache.forget(change) }
  }

  package func intercept(context: ServerContext, next: (ServerContext) async throws -> Void) async throws {
    if openServices.contains(context.method.service) { return try await next(context) }
    // A proxy that read the last of two values would see another caller.
    for key in [Metadata.authorizationKey, Metadata.actAsKey] where context.metadata.count(of: key) > 1 {
      throw DomainError(.invalid, "\(key) may be sent once per call")
    }
    let (principal, proof) = try await authenticate(context)
    var actAs: Int64?
    if let text = context.metadata[Metadata.actAsKey] {
      guard (1...19).contains(text.utf8.count), text.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let id = Int64(text), id > 0 else {
        throw DomainError(.invalid, "\(Metadata.actAsKey) takes a partner id, not '\(DomainError.echo(text))'")
      }
      actAs = id
    }
    var scoped = context
    scoped.values[CallerScopeKey.self] = try await AccessControl.scope(for: principal, actingAs: actAs, store: store)
    // Only a stream outlives the cache; a unary call needs no re-check.
    if context.method.kind == .serverStreaming {
      scoped.values[CredentialKey.self] = Credential(proof, authentication: principal.authentication, store: store, interval: recheckInterval)
    }
    try await next(scoped)
  }

  /// The call's principal and what proved it: the key when one is sent, else a verified client certificate.
  private func authenticate(_ context: ServerContext) async throws -> (Principal, Credential.Proof) {
    if context.metadata.count(of: Metadata.authorizationKey) == 0,
      let peer = context.values[ConnectionSecurityKey.self]?.peerCertificate
    {
      let certificate = PresentedCertificate(subject: peer.subject, uris: peer.uris)
      let proof = Credential.Proof.certificate(certificate)
      if let cached = cache.principal(for: proof) { return (cached, proof) }
      guard let found = try await store.authenticate(certificate: certificate) else {
        throw DomainError(
          .unauthenticated,
          "the client certificate (\(certificate.shownName)) is not registered as a service identity: register it with "
            + "`hookwire-server admin create-service-identity`, or send `authorization: Bearer <key>`")
      }
      cache.remember(found, for: proof)
      return (found, proof)
    }
    guard let header = context.metadata[Metadata.authorizationKey], header.hasPrefix("Bearer "), header.utf8.count > 7 else {
      throw DomainError(.unauthenticated, "this call needs an API key: send `authorization: Bearer <key>`")
    }
    let proof = Credential.Proof.key(String(header.dropFirst(7)))
    if let cached = cache.principal(for: proof) { return (cached, proof) }
    guard case .key(let key) = proof, let found = try await store.authenticate(key: key) else {
      throw DomainError(.unauthenticated, "the API key is unknown or revoked")
    }
    cache.remember(found, for: proof)
    return (found, proof)
  }
}

/// Recently authenticated keys and certificates and their principals, for a short time.
final class AuthCache: Sendable {
  private let entries = Mutex<[Credential.Proof: (principal: Principal, expires: ContinuousClock.Instant)]>([:])
  private let ttl: Duration
  /// Other servers' writes; nil when this server is the database's only writer.
  private let changes: (any StoreChangeFeed)?

  init(ttl: Duration, changes: (any StoreChangeFeed)? = nil) {
    self.ttl = ttl
    self.changes = changes
  }

  /// Forgets what `change` makes stale: a revoked key's entries, every
  /// certificate's after an identity is revoked, everything when changes
  /// may have been missed.
  func forget(_ change: StoreChange) {
    entries.withLock { entries in
      switch change {
      case .apiKeyRevoked(let prefix): entries = entries.filter { $0.value.principal.keyPrefix != prefix }
      case .serviceIdentityRevoked: entries = entries.filter { if case .key = $0.key { true } else { false } }
      case .unknown: entries.removeAll()
      case .webhookChanged: break
      }
    }
  }

  func principal(for proof: Credential.Proof) -> Principal? {
    guard ttl > .zero, changes?.isLive ?? true else { return nil }
    let now = ContinuousClock.now
    return entries.withLock { entries in
      guard let entry = entries[proof] else { return nil }
      if entry.expires <= now {
        entries[proof] = nil
        return nil
      }
      return entry.principal
    }
  }

  func remember(_ principal: Principal, for proof: Credential.Proof) {
    guard ttl > .zero else { return }
    let expires = ContinuousClock.now + ttl
    entries.withLock { entries in
      if entries.count >= 10_000 { entries.removeAll(keepingCapacity: true) }
      entries[proof] = (principal, expires)
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
