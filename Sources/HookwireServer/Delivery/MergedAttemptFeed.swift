import HookwireDomain
import Synchronization

/// Several attempt feeds as one: this server's engine and the attempts
/// other servers on the same database log, so a live tail sees every
/// attempt whichever server made it.
final class MergedAttemptFeed: DeliveryAttemptFeed {
  let feeds: [any DeliveryAttemptFeed]

  init(feeds: [any DeliveryAttemptFeed]) { self.feeds = feeds }
  private let tokens = Mutex<[Int: [Int]]>([:])
  private let next = Atomic<Int>(0)

  /// The feeds given that exist, merged; nil when none does, and the one
  /// alone when there is one.
  static func of(_ feeds: [(any DeliveryAttemptFeed)?]) -> (any DeliveryAttemptFeed)? {
    let present = feeds.compactMap { $0 }
    switch present.count {
    case 0: return nil
    case 1: return present[0]
    default: return MergedAttemptFeed(feeds: present)
    }
  }

  func addObserver(_ observer: @escaping @Sendable (DeliveryAttempt, Int64) -> Void) -> Int {
    let id = next.add(1, ordering: .relaxed).newValue
    let inner = feeds.map { $0.addObserver(observer) }
    tokens.withLock { $0[id] = inner }
    return id
  }

  func removeObserver(_ id: Int) {
    guard let inner = tokens.withLock({ $0.removeValue(forKey: id) }) else { return }
    for (feed, token) in zip(feeds, inner) { feed.removeObserver(token) }
  }
}
