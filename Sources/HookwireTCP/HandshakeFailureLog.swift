import HookwirePosix
import Synchronization

/// Counts failed TLS handshakes and logs them without flooding: the first
/// failure of each interval is logged with its reason, and the next line
/// says how many more failed in between.
final class HandshakeFailureLog: Sendable {
  private struct State {
    var total = 0
    var lastLogged: ContinuousClock.Instant?
    var unlogged = 0
  }

  private let state = Mutex(State())
  /// At most one line per this much time.
  let interval: Duration

  init(interval: Duration = .seconds(1)) { self.interval = interval }

  /// Failed handshakes so far.
  var count: Int { state.withLock { $0.total } }

  /// Counts a failure from `peer`, logging it (a warning naming the peer
  /// and `reason`, and how many failed unlogged since the last line) when
  /// the interval allows.
  func record(peer: String, reason: String, log: ServerLog) {
    let now = ContinuousClock.now
    let unlogged = state.withLock { state -> Int? in
      state.total += 1
      if let last = state.lastLogged, now - last < interval {
        state.unlogged += 1
        return nil
      }
      state.lastLogged = now
      defer { state.unlogged = 0 }
      return state.unlogged
    }
    guard let unlogged else { return }
    var fields: [LogField] = [.peer(peer), .error(reason)]
    if unlogged > 0 { fields.append(LogField("unlogged_since_last", unlogged)) }
    log.log(.warning, "TLS handshake failed", fields: fields)
  }
}
