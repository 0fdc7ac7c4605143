import Foundation

/// A benchmark that cannot run (a bad `--database`, an unreachable
/// server): one line on standard error, exit status 1.
struct BenchFailure: Error, CustomStringConvertible {
  /// What went wrong, on one line.
  let description: String

  /// The failure, its message flattened to one line.
  init(_ message: String) {
    description = message.split(whereSeparator: \.isNewline).map { $0.trimmingCharacters(in: .whitespaces) }.joined(separator: " ")
  }

  /// Prints the failure and exits with status 1.
  func exit() -> Never {
    FileHandle.standardError.write(Data("hookwire-bench: error: \(description)\n".utf8))
    Foundation.exit(1)
  }
}
