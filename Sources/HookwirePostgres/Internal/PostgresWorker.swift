import Foundation
import HookwireStore

/// A thread that owns one connection and runs the jobs of one queue, and
/// connects again (with backoff) when the connection is lost.
///
/// While it has no connection, a job fails at once with `.unavailable`,
/// unless the last attempt to connect is old enough to try again first; and
/// an idle worker tries again on its own as the backoff allows, so the pool
/// is whole again soon after the database is back.
final class PostgresWorker: @unchecked Sendable {
  // Unchecked: `connection` and the reconnect state are used only on the
  // worker's own thread; the rest is immutable.
  private let url: PostgresURL
  private let queue: PostgresJobQueue
  private let batchLimit: Int
  private let exited: @Sendable () -> Void
  /// Where a writer counts its committed transactions.
  private let metrics: StoreMetrics?
  private var connection: PostgresConnection?
  private var lastError = StoreError(.unavailable, "not connected yet")
  private var backoff = PostgresWorker.firstBackoff
  private var nextAttempt = ContinuousClock.now
  private var lastAttempt: ContinuousClock.Instant?

  /// The first pause between failed attempts; it doubles up to `longestBackoff`.
  static let firstBackoff = Duration.milliseconds(50)
  /// The longest pause between attempts of an idle worker.
  static let longestBackoff = Duration.seconds(2)
  /// How soon after a failed attempt a job may cause another.
  static let attemptInterval = Duration.milliseconds(200)
  /// The most writes one group transaction takes.
  static let groupLimit = 256

  init(
    name: String, url: PostgresURL, queue: PostgresJobQueue, batchLimit: Int, metrics: StoreMetrics?,
    exited: @escaping @Sendable () -> Void
  ) {
    self.url = url
    self.metrics = metrics
    self.queue = queue
    self.batchLimit = batchLimit
    self.exited = exited
    let thread = Thread { [self] in run() }
    thread.name = name
    thread.start()
  }

  private func run() {
    connect()
    while true {
      switch queue.take(atMost: batchLimit, until: connection == nil ? nextAttempt : nil) {
      case .stopped:
        connection?.close()
        connection = nil
        exited()
        return
      case .timedOut:
        connect()
      case .jobs(let jobs):
        serve(jobs)
      }
    }
  }

  private func connect() {
    lastAttempt = .now
    do {
      connection = try PostgresConnection(url: url)
      backoff = Self.firstBackoff
    } catch {
      connection = nil
      lastError = error
      nextAttempt = .now + backoff
      backoff = min(backoff * 2, Self.longestBackoff)
    }
  }

  /// The connection, connecting first when it is gone and an attempt is allowed.
  private func usableConnection(force: Bool = false) -> PostgresConnection? {
    if let connection, connection.isConnected { return connection }
    if connection != nil {
      // Lost: the next attempt is now, with the backoff from its start.
      connection?.close()
      connection = nil
      lastAttempt = nil
    }
    if force || lastAttempt.map({ $0.duration(to: .now) >= Self.attemptInterval }) ?? true { connect() }
    return connection
  }

  private func serve(_ jobs: [PostgresJob]) {
    var start = jobs.startIndex
    while start < jobs.endIndex {
      var end = start + 1
      if jobs[start].kind == .write {
        while end < jobs.endIndex && jobs[end].kind == .write { end += 1 }
      }
      run(jobs[start..<end], kind: jobs[start].kind, retry: true)
      start = end
    }
  }

  private func run(_ jobs: ArraySlice<PostgresJob>, kind: PostgresJob.Kind, retry: Bool) {
    guard let connection = usableConnection() else {
      let error = StoreError(.unavailable, "the database is unavailable (\(lastError.message)); reconnecting")
      for job in jobs { job.complete(error) }
      return
    }
    let started: Bool
    switch kind {
    case .write: started = runGroup(jobs, on: connection, retry: retry)
    case .read: started = runRead(jobs, on: connection, retry: retry)
    case .session: started = runSessions(jobs, on: connection, retry: retry)
    }
    if !started {
      // The connection died while idle (the server restarted): nothing ran, so once more on a new one.
      _ = usableConnection(force: true)
      run(jobs, kind: kind, retry: false)
    }
  }

