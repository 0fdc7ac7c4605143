import Foundation

/// The wall clock the use cases read ("now", in milliseconds since 1970,
/// UTC), so tests can set the time and the composition root can choose
/// the source.
public struct DomainClock: Sendable {
  /// Milliseconds since 1970 (UTC), now.
  public let nowMs: @Sendable () -> Int64

  /// A clock reading `nowMs`.
  public init(nowMs: @escaping @Sendable () -> Int64) { self.nowMs = nowMs }

  /// The system's real-time clock.
  public static let system = DomainClock { Int64((Date().timeIntervalSince1970 * 1_000).rounded(.down)) }

  /// A clock that always reads `ms` (for tests).
  public static func fixed(_ ms: Int64) -> DomainClock { DomainClock { ms } }
}
