import Foundation

/// The arguments of one command of Hookwire's executables, checked against what the
/// command accepts: every flag is known, every value-taking flag has its
/// value, nothing is given twice, and only the expected positional
/// arguments appear. Anything else is a ``UsageError`` naming the flag.
///
/// Flags are written `--name VALUE` or `--name=VALUE`; a value starting
/// with `--` must use the second form (so a forgotten value cannot swallow
/// the next flag). `--` ends the flags; `-h` and `--help` are always known.
package struct CommandArguments {
  /// The command as typed, e.g. `hookwire webhooks create`, for messages.
  package let command: String
  private var values: [String: String] = [:]
  private var switches: Set<String> = []
  /// The arguments that are not flags, in order.
  package private(set) var positional: [String] = []
  /// Whether `-h` or `--help` was given.
  package private(set) var help = false

  package init(_ arguments: [String], command: String, values valueFlags: Set<String>, switches switchFlags: Set<String> = [], positional expected: ClosedRange<Int> = 0...0) throws(UsageError) {
    self.command = command
    var index = 0
    var flagsEnded = false
    while index < arguments.count {
      let argument = arguments[index]
      index += 1
      if flagsEnded || !argument.hasPrefix("-") || argument == "-" {
        positional.append(argument)
        continue
      }
      if argument == "--" {
        flagsEnded = true
        continue
      }
      if argument == "-h" || argument == "--help" {
        help = true
        continue
      }
      let body = argument.drop { $0 == "-" }
      let name = String(body.prefix { $0 != "=" })
      let inline = body.firstIndex(of: "=").map { String(body[body.index(after: $0)...]) }
      let flag = "--\(name)"
      guard argument.hasPrefix("--"), valueFlags.contains(name) || switchFlags.contains(name) else {
        throw UsageError("unknown option '\(argument.prefix { $0 != "=" })' for '\(command)'")
      }
      guard values[name] == nil, !switches.contains(name) else { throw UsageError("option '\(flag)' is given more than once") }
      if switchFlags.contains(name) {
        guard inline == nil else { throw UsageError("option '\(flag)' takes no value") }
        switches.insert(name)
      } else if let inline {
        values[name] = inline
      } else {
        guard index < arguments.count, !arguments[index].hasPrefix("--") else {
          throw UsageError("option '\(flag)' of '\(command)' needs a value")
        }
        values[name] = arguments[index]
        index += 1
      }
    }
    guard help || positional.count >= expected.lowerBound else {
      throw UsageError("'\(command)' needs \(expected.lowerBound) argument\(expected.lowerBound == 1 ? "" : "s")")
    }
    if !help, positional.count > expected.upperBound {
      throw UsageError("unexpected argument '\(positional[expected.upperBound])' for '\(command)'")
    }
  }

  /// Whether the switch `name` (without `--`) was given.
  package func has(_ name: String) -> Bool { switches.contains(name) }

  /// The value of `--name`, if given.
  package func string(_ name: String) -> String? { values[name] }

  /// The value of `--name`; a usage error when missing or empty.
  package func required(_ name: String) throws(UsageError) -> String {
    guard let value = values[name], !value.isEmpty else { throw UsageError("'\(command)' needs --\(name)") }
    return value
  }

  /// The value of `--name` as an integer in `range`, if given.
  package func integer<T: FixedWidthInteger>(_ name: String, in range: ClosedRange<T>) throws(UsageError) -> T? {
    guard let text = values[name] else { return nil }
    guard let value = T(text), range.contains(value) else {
      let what =
        range.upperBound < T.max ? "a whole number from \(range.lowerBound) to \(range.upperBound)"
        : range.lowerBound == 1 ? "a positive whole number" : "a whole number of at least \(range.lowerBound)"
      throw UsageError("option '--\(name)' takes \(what), not '\(text)'")
    }
    return value
  }

  /// The value of `--name` split at commas, blanks dropped.
  package func list(_ name: String) -> [String] {
    (values[name] ?? "").split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
  }

  /// The value of `--name`, one of `choices`, if given.
  package func choice(_ name: String, _ choices: [String]) throws(UsageError) -> String? {
    guard let text = values[name] else { return nil }
    guard choices.contains(text.lowercased()) else {
      throw UsageError("option '--\(name)' takes \(choices.joined(separator: ", ")), not '\(text)'")
    }
    return text.lowercased()
  }
}

/// A mistake in the command line: printed with the usage, exit status 2.
package struct UsageError: Error, CustomStringConvertible {
  /// What is wrong, naming the flag.
  package var description: String

  /// Creates the error; `description` names the flag.
  package init(_ description: String) { self.description = description }
}
