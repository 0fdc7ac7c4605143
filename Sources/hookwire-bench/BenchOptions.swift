import Foundation

/// `--name value` options of a benchmark, with bounds.
struct BenchOptions {
  private var values: [String: String] = [:]

  init(_ arguments: [String]) {
    var index = 0
    while index < arguments.count {
      let argument = arguments[index]
      if argument.hasPrefix("--"), index + 1 < arguments.count {
        values[String(argument.dropFirst(2))] = arguments[index + 1]
        index += 2
      } else {
        FileHandle.standardError.write(Data("hookwire-bench: ignoring '\(argument)'\n".utf8))
        index += 1
      }
    }
  }

  /// A string option, if given.
  func string(_ name: String) -> String? { values[name] }

  /// An integer option clamped to `range`.
  func int(_ name: String, default value: Int, in range: ClosedRange<Int>) -> Int {
    guard let text = values[name], let parsed = Int(text) else { return value }
    return min(max(parsed, range.lowerBound), range.upperBound)
  }
}

/// Nanoseconds per operation of `body` run `iterations` times.
@inline(never)
func nanosecondsPerOp(_ iterations: Int, _ body: () -> Void) -> Double {
  let start = ContinuousClock.now
  for _ in 0..<iterations { body() }
  let elapsed = ContinuousClock.now - start
  let ns = Double(elapsed.components.seconds) * 1e9 + Double(elapsed.components.attoseconds) / 1e9
  return ns / Double(iterations)
}

func median(_ values: [Double]) -> Double {
  let sorted = values.sorted()
  guard !sorted.isEmpty else { return 0 }
  return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// Keeps results alive so the optimiser cannot drop the work.
nonisolated(unsafe) var benchSink = 0
