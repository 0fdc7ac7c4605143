import HookwirePostgres
import HookwireTestSupport
import Synchronization
import Testing

/// Runs `body` with a pool on a fresh database of the shared test server;
/// the pool is closed when `body` ends, whether it returned or threw.
func withDatabase<T>(
  writers: Int = 2, readers: Int = 2, _ body: (PostgresDatabase, PostgresURL) async throws -> T
) async throws -> T {
  let url = try PostgresURL(parsing: try await PostgresTestServer.shared().makeDatabase())
  return try await withTeardown { teardown in
    let database = PostgresDatabase(url: url, writers: writers, readers: readers)
    teardown.add { await database.close() }
    return try await body(database, url)
  }
}

/// Runs `body` with two pools, as two servers have, on one fresh database
/// of the shared test server, migrated to `PostgresSchema.migrations`; both
/// pools are closed when `body` ends, whether it returned or threw.
func withTwoPools<T>(_ body: (PostgresDatabase, PostgresDatabase, PostgresURL) async throws -> T) async throws -> T {
  let url = try PostgresURL(parsing: try await PostgresTestServer.shared().makeDatabase())
  return try await withTeardown { teardown in
    let first = PostgresDatabase(url: url, writers: 2, readers: 2)
    teardown.add { await first.close() }
    let second = PostgresDatabase(url: url, writers: 2, readers: 2)
    teardown.add { await second.close() }
    _ = try await first.migrate(PostgresSchema.migrations)
    return try await body(first, second, url)
  }
}

/// Events a callback on another thread records, and a way to await the
/// first that matches, without holding a thread.
final class EventLog<Event: Sendable>: Sendable {
  private struct Waiter {
    let predicate: @Sendable (Event) -> Bool
    let continuation: CheckedContinuation<Event?, Never>
  }

  private let state = Mutex<(events: [Event], waiters: [Int: Waiter], nextID: Int)>(([], [:], 0))

  /// Everything recorded so far.
  var events: [Event] { state.withLock { $0.events } }

  /// Records `event`, waking those waiting for one like it.
  @Sendable func append(_ event: Event) {
    let woken = state.withLock { state -> [Waiter] in
      state.events.append(event)
      let matching = state.waiters.filter { $0.value.predicate(event) }
      for id in matching.keys { state.waiters[id] = nil }
      return Array(matching.values)
    }
    for waiter in woken { waiter.continuation.resume(returning: event) }
  }

  /// The first event from position `start` on that matches, waiting at most `duration` for it.
  func first(from start: Int = 0, within duration: Duration, where predicate: @escaping @Sendable (Event) -> Bool) async -> Event? {
    let id = state.withLock { state in
      defer { state.nextID += 1 }
      return state.nextID
    }
    let timeout = Task {
      try? await Task.sleep(for: duration)
      let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
      waiter?.continuation.resume(returning: nil)
    }
    defer { timeout.cancel() }
    return await withCheckedContinuation { continuation in
      let found = state.withLock { state -> Event?? in
        if let event = state.events.dropFirst(start).first(where: predicate) { return .some(event) }
        state.waiters[id] = Waiter(predicate: predicate, continuation: continuation)
        return nil
      }
      if let found { continuation.resume(returning: found) }
    }
  }
}
