/// A family of histograms, one per series of its label set: observations
/// in whole base units (nanoseconds, rows) counted into buckets per shard
/// without locks; a scrape makes the buckets cumulative and adds `+Inf`,
/// `_sum` and `_count`, scaled to the unit in the name (seconds).
package final class HistogramFamily: MetricSource {
  /// The family's name, its unit at the end (`_seconds`).
  package let name: String
  /// What it measures.
  package let help: String
  /// Its series.
  package let labels: LabelSet
  /// The buckets' upper bounds, inclusive and ascending, in base units.
  package let bounds: [UInt64]
  /// Decimal places between a base unit and the name's unit (9 for
  /// nanoseconds shown as seconds, 0 for plain counts).
  package let decimals: Int
  /// Whether series with no observation are left out of a scrape.
  package let hidesZeroSeries: Bool
  private let cells: MetricCells
  /// Cells per series: the buckets, `+Inf`, then the sum.
  private let width: Int

  /// A family of histograms; see `MetricsRegistry.histogram` for the usual way.
  package init(
    name: String, help: String, labels: LabelSet = .single, bounds: [UInt64], decimals: Int = 0, shards: Int, hidesZeroSeries: Bool = false
  ) {
    precondition(!bounds.isEmpty && zip(bounds, bounds.dropFirst()).allSatisfy { $0 < $1 }, "bucket bounds ascend")
    self.name = name
    self.help = help
    self.labels = labels
    self.bounds = bounds
    self.decimals = decimals
    self.hidesZeroSeries = hidesZeroSeries
    width = bounds.count + 2
    cells = MetricCells(shards: shards, width: width * labels.series.count)
  }

  /// Counts `value` (base units) in series `slot`, in `shard`.
  @inline(__always)
  package func observe(_ slot: Int = 0, _ value: UInt64, shard: Int) {
    var bucket = 0
    while bucket < bounds.count && value > bounds[bucket] { bucket += 1 }
    let start = slot &* width
    cells.add(1, slot: start &+ bucket, shard: shard)
    cells.add(value, slot: start &+ bounds.count &+ 1, shard: shard)
  }

  /// Counts `value` (base units) in series `slot` in `shard`, from the
  /// thread that alone writes that shard (see `MetricCells.addAsOwner`).
  @inline(__always)
  package func observe(_ slot: Int = 0, _ value: UInt64, owningShard shard: Int) {
    var bucket = 0
    while bucket < bounds.count && value > bounds[bucket] { bucket += 1 }
    let start = slot &* width
    cells.addAsOwner(1, slot: start &+ bucket, shard: shard)
    cells.addAsOwner(value, slot: start &+ bounds.count &+ 1, shard: shard)
  }

  /// Counts `value` (base units) in series `slot`, in the calling thread's shard.
  @inline(__always)
  package func observe(_ slot: Int = 0, _ value: UInt64) {
    observe(slot, value, shard: MetricShard.current(of: cells.shards))
  }

  /// Observations in series `slot` so far.
  package func count(_ slot: Int = 0) -> UInt64 {
    (0...bounds.count).reduce(0) { $0 &+ cells.total(slot * width + $1) }
  }

  package func collect() async -> [MetricFamilySnapshot] { [snapshot()] }

  /// The family as it stands.
  package func snapshot() -> MetricFamilySnapshot {
    var samples: [MetricSample] = []
    for slot in labels.series.indices {
      let start = slot * width
      var cumulative: UInt64 = 0
      var buckets: [MetricSample] = []
      buckets.reserveCapacity(bounds.count + 1)
      for (index, bound) in bounds.enumerated() {
        cumulative &+= cells.total(start + index)
        buckets.append(MetricSample(
          name: name + "_bucket", labels: labels.labels(slot, extra: [MetricLabel("le", Self.decimal(bound, places: decimals))]), value: Double(cumulative)))
      }
      cumulative &+= cells.total(start + bounds.count)
      if cumulative == 0 && hidesZeroSeries { continue }
      samples += buckets
      samples.append(MetricSample(name: name + "_bucket", labels: labels.labels(slot, extra: [MetricLabel("le", "+Inf")]), value: Double(cumulative)))
      samples.append(MetricSample(name: name + "_sum", labels: labels.labels(slot), value: Self.scaled(cells.total(start + bounds.count + 1), places: decimals)))
      samples.append(MetricSample(name: name + "_count", labels: labels.labels(slot), value: Double(cumulative)))
    }
    return MetricFamilySnapshot(name: name, help: help, type: .histogram, samples: samples)
  }

  /// `value` with the decimal point `places` from the right, trailing
  /// zeros dropped: `decimal(2_500_000, places: 9)` is `0.0025`.
  static func decimal(_ value: UInt64, places: Int) -> String {
    guard places > 0 else { return String(value) }
    var digits = String(value)
    if digits.count <= places { digits = String(repeating: "0", count: places - digits.count + 1) + digits }
    let point = digits.index(digits.endIndex, offsetBy: -places)
    var fraction = digits[point...]
    while fraction.last == "0" { fraction.removeLast() }
    return fraction.isEmpty ? String(digits[..<point]) : "\(digits[..<point]).\(fraction)"
  }

  /// `value` divided by 10^`places`.
  static func scaled(_ value: UInt64, places: Int) -> Double {
    var divisor = 1.0
    for _ in 0..<places { divisor *= 10 }
    return Double(value) / divisor
  }

  /// Bucket bounds in nanoseconds for durations given in seconds.
  package static func nanoseconds(_ seconds: [Double]) -> [UInt64] { seconds.map { UInt64(($0 * 1e9).rounded()) } }
}
