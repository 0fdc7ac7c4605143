import Foundation

/// One line per event on standard error, with a UTC timestamp. Secrets never
/// reach it: callers log ids and codes, not payloads or keys.
public struct ServerLog: Sendable {
  /// Whether lines are written at all (tests turn it off).
  public var enabled: Bool

  /// Creates a log.
  public init(enabled: Bool = true) { self.enabled = enabled }

  /// Writes one line.
  public func callAsFunction(_ message: String) {
    guard enabled else { return }
    let stamp = Date().formatted(.iso8601)
    FileHandle.standardError.write(Data("\(stamp) hookwire-server \(message)\n".utf8))
  }
}
