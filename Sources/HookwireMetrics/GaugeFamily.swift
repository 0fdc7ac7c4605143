/// A family of gauges moved up and down as things start and end (calls in
/// flight), recorded per shard without locks and summed at scrape time.
package final class GaugeFamily: MetricSource {
  /// The family's name.
  package let name: String
  /// What it measures, with its unit.
  package let help: String
  /// Its series.
  package let labels: LabelSet
  private let cells: MetricCells

  /// A family of gauges; see `MetricsRegistry.gauge` for the usual way.
  package init(name: String, help: String, labels: LabelSet = .single, shards: Int) {
    self.name = name
    self.help = help
    self.labels = labels
    cells = MetricCells(shards: shards, width: labels.series.count)
  }

  /// Moves series `slot` by `delta`, in `shard`. A shard alone may go
  /// below zero (a call begun on one thread, ended on another); the sum is
  /// what counts.
  @inline(__always)
  package func add(_ slot: Int = 0, _ delta: Int64, shard: Int) {
    cells.add(UInt64(bitPattern: delta), slot: slot, shard: shard)
  }

  /// Moves series `slot` by `delta` in `shard`, from the thread that alone
  /// writes that shard (see `MetricCells.addAsOwner`).
  @inline(__always)
  package func add(_ slot: Int = 0, _ delta: Int64, owningShard shard: Int) {
    cells.addAsOwner(UInt64(bitPattern: delta), slot: slot, shard: shard)
  }

  /// Moves series `slot` by `delta`, in the calling thread's shard.
  @inline(__always)
  package func add(_ slot: Int = 0, _ delta: Int64) {
    cells.add(UInt64(bitPattern: delta), slot: slot, shard: MetricShard.current(of: cells.shards))
  }

  /// Series `slot`'s value now.
  package func value(_ slot: Int = 0) -> Int64 { Int64(bitPattern: cells.total(slot)) }

  package func collect() async -> [MetricFamilySnapshot] { [snapshot()] }

  /// The family as it stands.
  package func snapshot() -> MetricFamilySnapshot {
    let samples = labels.series.indices.map { MetricSample(name: name, labels: labels.labels($0), value: Double(value($0))) }
    return MetricFamilySnapshot(name: name, help: help, type: .gauge, samples: samples)
  }
}
