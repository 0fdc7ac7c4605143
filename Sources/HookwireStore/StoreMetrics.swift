import HookwireMetrics

/// The SQLite database's metrics: write transactions and how many writes
/// each group commit carried, how long COMMIT took (the fsync), and reads,
/// with those that waited behind another on their reader thread.
package final class StoreMetrics: Sendable {
  /// Write transactions committed.
  package let transactions: CounterFamily
  /// Writes per committed transaction (the group commit's batch).
  package let batchSizes: HistogramFamily
  /// COMMIT durations, in nanoseconds.
  package let commitDurations: HistogramFamily
  /// Reads submitted.
  package let reads: CounterFamily
  /// Reads that found their reader thread busy and queued behind it.
  package let readerWaits: CounterFamily

  /// Batch size buckets (writes per transaction).
  package static let batchBuckets: [UInt64] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1_024]
  /// COMMIT duration buckets, in seconds.
  package static let commitBuckets = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1]

  /// Families registered with `registry`.
  package init(registry: MetricsRegistry) {
    transactions = registry.counter("hookwire_store_write_transactions_total", help: "SQLite write transactions committed (each a group of writes).")
    batchSizes = registry.histogram(
      "hookwire_store_group_commit_writes", help: "Writes carried by each committed SQLite write transaction (group commit).",
      bounds: Self.batchBuckets)
    commitDurations = registry.histogram(
      "hookwire_store_commit_duration_seconds", help: "How long SQLite's COMMIT of a write transaction took (its fsync), in seconds.",
      bounds: HistogramFamily.nanoseconds(Self.commitBuckets), decimals: 9)
    reads = registry.counter("hookwire_store_reads_total", help: "SQLite reads submitted to the reader threads.")
    readerWaits = registry.counter(
      "hookwire_store_reader_waits_total", help: "SQLite reads that queued behind another read on their reader thread.")
  }
}

extension DatabaseThread {
  /// A write transaction of `writes` writes whose COMMIT began at `start` has committed.
  static func committed(_ writes: Int, since start: ContinuousClock.Instant, into metrics: StoreMetrics) {
    let elapsed = ContinuousClock.now - start
    let nanoseconds = elapsed.components.seconds * 1_000_000_000 + elapsed.components.attoseconds / 1_000_000_000
    metrics.transactions.add(0)
    metrics.batchSizes.observe(0, UInt64(writes))
    metrics.commitDurations.observe(0, UInt64(max(0, nanoseconds)))
  }
}
