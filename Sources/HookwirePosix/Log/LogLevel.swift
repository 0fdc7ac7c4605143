/// How much a log line matters; a log writes the lines at or above its level.
public enum LogLevel: Int, Sendable, Comparable, CaseIterable, CustomStringConvertible {
  /// Detail for finding a fault: one line per call, and the like.
  case debug
  /// Normal operation: start, stop, reloads.
  case info
  /// Something went wrong that the server works around: a refused client, a failed handshake.
  case warning
  /// Something failed that an operator should look at: a call that ended INTERNAL, a store that cannot be written.
  case error

  /// The level named `name` (`debug`, `info`, `warning`, `error`; any case).
  public init?(name: String) {
    guard let level = Self.allCases.first(where: { $0.description == name.lowercased() }) else { return nil }
    self = level
  }

  /// The level's name as `--log-level` takes it and JSON lines carry it.
  public var description: String {
    switch self {
    case .debug: "debug"
    case .info: "info"
    case .warning: "warning"
    case .error: "error"
    }
  }

  public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// How log lines are written.
public enum LogFormat: String, Sendable, CaseIterable {
  /// `TIME LEVEL message key=value …`, for people.
  case text
  /// One JSON object per line (`time`, `level`, `msg`, then the fields), for log pipelines.
  case json
}
