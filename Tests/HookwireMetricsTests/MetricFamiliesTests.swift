import Foundation
import HookwireMetrics
import Testing

/// Counters, gauges and histograms: exact under concurrent recording,
/// rendered in the format the strict reader accepts.
@Suite("Metric families")
struct MetricFamiliesTests {
  @Test("Counts from many threads and shards add up exactly at scrape time")
  func concurrentCounting() async throws {
    let registry = MetricsRegistry(shards: 8)
    let counter = registry.counter("hookwire_test_events_total", help: "Events.", labels: LabelSet("kind", ["a", "b"]))
    let gauge = registry.gauge("hookwire_test_open", help: "Open things.")
    await withTaskGroup(of: Void.self) { group in
      for task in 0..<16 {
        group.addTask {
          for index in 0..<10_000 {
            counter.add(index % 2)
            counter.add(1, 2, shard: task)
            gauge.add(0, 1, shard: task)
            gauge.add(0, -1)
          }
        }
      }
    }
    #expect(counter.value(0) == 80_000)
    #expect(counter.value(1) == 80_000 + 16 * 10_000 * 2)
    #expect(gauge.value() == 0)
  }

  @Test("A histogram's buckets are cumulative, end in +Inf, and its sum and count are in the name's unit")
  func histogramRendering() async throws {
    let registry = MetricsRegistry(shards: 4)
    let histogram = registry.histogram(
      "hookwire_test_duration_seconds", help: "Durations.", labels: LabelSet("step", ["x"]),
      bounds: HistogramFamily.nanoseconds([0.00005, 0.001, 2.5]), decimals: 9)
    histogram.observe(0, 50_000, shard: 0)  // 50 µs: on the first bound, which is inclusive
    histogram.observe(0, 700_000, shard: 1)
    histogram.observe(0, 3_000_000_000, shard: 2)
    let families = try ExpositionParser.parse(await registry.scrape())
    let samples = try #require(families.first).samples
    #expect(samples.map(\.name) == Array(repeating: "hookwire_test_duration_seconds_bucket", count: 4) + ["hookwire_test_duration_seconds_sum", "hookwire_test_duration_seconds_count"])
    #expect(samples.prefix(4).map { $0.label("le") } == ["0.00005", "0.001", "2.5", "+Inf"])
    #expect(samples.prefix(4).map(\.value) == [1, 2, 2, 3])
    #expect(abs(samples[4].value - 3.00075) < 1e-9)
    #expect(samples[5].value == 3)
    #expect(samples.allSatisfy { $0.label("step") == "x" })
  }

  @Test("Families that hide zero series show a series once it moves; others show every series from the start")
  func zeroSeries() async throws {
    let registry = MetricsRegistry()
    let hidden = registry.counter("hookwire_test_hidden_total", help: "H.", labels: LabelSet("k", ["a", "b"]), hidesZeroSeries: true)
    _ = registry.counter("hookwire_test_shown_total", help: "S.", labels: LabelSet("k", ["a", "b"]))
    hidden.add(1)
    let families = try ExpositionParser.parse(await registry.scrape())
    #expect(families.map { $0.samples.count } == [1, 2])
    #expect(families[0].samples[0].label("k") == "b")
    #expect(families[0].help == "H.")
    #expect(families[1].type == "counter")
  }

  @Test("Label values and help are escaped so the reader gets them back exactly")
  func escaping() async throws {
    let registry = MetricsRegistry()
    let value = "back\\slash \"quoted\"\nnew line"
    let counter = registry.counter("hookwire_test_odd_total", help: "Help with \\ and\na line feed.", labels: LabelSet("v", [value]))
    counter.add(0, 3)
    let text = await registry.scrape()
    #expect(text.contains(#"v="back\\slash \"quoted\"\nnew line""#))
    let family = try #require(try ExpositionParser.parse(text).first)
    #expect(family.help == "Help with \\ and\na line feed.")
    #expect(family.samples[0].label("v") == value)
    #expect(family.samples[0].value == 3)
  }

  @Test("A product label set numbers its series with the last label fastest")
  func productSlots() {
    let labels = LabelSet.product([("a", ["1", "2"]), ("b", ["x", "y", "z"])])
    #expect(labels.series.count == 6)
    #expect(labels.series[4] == ["2", "y"])
  }

  @Test("A cached source computes once per lifetime, however many scrapes arrive together")
  func cachedSource() async {
    let runs = Counter()
    let cached = CachedMetrics(lifetime: .seconds(60)) {
      await runs.increment()
      return [.gauge("hookwire_test_backlog", help: "B.", value: 7)]
    }
    let values = await withTaskGroup(of: Double.self) { group in
      for _ in 0..<20 { group.addTask { await cached.collect().first?.samples.first?.value ?? -1 } }
      return await group.reduce(into: []) { $0.append($1) }
    }
    #expect(values == Array(repeating: 7, count: 20))
    #expect(await runs.value == 1)
  }

  @Test("The process figures come from /proc: CPU, resident memory, descriptors, start time, and the build's version")
  func processFigures() async throws {
    let registry = MetricsRegistry()
    ProcessMetrics.register(version: "1.2.3", with: registry)
    let families = try ExpositionParser.parse(await registry.scrape())
    let values = Dictionary(uniqueKeysWithValues: families.map { ($0.name, $0.samples.first?.value ?? -1) })
    #expect(values["process_cpu_seconds_total"].map { $0 > 0 } == true)
    #expect(values["process_resident_memory_bytes"].map { $0 > 1_000_000 } == true)
    #expect(values["process_open_fds"].map { $0 >= 3 } == true)
    let now = Double(time(nil))
    #expect(values["process_start_time_seconds"].map { $0 > now - 3_600 && $0 <= now + 1 } == true)
    #expect(families.first { $0.name == "hookwire_build_info" }?.samples.first?.label("version") == "1.2.3")
  }
}

/// A count kept by an actor, for sources computed in tests.
actor Counter {
  private(set) var value = 0
  func increment() { value += 1 }
}
