import HookwireCommandLine

/// A command line read against the command table: the command, its
/// checked flag values and its positional arguments.
struct ParsedCommand: Sendable {
  /// The command to run.
  var spec: CommandSpec
  /// Checked values of the command's own flags, by name.
  var values: [String: FlagValue] = [:]
  /// The global flags as given, in order, with their checked values.
  var globals: [(name: String, text: String, value: FlagValue)] = []
  /// The words that are not flags.
  var positional: [String] = []

  /// Whether the flag `name` was given.
  func has(_ name: String) -> Bool { values[name] != nil }

  /// The text of `--name` (a text, a choice, a payload source, a path).
  func text(_ name: String) -> String? {
    if case .text(let text) = values[name] { return text }
    return nil
  }

  /// The items of `--name`, empty when not given.
  func list(_ name: String) -> [String] {
    if case .list(let items) = values[name] { return items }
    return []
  }

  /// The number given to `--name`.
  func integer(_ name: String) -> Int64? {
    if case .integer(let value) = values[name] { return value }
    return nil
  }

  /// The duration given to `--name`, in milliseconds.
  func milliseconds(_ name: String) -> Int64? {
    if case .milliseconds(let value) = values[name] { return value }
    return nil
  }

  /// The time given to `--name`, in milliseconds since 1970.
  func instant(_ name: String) -> Int64? {
    if case .instant(let value) = values[name] { return value }
    return nil
  }

  /// The page size: `--page-size`, or 0 for the server's default.
  var pageSize: UInt32 { UInt32(clamping: integer("page-size") ?? 0) }
}

/// A usage error with the help it points to (`hookwire logs`), so the
/// message is one line and the pointer a second.
struct CommandLineError: Error, CustomStringConvertible {
  /// What is wrong, naming the flag or word.
  var message: String
  /// The help to read: `hookwire` or `hookwire <group>`.
  var helpPath: String

  var description: String { message }
}