  /// How opening a transaction (or checking the connection) went.
  private enum Opening {
    /// Open: run the jobs.
    case opened
    /// Refused: the jobs have been failed with the error.
    case failed
    /// The connection had died while idle: nothing ran; replace it and try again.
    case lostWhileIdle
  }

  /// Runs the statement that opens the work for `jobs`.
  private func begin(_ sql: String, _ jobs: ArraySlice<PostgresJob>, on connection: PostgresConnection, retry: Bool) -> Opening {
    do {
      try connection.execute(sql)
      return .opened
    } catch {
      if retry && !connection.isConnected { return .lostWhileIdle }
      for job in jobs { job.complete(error) }
      return .failed
    }
  }

  /// Each job on the bare connection, after an empty statement has shown
  /// the connection alive; a transaction a job leaves open is rolled back.
  private func runSessions(_ jobs: ArraySlice<PostgresJob>, on connection: PostgresConnection, retry: Bool) -> Bool {
    switch begin("", jobs, on: connection, retry: retry) {
    case .lostWhileIdle: return false
    case .failed: return true
    case .opened: break
    }
    for job in jobs {
      _ = job.work(connection)
      if connection.inTransaction { try? connection.execute("ROLLBACK") }
      job.complete(nil)
    }
    return true
  }

  private func runRead(_ jobs: ArraySlice<PostgresJob>, on connection: PostgresConnection, retry: Bool) -> Bool {
    for (index, job) in zip(jobs.indices, jobs) {
      switch begin("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", jobs[index...], on: connection, retry: retry && index == jobs.startIndex) {
      case .lostWhileIdle: return false
      case .failed: return true
      case .opened: break
      }
      _ = job.work(connection)
      if connection.isConnected { try? connection.execute("ROLLBACK") }
      job.complete(nil)
    }
    return true
  }

  /// One transaction for the whole group; each job in its own savepoint,
  /// all acknowledged after the one COMMIT; a job that fails is rolled back
  /// to its savepoint, alone.
  private func runGroup(_ jobs: ArraySlice<PostgresJob>, on connection: PostgresConnection, retry: Bool) -> Bool {
    switch begin("BEGIN; SAVEPOINT job", jobs, on: connection, retry: retry) {
    case .lostWhileIdle: return false
    case .failed: return true
    case .opened: break
    }
    var swallowed: Set<Int> = []
    for (index, job) in zip(jobs.indices, jobs) {
      let succeeded = job.work(connection)
      guard connection.isConnected else {
        let lost = StoreError(.unavailable, "the connection to the database was lost during the write; nothing of it was kept")
        for job in jobs { job.complete(lost) }
        return true
      }
      // A job that caught a database error and returned leaves the transaction failed: it must not report success.
      let failed = !succeeded || connection.inFailedTransaction
      if failed && succeeded { swallowed.insert(index) }
      var steps: [String] = failed ? ["ROLLBACK TO SAVEPOINT job"] : []
      if index != jobs.endIndex - 1 { steps += failed ? ["RELEASE SAVEPOINT job", "SAVEPOINT job"] : ["RELEASE SAVEPOINT job; SAVEPOINT job"] }
      guard !steps.isEmpty else { continue }
      do {
        try connection.execute(steps.joined(separator: "; "))
      } catch {
        if connection.isConnected { try? connection.execute("ROLLBACK") }
        for job in jobs { job.complete(error) }
        return true
      }
    }
    do {
      let committing = ContinuousClock.now
      try connection.commit()
      metrics?.committed(jobs.count, since: committing)
      let undone = StoreError(.internal, "the write caught a database error and went on; it was rolled back")
      for (index, job) in zip(jobs.indices, jobs) { job.complete(swallowed.contains(index) ? undone : nil) }
    } catch {
      let reported =
        connection.isConnected
        ? error : StoreError(.unavailable, "the connection to the database was lost during COMMIT; the write may or may not have been kept")
      if connection.inTransaction { try? connection.execute("ROLLBACK") }
      for job in jobs { job.complete(reported) }
    }
    return true
  }
}
