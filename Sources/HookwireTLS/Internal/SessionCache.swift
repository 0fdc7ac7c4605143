import CSSL
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The sessions a client context may resume, per session key ("host:port").
///
/// OpenSSL hands every new session (a TLS 1.2 session at the end of the
/// handshake, each TLS 1.3 ticket when it arrives after it) to the context's
/// new-session callback, which stores it here. A TLS 1.3 ticket is used once
/// (RFC 8446, appendix C.4); a TLS 1.2 session may be offered again. At most
/// `capacity` keys are remembered, `sessionsPerKey` sessions each; the key
/// stored longest ago is forgotten first.
final class SessionCache: Sendable {
  /// One counted reference to an `SSL_SESSION`. Unchecked: OpenSSL counts
  /// references atomically and a stored session is never changed, only
  /// offered to new connections, so any thread may hold one.
  struct Session: @unchecked Sendable {
    let pointer: OpaquePointer
  }
  private struct Entry {
    /// Owned references, oldest first.
    var sessions: [Session]
    var stored: UInt64
  }
  private struct State {
    var entries: [String: Entry] = [:]
    var clock: UInt64 = 0
  }

  /// Mutex-guarded: loops of several threads share one context.
  private let state = Mutex(State())
  let capacity: Int
  static let sessionsPerKey = 2

  init(capacity: Int) {
    self.capacity = max(1, capacity)
  }

  deinit {
    state.withLock { state in
      for entry in state.entries.values { entry.sessions.forEach { SSL_SESSION_free($0.pointer) } }
      state.entries = [:]
    }
  }

  /// Stores `session`, taking over the caller's reference.
  func store(_ pointer: OpaquePointer, for key: String) {
    let session = Session(pointer: pointer)
    var released: [Session] = []
    state.withLock { state in
      state.clock += 1
      var entry = state.entries[key] ?? Entry(sessions: [], stored: 0)
      entry.sessions.append(session)
      if entry.sessions.count > Self.sessionsPerKey {
        released.append(contentsOf: entry.sessions.prefix(entry.sessions.count - Self.sessionsPerKey))
        entry.sessions.removeFirst(entry.sessions.count - Self.sessionsPerKey)
      }
      entry.stored = state.clock
      state.entries[key] = entry
      if state.entries.count > capacity, let oldest = state.entries.min(by: { $0.value.stored < $1.value.stored })?.key {
        released.append(contentsOf: state.entries.removeValue(forKey: oldest)?.sessions ?? [])
      }
    }
    released.forEach { SSL_SESSION_free($0.pointer) }
  }

  /// A session to offer for `key`, as a reference the caller must free;
  /// nil when there is none still resumable.
  func take(for key: String) -> OpaquePointer? {
    var released: [Session] = []
    defer { released.forEach { SSL_SESSION_free($0.pointer) } }
    let now = time(nil)
    let taken = state.withLock { state -> Session? in
      guard var entry = state.entries[key] else { return nil }
      defer {
        if entry.sessions.isEmpty { state.entries[key] = nil } else { state.entries[key] = entry }
      }
      while let session = entry.sessions.popLast() {
        let expires = SSL_SESSION_get_time(session.pointer) + SSL_SESSION_get_timeout(session.pointer)
        guard SSL_SESSION_is_resumable(session.pointer) == 1, expires > now else {
          released.append(session)
          continue
        }
        if SSL_SESSION_get_protocol_version(session.pointer) >= Int32(TLSVersion.tls13.rawValue) { return session }
        // TLS 1.2: keep it for later connections too.
        SSL_SESSION_up_ref(session.pointer)
        entry.sessions.append(session)
        return session
      }
      return nil
    }
    return taken?.pointer
  }

  /// How many keys have sessions (tests).
  var count: Int { state.withLock { $0.entries.count } }
}
