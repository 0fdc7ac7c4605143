import HookwireDomain
import HookwireRPC
import Synchronization

/// The key or client certificate a call was authenticated with, checked
/// again while a long call runs: a live tail must end once its key or its
/// service identity is revoked, not when its connection happens to close.
package final class Credential: Sendable {
  /// What a caller presented.
  enum Proof: Hashable, Sendable {
    /// An API key's plaintext (never logged).
    case key(String)
    /// A verified client certificate's identity claims.
    case certificate(PresentedCertificate)
  }

  private let proof: Proof
  private let authentication: Authentication
  private let store: any PartnerStore
  private let interval: Duration
  private let revoked = Atomic<Bool>(false)

  init(_ proof: Proof, authentication: Authentication, store: any PartnerStore, interval: Duration) {
    self.proof = proof
    self.authentication = authentication
    self.store = store
    self.interval = interval
  }

  /// Whether a check has found the key or identity revoked.
  package var isRevoked: Bool { revoked.load(ordering: .acquiring) }

  /// Checks the credential against the store every `interval` (bypassing
  /// the cache) and returns once it is revoked, or when the task is
  /// cancelled. It stays valid while it still authenticates the same way:
  /// the same key, or the same service identity (a certificate that now
  /// matches only another identity counts as revoked). A storage error
  /// counts as still valid: the next check decides.
  package func untilRevoked() async {
    while true {
      do { try await Task.sleep(for: interval) } catch { return }
      let principal: Principal?
      do {
        switch proof {
        case .key(let key): principal = try await store.authenticate(key: key)
        case .certificate(let certificate): principal = try await store.authenticate(certificate: certificate)
        }
      } catch { continue }
      if let principal, Self.sameCredential(principal.authentication, authentication) { continue }
      revoked.store(true, ordering: .releasing)
      return
    }
  }

  private static func sameCredential(_ now: Authentication, _ then: Authentication) -> Bool {
    switch (now, then) {
    case (.apiKey(let a), .apiKey(let b)): a == b
    case (.clientCertificate(let a, _), .clientCertificate(let b, _)): a == b
    default: false
    }
  }
}

/// The call's credential, set by `AuthInterceptor`.
package enum CredentialKey: ServerContextKey {
  /// The key or certificate the call was authenticated with.
  package typealias Value = Credential
}
