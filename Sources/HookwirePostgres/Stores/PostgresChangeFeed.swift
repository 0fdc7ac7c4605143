import HookwireDomain
import Synchronization

/// The other servers' writes as this server's listener hears them
/// (`PostgresStores`), for caches: live while `LISTEN` is in force, and
/// `.unknown` whenever notifications may have been missed.
package final class PostgresChangeFeed: StoreChangeFeed {
  private struct State {
    var live = false
    var observers: [Int: @Sendable (StoreChange) -> Void] = [:]
    var next = 0
  }

  private let state = Mutex(State())

  init() {}

  /// Whether the listener is listening now.
  package var isLive: Bool { state.withLock { $0.live } }

  /// Calls `observer` with every change; returns a token for `removeObserver`.
  package func addObserver(_ observer: @escaping @Sendable (StoreChange) -> Void) -> Int {
    state.withLock { state in
      state.next += 1
      state.observers[state.next] = observer
      return state.next
    }
  }

  /// Stops calling an observer.
  package func removeObserver(_ id: Int) { _ = state.withLock { $0.observers.removeValue(forKey: id) } }

  func setLive(_ live: Bool) { state.withLock { $0.live = live } }

  func publish(_ change: StoreChange) {
    for observer in state.withLock({ Array($0.observers.values) }) { observer(change) }
  }
}

/// Attempts logged by the other servers on the database, for this
/// server's live tails: each notification names an attempt, which is read
/// from the database only while some tail is attached.
package final class PostgresAttemptFeed: DeliveryAttemptFeed {
  private let node: String
  private let events: PostgresEventStore
  private let observers = Mutex<[Int: @Sendable (DeliveryAttempt, Int64) -> Void]>([:])
  private let nextObserver = Atomic<Int>(0)

  init(node: String, events: PostgresEventStore) {
    self.node = node
    self.events = events
  }

  /// Calls `observer` with every attempt another server logs (and its
  /// business unit); returns a token for `removeObserver`.
  package func addObserver(_ observer: @escaping @Sendable (DeliveryAttempt, Int64) -> Void) -> Int {
    let id = nextObserver.add(1, ordering: .relaxed).newValue
    observers.withLock { $0[id] = observer }
    return id
  }

  /// Stops calling an observer.
  package func removeObserver(_ id: Int) { _ = observers.withLock { $0.removeValue(forKey: id) } }

  /// A notification said `node` logged attempt `number` of `deliveryID`.
  func logged(by node: String, deliveryID: String, number: Int) {
    guard node != self.node, !observers.withLock({ $0.isEmpty }) else { return }
    Task {
      guard let found = try? await events.loggedAttempt(deliveryID: deliveryID, number: number) else { return }
      for observer in self.observers.withLock({ Array($0.values) }) { observer(found.attempt, found.buID) }
    }
  }
}

/// Whether a first thing has happened yet, for a bounded wait on it.
final class FirstEvent: Sendable {
  private let state = Mutex<(happened: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

  func happened() {
    let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
      guard !state.happened else { return [] }
      state.happened = true
      defer { state.waiters = [] }
      return state.waiters
    }
    for waiter in waiters { waiter.resume() }
  }

  /// Returns once `happened()` has been called, or after `timeout`.
  func wait(timeout: Duration) async {
    await withTaskGroup(of: Void.self) { group in
      group.addTask {
        await withCheckedContinuation { continuation in
          let resumeNow = self.state.withLock { state -> Bool in
            if state.happened { return true }
            state.waiters.append(continuation)
            return false
          }
          if resumeNow { continuation.resume() }
        }
      }
      group.addTask { try? await Task.sleep(for: timeout) }
      await group.next()
      group.cancelAll()
      self.happened()
    }
  }
}
