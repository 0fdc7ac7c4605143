import HookwireDomain
import Synchronization

/// The events this server publishes, announced to the listeners attached to
/// it. Another server's events are not heard here: a multi-server feed
/// would announce to and observe the others behind the same protocol.
package final class LocalEventFeed: PublishedEventFeed {
  private let observers = Mutex<[Int: @Sendable (Event) -> Void]>([:])
  private let next = Atomic<Int>(0)

  /// A feed with no listener.
  package init() {}

  package func announce(_ events: [Event]) {
    let current = observers.withLock { Array($0.values) }
    guard !current.isEmpty else { return }
    for event in events {
      for observer in current { observer(event) }
    }
  }

  package func addObserver(_ observer: @escaping @Sendable (Event) -> Void) -> Int {
    let id = next.add(1, ordering: .relaxed).newValue
    observers.withLock { $0[id] = observer }
    return id
  }

  package func removeObserver(_ id: Int) { _ = observers.withLock { $0.removeValue(forKey: id) } }

  /// How many listeners are attached.
  package var observerCount: Int { observers.withLock { $0.count } }
}
