import Dispatch
import Foundation
import Synchronization

/// A versioned schema change, applied once, in order.
package struct Migration: Sendable {
  /// The schema version this migration brings the database to.
  package let version: Int
  /// The SQL that does it.
  package let sql: String

  /// Creates a migration.
  package init(version: Int, sql: String) {
    self.version = version
    self.sql = sql
  }
}

/// A SQLite database on disk, served by its own threads: one writer and a
/// few readers, so blocking SQLite work never runs on an event loop or on
/// Swift's cooperative pool.
///
/// The writer commits in groups: every write waiting when it wakes runs in
/// one transaction, each inside its own savepoint, and all of them are
/// acknowledged after the one `COMMIT` (with `synchronous=FULL`, one fsync
/// for the group). A write that fails rolls back alone.
package final class Database: Sendable {
  private let writer: DatabaseThread
  private let readers: [DatabaseThread]
  private let nextReader = Atomic<Int>(0)
  /// The schema version after migrations.
  package let schemaVersion: Int

  /// Opens `path`, applies `migrations`, and starts the threads; `metrics`
  /// counts transactions, group sizes, commits and reads.
  package init(path: String, readers readerCount: Int = 2, migrations: [Migration], metrics: StoreMetrics? = nil) throws(StoreError) {
    let connection = try SQLiteConnection(path: path)
    try connection.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=5000; PRAGMA foreign_keys=ON")
    schemaVersion = try Self.migrate(connection, migrations)
    writer = DatabaseThread(name: "hookwire-db-writer", connection: connection, groupCommit: true, metrics: metrics)
    var readers: [DatabaseThread] = []
    for index in 0..<max(1, readerCount) {
      // Opened read-write but `query_only`: a read-only connection cannot
      // rebuild the WAL index after a crash and fails with an I/O error.
      let reader = try SQLiteConnection(path: path)
      try reader.execute("PRAGMA busy_timeout=5000; PRAGMA query_only=1")
      readers.append(DatabaseThread(name: "hookwire-db-reader-\(index)", connection: reader, groupCommit: false, metrics: metrics))
    }
    self.readers = readers
  }

  /// Applies the migrations the database lacks; refuses a newer database.
  static func migrate(_ connection: SQLiteConnection, _ migrations: [Migration]) throws(StoreError) -> Int {
    let statement = try connection.prepare("PRAGMA user_version")
    _ = try statement.step()
    let current = Int(statement.int(0))
    let latest = migrations.map(\.version).max() ?? 0
    guard current <= latest else {
      throw StoreError(.schemaTooNew, "the database is at schema version \(current), newer than this build's \(latest); use a newer hookwire-server")
    }
    for migration in migrations.sorted(by: { $0.version < $1.version }) where migration.version > current {
      do {
        try connection.transaction {
          try connection.execute(migration.sql)
          try connection.execute("PRAGMA user_version = \(migration.version)")
        }
      } catch let error as StoreError {
        throw error
      } catch {
        throw StoreError(.internal, "migration \(migration.version) failed: \(error)")
      }
    }
    return max(current, latest)
  }

  /// Runs `body` on the writer inside a transaction; returns after the commit.
  package func write<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
    try await writer.submit(body)
  }

  /// Runs `body` on a reader (a consistent snapshot for its duration).
  package func read<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
    let reader = readers[nextReader.wrappingAdd(1, ordering: .relaxed).oldValue % readers.count]
    return try await reader.submit(body)
  }

  /// Stops the threads after the work already queued; closing again does nothing.
  package func close() {
    writer.stop()
    for reader in readers { reader.stop() }
  }
}

/// A thread that owns one connection and runs submitted work in order.
final class DatabaseThread: @unchecked Sendable {
  // Unchecked: `connection` is used only on this thread; the queue is
  // behind its mutex and the semaphores only signal.
  private final class Job: @unchecked Sendable {
    // Unchecked: created by the submitter, then used only on the database thread.
    /// Runs the work; false when it threw.
    let work: (SQLiteConnection) -> Bool
    /// Acknowledges the job, with the error of a failed commit if any.
    let complete: ((any Error)?) -> Void

    init(work: @escaping (SQLiteConnection) -> Bool, complete: @escaping ((any Error)?) -> Void) {
      self.work = work
      self.complete = complete
    }
  }

