/// One piece of work for a worker thread, created by the submitter and from
/// then on used only on the worker's thread.
final class PostgresJob: @unchecked Sendable {
  // Unchecked: handed once through the queue's lock, then touched by one thread only.
  /// How the worker wraps the work.
  enum Kind {
    /// In the group transaction, inside a savepoint of its own.
    case write
    /// In a read-only transaction of its own (one snapshot).
    case read
    /// On the bare connection, outside any transaction.
    case session
  }

  /// How the worker wraps the work.
  let kind: Kind
  /// Runs the work; false when it threw.
  let work: (PostgresConnection) -> Bool
  /// Acknowledges the job, with the error that undid it if any (its own
  /// result, success or failure, otherwise).
  let complete: ((any Error)?) -> Void

  init(kind: Kind, work: @escaping (PostgresConnection) -> Bool, complete: @escaping ((any Error)?) -> Void) {
    self.kind = kind
    self.work = work
    self.complete = complete
  }
}

/// Holds a job's result between running it and acknowledging it.
final class PostgresResultBox<T>: @unchecked Sendable {
  // Unchecked: written on the worker's thread, read there when the job is acknowledged.
  var result: Result<T, any Error>?
}
