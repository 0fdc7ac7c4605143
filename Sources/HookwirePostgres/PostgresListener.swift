import CPostgres
import Foundation
import Glibc
import HookwireStore

/// A dedicated connection that runs `LISTEN` on some channels and hands
/// every NOTIFY to a callback, on a thread of its own.
///
/// When the connection is lost the listener says so (`.disconnected`),
/// connects again with backoff (50 ms doubling to 2 s), listens again and
/// says `.reconnected`: notifications sent meanwhile are lost, so a cache
/// fed by them must treat everything as stale at that point. The callback
/// runs on the listener's thread, one event at a time, in order; it should
/// hand work on rather than block.
///
///     let listener = PostgresListener(url: url, channels: ["webhooks"]) { event in
///       switch event {
///       case .listening: break
///       case .notification(_, let payload): cache.invalidate(payload)
///       case .disconnected, .reconnected: cache.invalidateAll()
///       }
///     }
///     // … later
///     await listener.close()
package final class PostgresListener: Sendable {
  /// What the listener tells its callback.
  package enum Event: Sendable, Equatable {
    /// LISTEN is in force on every channel, for the first time.
    case listening
    /// A NOTIFY on `channel` with `payload`.
    case notification(channel: String, payload: String)
    /// The connection was lost (or could not be made); notifications are being missed.
    case disconnected(StoreError)
    /// LISTEN is in force again after a loss; notifications sent meanwhile were missed.
    case reconnected
  }

  private let loop: ListenerLoop

  /// Starts listening on `channels` (names as given, quoted as identifiers).
  package init(url: PostgresURL, channels: [String], onEvent: @escaping @Sendable (Event) -> Void) {
    loop = ListenerLoop(url: url, channels: channels, onEvent: onEvent)
  }

  deinit { loop.requestStop() }

  /// Stops listening, closes the connection and waits for the thread to end.
  package func close() async {
    loop.requestStop()
    await loop.exits.wait()
  }
}

/// The listener's thread: connect, LISTEN, wait on the socket, deliver.
private final class ListenerLoop: @unchecked Sendable {
  // Unchecked: `connection` is used only on the loop's thread; the wakeup
  // pipe is written from any thread (a write is atomic) and closed only in
  // deinit, when no thread can use it; the rest is immutable.
  let exits = WorkerExits(count: 1)
  private let url: PostgresURL
  private let channels: [String]
  private let onEvent: @Sendable (PostgresListener.Event) -> Void
  /// A pipe's read and write ends: a byte written asks the thread to stop.
  private let wakeup: (read: Int32, write: Int32)
  private var connection: PostgresConnection?

  init(url: PostgresURL, channels: [String], onEvent: @escaping @Sendable (PostgresListener.Event) -> Void) {
    self.url = url
    self.channels = channels
    self.onEvent = onEvent
    var ends: [Int32] = [-1, -1]
    if pipe(&ends) == 0 {
      for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
      _ = fcntl(ends[1], F_SETFL, O_NONBLOCK)
    }
    wakeup = (ends[0], ends[1])
    let thread = Thread { [self] in run() }
    thread.name = "hookwire-pg-listener"
    thread.start()
  }

  deinit {
    close(wakeup.read)
    close(wakeup.write)
  }

  /// Wakes the thread to end; safe from any thread, more than once.
  func requestStop() {
    var byte: UInt8 = 1
    _ = write(wakeup.write, &byte, 1)
  }

  private func run() {
    var listenedBefore = false
    var reportedLoss = false
    var backoff = PostgresWorker.firstBackoff
    while true {
      if connection == nil {
        do {
          connection = try listen()
          onEvent(listenedBefore ? .reconnected : .listening)
          listenedBefore = true
          reportedLoss = false
          backoff = PostgresWorker.firstBackoff
        } catch {
          connection = nil
          if !reportedLoss {
            onEvent(.disconnected(error))
            reportedLoss = true
          }
          if waitForStop(atMost: backoff) { break }
          backoff = min(backoff * 2, PostgresWorker.longestBackoff)
          continue
        }
      }
      guard let connection, let handle = connection.rawHandle else { continue }
      var fds = [pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0), pollfd(fd: wakeup.read, events: Int16(POLLIN), revents: 0)]
      let ready = poll(&fds, 2, -1)
      if ready < 0 && errno == EINTR { continue }
      if fds[1].revents != 0 { break }
      if PQconsumeInput(handle) == 0 || !connection.isConnected {
        let message = PostgresErrorMapping.clientMessage(handle)
        connection.close()
        self.connection = nil
        onEvent(.disconnected(StoreError(.unavailable, "the listening connection was lost: \(message)")))
        reportedLoss = true
        continue
      }
      while let notice = PQnotifies(handle) {
        let channel = String(cString: notice.pointee.relname)
        let payload = String(cString: notice.pointee.extra)
        PQfreemem(notice)
        onEvent(.notification(channel: channel, payload: payload))
      }
    }
    connection?.close()
    connection = nil
    exits.exited()
  }

  /// A new connection with LISTEN in force on every channel.
  private func listen() throws(StoreError) -> PostgresConnection {
    let connection = try PostgresConnection(url: url)
    guard let handle = connection.rawHandle else { throw StoreError(.unavailable, "the listening connection was lost") }
    for channel in channels {
      guard let quoted = PQescapeIdentifier(handle, channel, channel.utf8.count) else {
        throw StoreError(.internal, "the channel name cannot be quoted: \(PostgresErrorMapping.clientMessage(handle))")
      }
      defer { PQfreemem(quoted) }
      try connection.execute("LISTEN " + String(cString: quoted))
    }
    return connection
  }

  /// Waits `duration` or until asked to stop; true when asked.
  private func waitForStop(atMost duration: Duration) -> Bool {
    let milliseconds = duration.components.seconds * 1000 + duration.components.attoseconds / 1_000_000_000_000_000
    var fds = [pollfd(fd: wakeup.read, events: Int16(POLLIN), revents: 0)]
    return poll(&fds, 1, Int32(milliseconds)) > 0
  }
}
