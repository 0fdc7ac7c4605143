import HookwirePosix
import Synchronization

/// The server's admission policy, shared by every event loop.
///
/// - **Per peer**: at most `maxPerPeer` connections from one IPv4 address or
///   one IPv6 /64 (`PeerAddress.group`); one more is refused.
/// - **At the global cap**: a new connection is admitted by draining an idle
///   one (no call in flight): the oldest idle connection of the peer holding
///   the most connections, so under a flood of idle connections the flooder
///   pays and a health check or a new client still gets in. Only when every
///   open connection has a call in flight (real load, not a flood) is the
///   newcomer refused. Drains under way are bounded, so the cap is exceeded
///   by at most that many connections while they close.
final class ConnectionRegistry: Sendable {
  /// What admission decided.
  enum Admission {
    /// Serve the connection; drain `evict` first when given.
    case admitted(ConnectionRecord, evict: ConnectionRecord?)
    /// Its peer already has its limit open.
    case refusedPerPeer
    /// The cap is reached and nothing can be drained for it.
    case refusedAtCapacity
  }

  private struct State {
    var byPeer: [PeerAddress?: [ConnectionRecord]] = [:]
    var open = 0
    var draining: Set<UInt64> = []
    var nextSerial: UInt64 = 0
    var stats = ConnectionStats()
  }

  let maxConnections: Int
  let maxPerPeer: Int
  /// Evictions allowed to be under way at once.
  let maxDraining: Int
  private let state = Mutex(State())

  init(maxConnections: Int, maxPerPeer: Int) {
    self.maxConnections = max(1, maxConnections)
    self.maxPerPeer = max(1, maxPerPeer)
    maxDraining = max(1, min(64, maxConnections / 16))
  }

  /// Decides on a connection from `address`, accepted on loop `loopIndex`.
  func admit(_ address: PeerAddress?, loopIndex: Int) -> Admission {
    let peer = address?.group
    return state.withLock { state -> Admission in
      guard state.byPeer[peer, default: []].count < maxPerPeer else {
        state.stats.refusedPerPeer += 1
        return .refusedPerPeer
      }
      var victim: ConnectionRecord?
      if state.open - state.draining.count >= maxConnections {
        guard state.draining.count < maxDraining, let idle = Self.victim(in: state) else {
          state.stats.refusedAtCapacity += 1
          return .refusedAtCapacity
        }
        state.draining.insert(idle.serial)
        state.stats.evicted += 1
        victim = idle
      }
      state.nextSerial += 1
      let record = ConnectionRecord(peer: peer, serial: state.nextSerial, loopIndex: loopIndex)
      state.byPeer[peer, default: []].append(record)
      state.open += 1
      state.stats.admitted += 1
      return .admitted(record, evict: victim)
    }
  }

  /// The oldest idle connection of the peer with the most connections; ties
  /// go to the older connection.
  private static func victim(in state: State) -> ConnectionRecord? {
    var best: (count: Int, record: ConnectionRecord)?
    for records in state.byPeer.values {
      guard best.map({ records.count >= $0.count }) ?? true,
        let idle = records.first(where: { !$0.hasCallInFlight && !state.draining.contains($0.serial) })
      else { continue }
      if let current = best, records.count == current.count, idle.serial > current.record.serial { continue }
      best = (records.count, idle)
    }
    return best?.record
  }

  /// Forgets a closed connection.
  func remove(_ record: ConnectionRecord) {
    state.withLock { state in
      guard var records = state.byPeer[record.peer], let index = records.firstIndex(where: { $0 === record }) else { return }
      records.remove(at: index)
      state.byPeer[record.peer] = records.isEmpty ? nil : records
      state.open -= 1
      state.draining.remove(record.serial)
    }
  }

  /// What admission has done so far.
  var stats: ConnectionStats { state.withLock { $0.stats } }
}

/// Counts of what the server's admission policy has done since it started.
public struct ConnectionStats: Sendable, Equatable {
  /// Connections admitted.
  public var admitted = 0
  /// Connections refused because their peer already had its limit open.
  public var refusedPerPeer = 0
  /// Connections refused at the global cap because every open connection
  /// had a call in flight (or enough evictions were already under way).
  public var refusedAtCapacity = 0
  /// Idle connections drained to admit a new one at the global cap.
  public var evicted = 0

  /// No connections yet.
  public init() {}
}
