import HookwireDomain
import HookwireRPC
import Synchronization

/// The key a call was authenticated with, checked again while a long call
/// runs: a live tail must end once its key is revoked, not when its
/// connection happens to close.
package final class Credential: Sendable {
  private let key: String
  private let prefix: String
  private let store: any PartnerStore
  private let interval: Duration
  private let revoked = Atomic<Bool>(false)

  init(key: String, prefix: String, store: any PartnerStore, interval: Duration) {
    self.key = key
    self.prefix = prefix
    self.store = store
    self.interval = interval
  }

  /// Whether a check has found the key revoked.
  package var isRevoked: Bool { revoked.load(ordering: .acquiring) }

  /// Checks the key against the store every `interval` (bypassing the key
  /// cache) and returns once it is revoked, or when the task is cancelled.
  /// A storage error counts as still valid: the next check decides.
  package func untilRevoked() async {
    while true {
      do { try await Task.sleep(for: interval) } catch { return }
      let principal: Principal?
      do { principal = try await store.authenticate(key: key) } catch { continue }
      if let principal, principal.keyPrefix == prefix { continue }
      revoked.store(true, ordering: .releasing)
      return
    }
  }
}

/// The call's credential, set by `AuthInterceptor`.
package enum CredentialKey: ServerContextKey {
  /// The key the call was authenticated with.
  package typealias Value = Credential
}
