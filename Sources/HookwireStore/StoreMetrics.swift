import HookwireMetrics

/// The database's metrics, SQLite's or PostgreSQL's: write transactions and
/// how many writes each group commit carried, how long COMMIT took (SQLite's
/// fsync, PostgreSQL's round trip and WAL flush), and reads, with those that
/// waited because every reader was busy (SQLite's reader thread,
/// PostgreSQL's pooled reader connections).
package final class StoreMetrics: Sendable {
  /// Write transactions committed.
  package let transactions: CounterFamily
  /// Writes per committed transaction (the group commit's batch).
  package let batchSizes: HistogramFamily
  /// COMMIT durations, in nanoseconds.
  package let commitDurations: HistogramFamily
  /// Reads submitted.
  package let reads: CounterFamily
  /// Reads that found every reader busy and queued behind another read.
  package let readerWaits: CounterFamily

  /// Batch size buckets (writes per transaction).
  package static let batchBuckets: [UInt64] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1_024]
  /// COMMIT duration buckets, in seconds.
  package static let commitBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]

  /// Families registered with `registry`.
  package init(registry: MetricsRegistry) {
    transactions = registry.counter("hookwire_store_write_transactions_total", help: "Database write transactions committed (each a group of writes).")
    batchSizes = registry.histogram(
      "hookwire_store_group_commit_writes", help: "Writes carried by each committed database write transaction (group commit).",
      bounds: Self.batchBuckets)
    commitDurations = registry.histogram(
      "hookwire_store_commit_duration_seconds", help: "How long the COMMIT of a database write transaction took, in seconds.",
      bounds: HistogramFamily.nanoseconds(Self.commitBuckets), decimals: 9)
    reads = registry.counter("hookwire_store_reads_total", help: "Database reads submitted to the readers.")
    readerWaits = registry.counter(
      "hookwire_store_reader_waits_total", help: "Database reads that queued because every reader (thread or pooled connection) was busy.")
  }

  /// A write transaction of `writes` writes whose COMMIT began at `start` has committed.
  package func committed(_ writes: Int, since start: ContinuousClock.Instant) {
    let elapsed = ContinuousClock.now - start
    let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
    transactions.add(0)
    batchSizes.observe(0, UInt64(writes))
    commitDurations.observe(0, UInt64(max(0, nanoseconds)))
  }

  /// A read was submitted; `waited` when every reader was busy with another.
  package func read(waited: Bool) {
    reads.add(0)
    if waited { readerWaits.add(0) }
  }
}
