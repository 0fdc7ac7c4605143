import HookwireDomain
import Synchronization

/// Webhooks by id, as a store's reads by id serve them: written through by
/// the store's own writes and filled by its reads, in whatever order they
/// complete, without a version ever going backwards.
///
/// A store whose database other processes write too drops what they
/// changed (`forget`, `forgetAll`) and turns the cache off while it cannot
/// hear of their changes (`setEnabled(false)`). Every such invalidation
/// bumps a generation; a read or write takes the generation before it goes
/// to the database and caches its result only if it is unchanged, so one
/// that raced an invalidation never brings back what was dropped.
///
///     let webhook = try await cache.webhook(id: id) { try await database.read { … } }
///     let generation = cache.generation  // before a write, then after it:
///     cache.remember(id, written, since: generation)
package final class WebhookCache: Sendable {
  /// Webhooks, and ids deleted (nil: ids are never reused, so a deletion
  /// cannot go stale); the invalidations so far; whether to cache at all.
  private struct State {
    var entries: [String: Webhook?] = [:]
    var generation: UInt64 = 0
    var isEnabled = true
  }

  private let state = Mutex(State())
  private let limit: Int

  /// An empty cache, enabled, that starts again empty when it holds `limit` entries.
  package init(limit: Int = 100_000) {
    self.limit = limit
  }

  /// The generation a database read or write that begins now starts at.
  package var generation: UInt64 { state.withLock { $0.generation } }

  /// What is cached for `id` (`.some(nil)`: deleted; nil: nothing, or the
  /// cache is off) and the generation a read that begins now starts at.
  package func lookup(_ id: String) -> (entry: Webhook??, generation: UInt64) {
    state.withLock { state in (state.isEnabled ? state.entries[id] : nil, state.generation) }
  }

  /// The webhook `id` from the cache, or else from `load` (nil: it does
  /// not exist or was deleted), which is cached if found and nothing was
  /// invalidated meanwhile.
  package func webhook(id: String, load: () async throws -> Webhook?) async rethrows -> Webhook? {
    let (cached, generation) = lookup(id)
    if let cached { return cached }  // a nil entry: deleted
    let loaded = try await load()
    if let loaded { remember(id, loaded, since: generation) }
    return loaded
  }

  /// Caches `webhook` as `id` (nil: deleted) unless the cache is off,
  /// something was invalidated since `generation`, or it holds a deletion
  /// or a version at least as new.
  package func remember(_ id: String, _ webhook: Webhook?, since generation: UInt64) {
    state.withLock { state in
      guard state.isEnabled, state.generation == generation else { return }
      if state.entries.count >= limit { state.entries.removeAll(keepingCapacity: true) }
      switch (state.entries[id], webhook) {
      case (.some(.none), _): return
      case (.some(.some(let cached)), .some(let webhook)) where cached.version >= webhook.version: return
      default: state.entries[id] = .some(webhook)
      }
    }
  }

  /// Drops `id`: the next read of it goes to the database.
  package func forget(_ id: String) {
    state.withLock { state in
      state.entries[id] = nil
      state.generation &+= 1
    }
  }

  /// Drops everything.
  package func forgetAll() {
    state.withLock { state in
      state.entries.removeAll()
      state.generation &+= 1
    }
  }

  /// Turns caching on or off; either way the cache starts empty, and what
  /// reads that began before bring back is not cached.
  package func setEnabled(_ on: Bool) {
    state.withLock { state in
      state.isEnabled = on
      state.entries.removeAll()
      state.generation &+= 1
    }
  }
}
