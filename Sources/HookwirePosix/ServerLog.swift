import Foundation

/// One line per event on standard error, with a UTC timestamp. Secrets never
/// reach it: callers log ids and codes, not payloads or keys.
public struct ServerLog: Sendable {
  /// Whether lines are written at all (tests turn it off).
  public var enabled: Bool
  /// Where lines go instead of standard error (tests read them).
  private let sink: (@Sendable (String) -> Void)?

  /// Creates a log on standard error.
  public init(enabled: Bool = true) {
    self.enabled = enabled
    sink = nil
  }

  /// Creates a log whose lines (without timestamps) go to `sink`.
  public init(sink: @escaping @Sendable (String) -> Void) {
    enabled = true
    self.sink = sink
  }

  /// Writes one line.
  public func callAsFunction(_ message: String) {
    guard enabled else { return }
    if let sink { return sink(message) }
    let stamp = Date().formatted(.iso8601)
    FileHandle.standardError.write(Data("\(stamp) hookwire-server \(message)\n".utf8))
  }
}
