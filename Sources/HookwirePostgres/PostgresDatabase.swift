import HookwireStore
import Synchronization

/// A PostgreSQL database served by a pool of connections, each on a thread
/// of its own, so blocking libpq work never runs on an event loop or on
/// Swift's cooperative pool: callers suspend until a thread has done it.
///
/// Writers and readers have separate threads and queues. Writers commit in
/// groups, as the SQLite `Database` does: every write waiting when a writer
/// wakes (up to 256) runs in one transaction, each inside its own savepoint,
/// and all are acknowledged after the one COMMIT; a write that throws is
/// rolled back to its savepoint, alone, and its error returned to its
/// caller. A write that loses a deadlock or a serialization check against
/// another server's is rolled back to its savepoint and run again (three
/// runs at most) before `.retryable` reaches its caller. A read runs in a read-only REPEATABLE READ transaction of its
/// own: one snapshot for its duration.
///
/// Given `StoreMetrics`, the pool counts what the SQLite `Database` counts:
/// each committed group transaction with its writes and its COMMIT's
/// duration, each read, and each read that found every reader connection
/// busy and waited for one.
///
/// A lost connection is replaced: a thread that finds its connection gone
/// connects again, backing off from 50 ms to 2 s while the database stays
/// away. Meanwhile jobs fail promptly with `.unavailable` (within the
/// URL's connect timeout at worst), and once the database is back the pool
/// serves again by itself. Work already sent when the connection dies fails
/// with `.unavailable` too (a write whose COMMIT was lost says its outcome
/// is unknown); callers decide whether to try again.
///
///     let database = PostgresDatabase(url: try PostgresURL(parsing: text))
///     _ = try await database.migrate(migrations)
///     try await database.write { connection in
///       try connection.query("INSERT INTO partners (id, name) VALUES ($1, $2)", .integer(7), .text("Acme"))
///     }
///     let name = try await database.read { connection in
///       try connection.query("SELECT name FROM partners WHERE id = $1", .integer(7)).first?.text(0)
///     }
///     await database.close()
package final class PostgresDatabase: Sendable {
  /// Where the database is (its description hides the password).
  package let url: PostgresURL
  private let writeQueue = PostgresJobQueue()
  private let readQueue = PostgresJobQueue()
  private let exits: WorkerExits
  private let metrics: StoreMetrics?
  /// Reader connections in the pool.
  private let readerCount: Int
  /// Reads submitted and not yet acknowledged (counted only with metrics).
  private let outstandingReads = Atomic<Int>(0)

  /// Starts `writers` writer threads and `readers` reader threads (at least
  /// one of each); each connects at once, in the background. Nothing here
  /// waits for the database: the first job (or `migrate`) tells whether it
  /// is reachable. `metrics` counts the pool's transactions and reads.
  package init(url: PostgresURL, writers: Int = 2, readers: Int = 2, metrics: StoreMetrics? = nil) {
    self.url = url
    self.metrics = metrics
    let writers = max(1, writers)
    let readers = max(1, readers)
    readerCount = readers
    let exits = WorkerExits(count: writers + readers)
    self.exits = exits
    for index in 0..<writers {
      _ = PostgresWorker(
        name: "hookwire-pg-writer-\(index)", url: url, queue: writeQueue, batchLimit: PostgresWorker.groupLimit,
        metrics: metrics, exited: exits.exited)
    }
    for index in 0..<readers {
      _ = PostgresWorker(
        name: "hookwire-pg-reader-\(index)", url: url, queue: readQueue, batchLimit: 1, metrics: nil, exited: exits.exited)
    }
  }

  deinit {
    writeQueue.stop()
    readQueue.stop()
  }

  /// Runs `body` on a writer inside the group's transaction (in a savepoint
  /// of its own); returns after the COMMIT. When `body` throws, its changes
  /// alone are undone and its error is rethrown.
  @discardableResult
  package func write<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
    try await submit(.write, to: writeQueue, body)
  }

  /// Runs `body` on a reader, in a read-only transaction (one snapshot).
  @discardableResult
  package func read<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
    try await submit(.read, to: readQueue, body)
  }

  /// Runs `body` on a writer's connection outside any transaction, for
  /// work that manages its own (migrations, session locks, VACUUM); a
  /// transaction it leaves open is rolled back.
  @discardableResult
  package func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
    try await submit(.session, to: writeQueue, body)
  }

  /// Stops the threads after the work already queued and waits for them;
  /// later jobs fail with `.unavailable`. Closing again does nothing more.
  package func close() async {
    writeQueue.stop()
    readQueue.stop()
    await exits.wait()
  }

  /// How many times a write is run when it keeps losing deadlocks or
  /// serialization checks (`.retryable`) before its caller hears of it.
  static let writeAttempts = 3

  private func submit<T: Sendable>(
    _ kind: PostgresJob.Kind, to queue: PostgresJobQueue, _ body: @escaping @Sendable (PostgresConnection) throws -> T
  ) async throws -> T {
    let countsRead = kind == .read && metrics != nil
    return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
      let box = PostgresResultBox<T>()
      let job = PostgresJob(
        kind: kind,
        work: { connection in
          // A write that lost a deadlock or a serialization check is
          // undone to its savepoint and run again, twice at most: the
          // group's other writes stay as they were.
          var attempt = 1
          while true {
            do {
              box.result = .success(try body(connection))
              return true
            } catch let error as StoreError
              where error.code == .retryable && kind == .write && attempt < Self.writeAttempts && connection.isConnected
            {
              attempt += 1
              do { try connection.execute("ROLLBACK TO SAVEPOINT job") } catch {
                box.result = .failure(error)
                return false
              }
            } catch {
              box.result = .failure(error)
              return false
            }
          }
        },
        complete: { [self] undoing in
          if countsRead { self.outstandingReads.wrappingSubtract(1, ordering: .relaxed) }
          if let undoing { return continuation.resume(throwing: undoing) }
          continuation.resume(with: box.result ?? .failure(StoreError(.internal, "the work did not run")))
        })
      // A read waits when every reader already has one, running or queued.
      let waits = countsRead && outstandingReads.wrappingAdd(1, ordering: .relaxed).oldValue >= readerCount
      guard queue.push(job) else {
        if countsRead { outstandingReads.wrappingSubtract(1, ordering: .relaxed) }
        return continuation.resume(throwing: StoreError(.unavailable, "the database is closed"))
      }
      if countsRead { metrics?.read(waited: waits) }
    }
  }
}

/// Counts the workers still running and wakes those waiting for none.
final class WorkerExits: Sendable {
  private let state: Mutex<(running: Int, waiters: [CheckedContinuation<Void, Never>])>

  init(count: Int) { state = Mutex((count, [])) }

  /// One worker has ended.
  @Sendable func exited() {
    let waiters = state.withLock { state -> [CheckedContinuation<Void, Never>] in
      state.running -= 1
      guard state.running == 0 else { return [] }
      defer { state.waiters = [] }
      return state.waiters
    }
    for waiter in waiters { waiter.resume() }
  }

  /// Returns once every worker has ended.
  func wait() async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
      let done = state.withLock { state -> Bool in
        guard state.running > 0 else { return true }
        state.waiters.append(continuation)
        return false
      }
      if done { continuation.resume() }
    }
  }
}
