import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Every metric of one process, and the scrape that reads them.
///
/// Parts of Hookwire make their families here as they are built (each
/// name once) and record into them as work happens; `scrape()` reads every
/// source in the order registered and renders the text exposition format.
/// Recording takes no lock: the families are sharded (see `MetricCells`);
/// only registering and scraping take the registry's lock, briefly.
package final class MetricsRegistry: Sendable {
  /// How many shards each family has: a power of two, at least the cores.
  package let shards: Int
  private let sources = Mutex<(list: [any MetricSource], names: Set<String>)>(([], []))

  /// A registry whose families have `shards` shards (rounded up to a
  /// power of two; by default the cores, at least 4 and at most 64).
  package init(shards: Int? = nil) {
    let wanted = shards ?? Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))
    var count = 1
    while count < min(max(wanted, 4), 64) { count <<= 1 }
    self.shards = count
  }

  /// Adds a source of families computed at scrape time; `names` are the
  /// families it yields, checked for clashes like every other name.
  package func register(_ source: any MetricSource, names: [String]) {
    sources.withLock { state in
      for name in names {
        precondition(state.names.insert(name).inserted, "metric \(name) is registered twice")
      }
      state.list.append(source)
    }
  }

  /// A new counter family, registered; `shards` overrides the registry's
  /// (one per event loop, for families each loop writes alone).
  package func counter(
    _ name: String, help: String, labels: LabelSet = .single, hidesZeroSeries: Bool = false, shards: Int? = nil
  ) -> CounterFamily {
    let family = CounterFamily(name: name, help: help, labels: labels, shards: shards ?? self.shards, hidesZeroSeries: hidesZeroSeries)
    register(family, names: [name])
    return family
  }

  /// A new gauge family, registered; `shards` overrides the registry's.
  package func gauge(_ name: String, help: String, labels: LabelSet = .single, shards: Int? = nil) -> GaugeFamily {
    let family = GaugeFamily(name: name, help: help, labels: labels, shards: shards ?? self.shards)
    register(family, names: [name])
    return family
  }

  /// A new histogram family, registered; `shards` overrides the registry's.
  package func histogram(
    _ name: String, help: String, labels: LabelSet = .single, bounds: [UInt64], decimals: Int = 0, hidesZeroSeries: Bool = false,
    shards: Int? = nil
  ) -> HistogramFamily {
    let family = HistogramFamily(
      name: name, help: help, labels: labels, bounds: bounds, decimals: decimals, shards: shards ?? self.shards, hidesZeroSeries: hidesZeroSeries)
    register(family, names: [name])
    return family
  }

  /// Every family, in the order registered.
  package func collect() async -> [MetricFamilySnapshot] {
    let list = sources.withLock { $0.list }
    var families: [MetricFamilySnapshot] = []
    for source in list { families += await source.collect() }
    return families
  }

  /// Every family in the text exposition format.
  package func scrape() async -> String {
    ExpositionFormat.render(await collect())
  }
}
