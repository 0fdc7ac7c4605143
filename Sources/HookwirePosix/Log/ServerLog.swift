import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The server's log: one event per line on standard error, each with its
/// time (RFC 3339, UTC, milliseconds), level, message and fields, as text
/// (`TIME LEVEL message key=value …`) or as one JSON object per line
/// (`LogLine`). Lines below `level` are not built at all.
///
/// Secrets never reach it: callers log ids, key prefixes and codes, never
/// keys, signing secrets, database passwords or payloads.
public struct ServerLog: Sendable {
  /// Whether lines are written at all (tests turn it off).
  public var enabled: Bool
  /// The least level written.
  public var level: LogLevel
  /// How lines are written.
  public var format: LogFormat
  private let output: Output

  private enum Output: Sendable {
    /// Whole lines on standard error.
    case standardError
    /// Whole lines, with time and level, to a function.
    case lines(@Sendable (String) -> Void)
    /// Messages and fields as text, without time or level, to a function.
    case messages(@Sendable (String) -> Void)
  }

  /// Creates a text log on standard error at level info.
  public init(enabled: Bool = true) {
    self.enabled = enabled
    level = .info
    format = .text
    output = .standardError
  }

  /// Creates a log on standard error in `format`, writing lines at `level` and above.
  public init(format: LogFormat, level: LogLevel) {
    enabled = true
    self.level = level
    self.format = format
    output = .standardError
  }

  /// Creates a log whose whole lines (time and level included, no newline)
  /// go to `lines`; tests read them.
  public init(format: LogFormat, level: LogLevel, lines: @escaping @Sendable (String) -> Void) {
    enabled = true
    self.level = level
    self.format = format
    output = .lines(lines)
  }

  /// Creates a log, at level info, whose lines go to `sink` without their
  /// time and level: `message key=value …`.
  public init(sink: @escaping @Sendable (String) -> Void) {
    enabled = true
    level = .info
    format = .text
    output = .messages(sink)
  }

  /// Whether a line at `level` would be written.
  @inline(__always)
  public func isEnabled(_ level: LogLevel) -> Bool { enabled && level >= self.level }

  /// Writes one event at `level`; neither the message nor the fields are
  /// computed when the level is not written.
  public func log(_ level: LogLevel, _ message: @autoclosure () -> String, fields: @autoclosure () -> [LogField] = []) {
    guard isEnabled(level) else { return }
    switch output {
    case .standardError:
      Self.writeToStandardError(LogLine.make(format, timeMs: WallClock.nowMs(), level: level, message: message(), fields: fields()) + "\n")
    case .lines(let write):
      write(LogLine.make(format, timeMs: WallClock.nowMs(), level: level, message: message(), fields: fields()))
    case .messages(let write):
      write(LogLine.body(message: message(), fields: fields()))
    }
  }

  /// Writes a debug event: detail for finding a fault.
  public func debug(_ message: @autoclosure () -> String, _ fields: LogField...) { log(.debug, message(), fields: fields) }

  /// Writes an info event: normal operation.
  public func info(_ message: @autoclosure () -> String, _ fields: LogField...) { log(.info, message(), fields: fields) }

  /// Writes a warning event: a failure the server works around.
  public func warning(_ message: @autoclosure () -> String, _ fields: LogField...) { log(.warning, message(), fields: fields) }

  /// Writes an error event: a failure an operator should look at.
  public func error(_ message: @autoclosure () -> String, _ fields: LogField...) { log(.error, message(), fields: fields) }

  /// Serializes the process's writes, so lines from several threads never interleave.
  private static let writing = Mutex(())

  private static func writeToStandardError(_ line: String) {
    var bytes = Array(line.utf8)
    writing.withLock { _ in
      bytes.withUnsafeMutableBytes { raw in
        guard let base = raw.baseAddress else { return }
        var offset = 0
        while offset < raw.count {
          // A log that cannot be written is dropped: there is nowhere left to say so.
          guard case .processed(let written)? = try? Syscall.run("write", { Glibc.write(2, base + offset, raw.count - offset) }), written > 0
          else { return }
          offset += written
        }
      }
    }
  }
}
