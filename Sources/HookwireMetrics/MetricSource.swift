/// Something a scrape reads metric families from: the counters and
/// histograms recorded as work happens, or values computed at scrape time.
package protocol MetricSource: Sendable {
  /// The families as they stand now.
  func collect() async -> [MetricFamilySnapshot]
}

/// Families computed when a scrape asks (process figures, open connections).
package struct ComputedMetrics: MetricSource {
  private let compute: @Sendable () async -> [MetricFamilySnapshot]

  /// A source that runs `compute` on every scrape; keep it cheap and bounded.
  package init(_ compute: @escaping @Sendable () async -> [MetricFamilySnapshot]) {
    self.compute = compute
  }

  package func collect() async -> [MetricFamilySnapshot] { await compute() }
}