  private let connection: SQLiteConnection
  private let groupCommit: Bool
  private let queue = Mutex<(jobs: [Job], stopping: Bool)>(([], false))
  private let ready = DispatchSemaphore(value: 0)
  private let finished = DispatchSemaphore(value: 0)
  private let metrics: StoreMetrics?
  /// Jobs submitted and not yet run (counted only with metrics).
  private let outstanding = Atomic<Int>(0)

  init(name: String, connection: SQLiteConnection, groupCommit: Bool, metrics: StoreMetrics? = nil) {
    self.connection = connection
    self.groupCommit = groupCommit
    self.metrics = metrics
    let thread = Thread { [self] in run() }
    thread.name = name
    thread.start()
  }

  func submit<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
      let box = ResultBox<T>()
      let job = Job(
        work: { connection in
          do {
            box.result = .success(try body(connection))
            return true
          } catch {
            box.result = .failure(error)
            return false
          }
        },
        complete: { commitError in
          if let commitError { return continuation.resume(throwing: commitError) }
          continuation.resume(with: box.result ?? .failure(StoreError(.internal, "the work did not run")))
        })
      let accepted = queue.withLock { state -> Bool in
        guard !state.stopping else { return false }
        state.jobs.append(job)
        return true
      }
      if accepted {
        if let metrics, !groupCommit {
          metrics.reads.add(0)
          if outstanding.wrappingAdd(1, ordering: .relaxed).oldValue > 0 { metrics.readerWaits.add(0) }
        }
        ready.signal()
      } else {
        continuation.resume(throwing: StoreError(.io, "the database is closed"))
      }
    }
  }

  /// Finishes the queued work, then ends the thread; waits for it. A later
  /// or concurrent stop waits the same way and returns.
  func stop() {
    queue.withLock { $0.stopping = true }
    ready.signal()
    finished.wait()
    // The thread signals once: hand it on to the next stop.
    finished.signal()
  }

  private func run() {
    while true {
      ready.wait()
      let (jobs, stopping) = queue.withLock { state in
        defer { state.jobs = [] }
        return (state.jobs, state.stopping)
      }
      if !jobs.isEmpty { runBatch(jobs) }
      if metrics != nil && !groupCommit { outstanding.wrappingSubtract(jobs.count, ordering: .relaxed) }
      if stopping && queue.withLock({ $0.jobs.isEmpty }) { break }
    }
    finished.signal()
  }

  /// One transaction for the whole batch; each job in its own savepoint.
  private func runBatch(_ jobs: [Job]) {
    var pending = jobs[...]
    while !pending.isEmpty { pending = runGroup(pending) }
  }

  /// Runs `jobs` in one transaction and commits it; returns the jobs left
  /// to run in a new transaction when SQLite rolled this one back itself.
  ///
  /// On a full disk or an I/O error SQLite may roll the whole transaction
  /// back on its own, savepoints and all. Going on would run the next jobs
  /// outside any transaction (each statement committing alone) and end in
  /// "cannot commit - no transaction is active"; instead every job of the
  /// undone transaction fails with a storage error and the rest start over.
  private func runGroup(_ jobs: ArraySlice<Job>) -> ArraySlice<Job> {
    do {
      try connection.execute(groupCommit ? "BEGIN IMMEDIATE" : "BEGIN")
    } catch {
      for job in jobs { job.complete(error) }
      return []
    }
    for (index, job) in zip(jobs.indices, jobs) {
      if groupCommit { try? connection.execute("SAVEPOINT job") }
      let succeeded = job.work(connection)
      guard connection.inTransaction else {
        connection.resetStatements()
        let undone = StoreError(.io, "the write was rolled back after a storage failure; nothing of it was kept")
        for earlier in jobs[..<index] { earlier.complete(undone) }
        // A job that failed reports its own error; one that swallowed it must not report success.
        job.complete(succeeded ? undone : nil)
        return jobs[(index + 1)...]
      }
      if groupCommit {
        if !succeeded { try? connection.execute("ROLLBACK TO job") }
        try? connection.execute("RELEASE job")
      }
    }
    connection.resetStatements()
    do {
      let committing = ContinuousClock.now
      try connection.execute("COMMIT")
      if let metrics, groupCommit { metrics.committed(jobs.count, since: committing) }
      for job in jobs { job.complete(nil) }
    } catch {
      if connection.inTransaction { try? connection.execute("ROLLBACK") }
      for job in jobs { job.complete(error) }
    }
    return []
  }
}

/// Holds a job's result between running it and acknowledging it.
final class ResultBox<T>: @unchecked Sendable {
  // Unchecked: written on the database thread, read there after the commit.
  var result: Result<T, any Error>?
}
