import Foundation

/// The wall clock the use cases read ("now", in milliseconds since 1970,
/// UTC), so tests can set the time and the composition root can choose
/// the source.
package struct DomainClock: Sendable {
  /// Milliseconds since 1970 (UTC), now.
  package let nowMs: @Sendable () -> Int64

  /// A clock reading `nowMs`.
  package init(nowMs: @escaping @Sendable () -> Int64) { self.nowMs = nowMs }

  /// The system's real-time clock.
  package static let system = DomainClock { Int64((Date().timeIntervalSince1970 * 1_000).rounded(.down)) }

  /// A clock that always reads `ms` (for tests).
  package static func fixed(_ ms: Int64) -> DomainClock { DomainClock { ms } }
}
