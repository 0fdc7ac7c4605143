import Foundation
import HookwirePosix
import Synchronization

/// A JSON log whose lines a test reads back: `log(_:)` makes a `ServerLog`
/// writing here, `objects` parses what it wrote.
final class CapturedLog: Sendable {
  private let lines = Mutex<[String]>([])

  /// Every line written so far.
  var all: [String] { lines.withLock { $0 } }

  /// Every line parsed as a JSON object (a line that is not one is left out).
  var objects: [[String: Any]] {
    all.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
  }

  /// The parsed lines whose message starts with `prefix`.
  func lines(startingWith prefix: String) -> [[String: Any]] {
    objects.filter { ($0["msg"] as? String)?.hasPrefix(prefix) == true }
  }

  /// A JSON log at `level` writing here.
  func log(_ level: LogLevel) -> ServerLog {
    ServerLog(format: .json, level: level) { [self] line in lines.withLock { $0.append(line) } }
  }
}
