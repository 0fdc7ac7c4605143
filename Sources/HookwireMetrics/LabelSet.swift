/// The label names of a metric family and every combination of values it
/// may take, fixed when the family is made: a series is a slot, so no input
/// can add one.
package struct LabelSet: Sendable, Equatable {
  /// The label names, in order.
  package let names: [String]
  /// Each series' values, in the order of `names`; its index is its slot.
  package let series: [[String]]

  /// One unlabelled series.
  package static let single = LabelSet(names: [], series: [[]])

  /// Series named by `names`, one per entry of `series`.
  package init(names: [String], series: [[String]]) {
    precondition(series.allSatisfy { $0.count == names.count }, "every series has a value per label")
    self.names = names
    self.series = series
  }

  /// One label taking each of `values`, in order (slot = index in `values`).
  package init(_ name: String, _ values: [String]) {
    self.init(names: [name], series: values.map { [$0] })
  }

  /// Every combination of the values of each label: the slot of
  /// `(i, j, …)` is `i * count(j…) + j…`, the last label varying fastest.
  package static func product(_ labels: [(name: String, values: [String])]) -> LabelSet {
    var series: [[String]] = [[]]
    for label in labels { series = series.flatMap { prefix in label.values.map { prefix + [$0] } } }
    return LabelSet(names: labels.map(\.name), series: series)
  }

  /// The labels of series `slot`, with `extra` after them.
  func labels(_ slot: Int, extra: [MetricLabel] = []) -> [MetricLabel] {
    zip(names, series[slot]).map { MetricLabel($0, $1) } + extra
  }
}
