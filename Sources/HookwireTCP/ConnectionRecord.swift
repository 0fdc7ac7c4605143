import HookwirePosix
import HookwireRPC
import Synchronization

/// What the server's admission policy knows of one open connection: where
/// it came from, how old it is, and whether a call is running on it.
///
/// It sits first among the connection's interceptors, so it counts every
/// call from the moment its request has arrived until its handler returns;
/// as a bracketing interceptor it does so around the chain, at no async
/// frame of its own.
final class ConnectionRecord: BracketingInterceptor, Sendable {
  /// The peer's group (its IPv4 address or IPv6 /64), nil when unknown.
  let peer: PeerAddress?
  /// Increases with every connection admitted: lower is older.
  let serial: UInt64
  /// The event loop that owns the connection.
  let loopIndex: Int
  private let running = Atomic<Int>(0)

  init(peer: PeerAddress?, serial: UInt64, loopIndex: Int) {
    self.peer = peer
    self.serial = serial
    self.loopIndex = loopIndex
  }

  /// Whether a call is running on the connection now.
  var hasCallInFlight: Bool { running.load(ordering: .relaxed) > 0 }

  /// A call on the connection began.
  func callBegan() { running.add(1, ordering: .relaxed) }

  /// A call on the connection ended.
  func callEnded() { running.subtract(1, ordering: .relaxed) }
}
