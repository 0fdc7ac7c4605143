import Foundation
import HookwireCommandLine

/// `--name value` options of a benchmark, checked against what that
/// benchmark accepts before it starts: an unknown option, a missing value,
/// a number out of bounds or an unknown choice is a ``UsageError``
/// naming the flag (exit status 2), never silently clamped or ignored.
struct BenchOptions {
  /// What a flag's value may be.
  enum Rule {
    case integer(ClosedRange<Int>)
    /// Whole numbers in the range, comma-separated (`1,2`), at most 8 of them.
    case integers(ClosedRange<Int>)
    case choice([String])
    case address
    case text
  }

  static let iterations: [String: Rule] = ["iterations": .integer(1_000...20_000_000), "runs": .integer(1...21)]
  static let delivery: [String: Rule] = [
    "webhooks": .integer(1...256), "in-flight": .integer(1...1_024), "per-webhook": .integer(1...256),
    "sender": .choice(["http", "null"]), "connections": .integer(1...256), "malloc": .choice(["tuned", "default"]),
    "scheme": .choice(["http", "https"]), "database": .text,
  ]

  /// Every benchmark (and child server) and the flags it accepts.
  static let accepted: [String: [String: Rule]] = [
    "codec": iterations.merging([
      "message": .choice(["webhook", "log_page_100"]), "op": .choice(["encode", "encode_reused_buffer", "decode"]),
    ]) { $1 },
    "rpc": [
      "duration": .integer(1...120), "concurrency": .integer(1...1_024), "connections": .integer(1...1_024), "server": .address,
      "server-loops": .integer(1...64), "tls": .choice(["off", "on", "both"]), "ca-file": .text,
      "rounds": .integer(1...50), "metrics": .choice(["off", "on", "both"]),
    ],
    "rpc-server": [
      "loops": .integer(1...64), "tls-cert": .text, "tls-key": .text, "tls-client-ca": .text,
      "tls-client-certs": .choice(["none", "optional", "required"]), "control": .choice(["stdin"]),
      "metrics": .choice(["off", "on"]),
    ],
    "handshakes": ["duration": .integer(1...120), "concurrency": .integer(1...256), "tls-resume": .choice(["off", "on", "both"])],
    "failed-handshakes": [
      "count": .integer(4...1_000_000), "concurrency": .integer(1...1_024), "settle": .integer(1...60),
      "kind": .choice(["garbage", "preface", "unknown-ca", "no-cert"]),
    ],
    "tls-certs": ["dir": .text],
    "webhooks": ["duration": .integer(1...120), "concurrency": .integer(1...1_024), "server-loops": .integer(1...64), "database": .text],
    "webhooks-server": ["loops": .integer(1...64), "database": .text, "control": .choice(["stdin"])],
    "delivery": delivery.merging(["events": .integer(100...1_000_000), "nodes": .integers(1...8)]) { $1 },
    "delivery-server": delivery.merging([
      "receiver-port": .integer(1...65_535), "ca-file": .text, "node": .text, "seed": .choice(["yes", "no"]), "control": .choice(["stdin"]),
    ]) { $1 },
    "pgbench": [
      "database": .text, "clients": .integer(1...256), "threads": .integer(1...64), "duration": .integer(1...600),
      "scale": .integer(1...1_000),
    ],
    "http": [
      "requests": .integer(100...1_000_000), "concurrency": .integer(1...256), "receiver": .choice(["threaded", "loop"]), "url": .text,
    ],
    "logsearch": ["rows": .integer(10_000...50_000_000), "queries": .integer(100...100_000), "data-dir": .text],
    "search": ["partners": .integer(1_000...5_000_000), "queries": .integer(100...100_000)],
  ]

  private var values: [String: String] = [:]

  /// Checks `arguments` against what `benchmark` accepts: the flags by
  /// the executables' shared checker, then each value by its rule.
  init(_ arguments: [String], benchmark: String) throws(UsageError) {
    let rules = Self.accepted[benchmark] ?? [:]
    let command = "hookwire-bench \(benchmark)"
    let parsed = try CommandArguments(arguments, command: command, values: Set(rules.keys))
    // A benchmark takes no help of its own; `hookwire-bench --help` lists them all.
    guard !parsed.help else { throw UsageError("unknown option '--help' for '\(command)'") }
    for (name, rule) in rules {
      guard let value = parsed.string(name) else { continue }
      try Self.check(name, value, rule)
      values[name] = value
    }
  }

  static func check(_ name: String, _ value: String, _ rule: Rule) throws(UsageError) {
    switch rule {
    case .integer(let range):
      guard let number = Int(value), range.contains(number) else {
        throw UsageError("option '--\(name)' takes a whole number from \(range.lowerBound) to \(range.upperBound), not '\(value)'")
      }
    case .integers(let range):
      let numbers = value.split(separator: ",", omittingEmptySubsequences: false).map { Int($0) }
      guard (1...8).contains(numbers.count), numbers.allSatisfy({ $0.map(range.contains) ?? false }) else {
        throw UsageError(
          "option '--\(name)' takes up to 8 comma-separated whole numbers from \(range.lowerBound) to \(range.upperBound), not '\(value.prefix(64))'")
      }
    case .choice(let choices):
      guard choices.contains(value) else { throw UsageError("option '--\(name)' takes \(choices.joined(separator: " or ")), not '\(value)'") }
    case .address:
      let parts = value.split(separator: ":")
      guard parts.count == 2, !parts[0].isEmpty, let port = Int(parts[1]), (1...65_535).contains(port) else {
        throw UsageError("option '--\(name)' takes HOST:PORT such as 127.0.0.1:7700, not '\(value)'")
      }
    case .text:
      guard !value.isEmpty else { throw UsageError("option '--\(name)' needs a value") }
    }
  }

  /// A string option, if given.
  func string(_ name: String) -> String? { values[name] }

  /// An integer option, if given (already checked against its bounds).
  func int(_ name: String) -> Int? { values[name].flatMap { Int($0) } }

  /// A list of integers (`.integers`), if given (already checked).
  func intList(_ name: String) -> [Int]? { values[name].map { $0.split(separator: ",").compactMap { Int($0) } } }

  /// An integer option, or `value` when not given.
  func int(_ name: String, default value: Int) -> Int { int(name) ?? value }
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
