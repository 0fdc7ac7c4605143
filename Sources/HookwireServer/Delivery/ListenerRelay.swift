import HookwireDomain
import HookwireRPC
import Synchronization

/// What a feed's observer hands to one listener's call: at most `backlog`
/// elements waiting, unsent. The one that would exceed it is dropped and the
/// relay ends, so a listener that does not keep up costs bounded memory and
/// learns that it fell behind instead of silently missing events.
final class ListenerRelay<Element: Sendable>: Sendable {
  /// The elements, in the order offered; ends when the relay does.
  let stream: AsyncStream<Element>
  /// How many elements may wait.
  let backlog: Int
  private let continuation: AsyncStream<Element>.Continuation
  private let overflowed = Atomic<Bool>(false)

  /// A relay holding at most `backlog` (at least 1) unsent elements.
  init(backlog: Int) {
    self.backlog = max(1, backlog)
    (stream, continuation) = AsyncStream<Element>.makeStream(bufferingPolicy: .bufferingOldest(self.backlog))
  }

  /// Hands `element` on, or ends the relay when `backlog` elements are
  /// already waiting. Never blocks: observers call it on the publisher's task.
  func offer(_ element: Element) {
    if case .dropped = continuation.yield(element) {
      overflowed.store(true, ordering: .releasing)
      continuation.finish()
    }
  }

  /// Whether an element was dropped because too many were waiting.
  var fellBehind: Bool { overflowed.load(ordering: .acquiring) }

  /// Ends the stream (after what is waiting).
  func finish() { continuation.finish() }

  /// Runs `body` (which reads `stream`) while watching the call: the relay
  /// ends when the call is cancelled or when the credential it was
  /// authenticated with is revoked. Throws UNAUTHENTICATED when the
  /// credential was revoked, RESOURCE_EXHAUSTED when the listener fell behind.
  func run(in context: ServerContext, _ body: () async throws -> Void) async throws {
    let cancelled = Task { [self] in
      await context.cancellation.cancelled()
      finish()
    }
    defer { cancelled.cancel() }
    let credential = context.values[CredentialKey.self]
    let revocation = Task { [self] in
      guard let credential else { return }
      await credential.untilRevoked()
      if credential.isRevoked { finish() }
    }
    defer { revocation.cancel() }
    try await body()
    if credential?.isRevoked == true { throw DomainError(.unauthenticated, "the API key was revoked") }
    if fellBehind { throw EventListening.fellBehind(backlog: backlog) }
  }
}
