/// The kinds of metric the text exposition format names in `# TYPE`.
package enum MetricType: String, Sendable, Equatable {
  /// A total that only goes up (its name ends in `_total`).
  case counter
  /// A value that goes up and down.
  case gauge
  /// Observations counted into cumulative buckets, with their sum and count.
  case histogram
}

/// One label of a sample: a name from a fixed vocabulary and its value.
package struct MetricLabel: Sendable, Equatable {
  /// The label's name, such as `method`.
  package var name: String
  /// Its value, such as `CreateWebhook`.
  package var value: String

  /// A label.
  package init(_ name: String, _ value: String) {
    self.name = name
    self.value = value
  }
}

/// One line of a scrape: a sample's full name (with `_bucket`, `_sum` or
/// `_count` for a histogram), its labels and its value.
package struct MetricSample: Sendable, Equatable {
  /// The sample's name.
  package var name: String
  /// Its labels, in order.
  package var labels: [MetricLabel]
  /// Its value.
  package var value: Double

  /// A sample.
  package init(name: String, labels: [MetricLabel] = [], value: Double) {
    self.name = name
    self.labels = labels
    self.value = value
  }
}

/// A metric family as a scrape shows it: its name, help, type and samples.
package struct MetricFamilySnapshot: Sendable, Equatable {
  /// The family's name (a counter's ends in `_total`).
  package var name: String
  /// One line saying what it measures, with its unit.
  package var help: String
  /// Its type.
  package var type: MetricType
  /// Its samples, in order.
  package var samples: [MetricSample]

  /// A family.
  package init(name: String, help: String, type: MetricType, samples: [MetricSample]) {
    self.name = name
    self.help = help
    self.type = type
    self.samples = samples
  }

  /// A gauge with one unlabelled sample.
  package static func gauge(_ name: String, help: String, value: Double) -> MetricFamilySnapshot {
    MetricFamilySnapshot(name: name, help: help, type: .gauge, samples: [MetricSample(name: name, value: value)])
  }

  /// A counter with one unlabelled sample.
  package static func counter(_ name: String, help: String, value: Double) -> MetricFamilySnapshot {
    MetricFamilySnapshot(name: name, help: help, type: .counter, samples: [MetricSample(name: name, value: value)])
  }
}
