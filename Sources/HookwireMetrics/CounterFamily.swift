/// A family of counters, one per series of its label set, recorded per shard
/// without locks and summed at scrape time.
package final class CounterFamily: MetricSource {
  /// The family's name; it ends in `_total`.
  package let name: String
  /// What it counts, with its unit.
  package let help: String
  /// Its series.
  package let labels: LabelSet
  /// Whether series still at zero are left out of a scrape (for large
  /// label sets, such as method × status code).
  package let hidesZeroSeries: Bool
  private let cells: MetricCells

  /// A family of counters; see `MetricsRegistry.counter` for the usual way.
  package init(name: String, help: String, labels: LabelSet = .single, shards: Int, hidesZeroSeries: Bool = false) {
    precondition(name.hasSuffix("_total"), "a counter's name ends in _total")
    self.name = name
    self.help = help
    self.labels = labels
    self.hidesZeroSeries = hidesZeroSeries
    cells = MetricCells(shards: shards, width: labels.series.count)
  }

  /// Adds `value` to series `slot`, in `shard` (an event loop's own).
  @inline(__always)
  package func add(_ slot: Int = 0, _ value: UInt64 = 1, shard: Int) {
    cells.add(value, slot: slot, shard: shard)
  }

  /// Adds `value` to series `slot` in `shard`, from the thread that alone
  /// writes that shard (see `MetricCells.addAsOwner`).
  @inline(__always)
  package func add(_ slot: Int = 0, _ value: UInt64 = 1, owningShard shard: Int) {
    cells.addAsOwner(value, slot: slot, shard: shard)
  }

  /// Adds `value` to series `slot`, in the calling thread's shard.
  @inline(__always)
  package func add(_ slot: Int = 0, _ value: UInt64 = 1) {
    cells.add(value, slot: slot, shard: MetricShard.current(of: cells.shards))
  }

  /// Series `slot`'s total now.
  package func value(_ slot: Int = 0) -> UInt64 { cells.total(slot) }

  package func collect() async -> [MetricFamilySnapshot] { [snapshot()] }

  /// The family as it stands.
  package func snapshot() -> MetricFamilySnapshot {
    var samples: [MetricSample] = []
    for slot in labels.series.indices {
      let total = cells.total(slot)
      if total == 0 && hidesZeroSeries { continue }
      samples.append(MetricSample(name: name, labels: labels.labels(slot), value: Double(total)))
    }
    return MetricFamilySnapshot(name: name, help: help, type: .counter, samples: samples)
  }
}
