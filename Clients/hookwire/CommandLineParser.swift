import HookwireCommandLine

/// Reads `hookwire`'s arguments against ``CommandTable``.
///
/// Flags are `--name VALUE` or `--name=VALUE`; a value that starts with
/// `--` must use the second form, so a forgotten value cannot swallow the
/// next flag. Global flags may come anywhere before `--`; a command's own
/// flags come after its name. `-h`/`--help` anywhere, or `help <command>`,
/// asks for help; `--version` for the version. Every value is checked here,
/// so nothing reaches a server before the whole line is valid.
struct CommandLineParser {
  /// What the command line asks for.
  enum Request {
    /// Help for the root (both nil), a group, or one command.
    case help(GroupSpec?, CommandSpec?)
    /// The version line.
    case version
    /// `hookwire` alone: the root help, and a usage status.
    case bare
    /// A command to run.
    case run(ParsedCommand)
  }

  /// The commands and flags to read against.
  let table: CommandTable

  /// Parses `arguments` (without the program name).
  func parse(_ arguments: [String]) throws(CommandLineError) -> Request {
    let flagPart = arguments.prefix { $0 != "--" }
    let wantsHelp = flagPart.contains { $0 == "-h" || $0 == "--help" } || arguments.first == "help"
    var group: GroupSpec?
    var command: CommandSpec?
    var version = false
    var given: [(spec: FlagSpec, text: String, global: Bool)] = []
    var positional: [String] = []
    var flagsEnded = false
    var index = wantsHelp && arguments.first == "help" ? 1 : 0
    var helpPath: String { group.map { "hookwire \($0.name)" } ?? "hookwire" }
    func fail(_ message: String) -> CommandLineError { CommandLineError(message: message, helpPath: helpPath) }

    while index < arguments.count {
      let argument = arguments[index]
      index += 1
      let isFlag = !flagsEnded && argument.hasPrefix("-") && argument != "-"
      if !isFlag {
        if argument == "--" && !flagsEnded {
          flagsEnded = true
          continue
        }
        if group == nil {
          guard let found = table.group(argument) else {
            throw fail("unknown command '\(argument.echoed)' for 'hookwire'" + Self.suggestion(argument, table.groups.map(\.name)))
          }
          group = found
          if found.isCommand { command = found.commands[0] }
        } else if command == nil, let current = group {
          guard let found = current.command(argument) else {
            throw fail(
              "unknown command '\(argument.echoed)' for 'hookwire \(current.name)'" + Self.suggestion(argument, current.commands.compactMap(\.verb)))
          }
          command = found
        } else {
          positional.append(argument)
        }
        continue
      }
      if argument == "-h" || argument == "--help" { continue }
      if argument == "--version" && group == nil {
        version = true
        continue
      }
      let body = argument.dropFirst(2)
      let name = String(body.prefix { $0 != "=" })
      let inline = body.firstIndex(of: "=").map { String(body[body.index(after: $0)...]) }
      let spec: FlagSpec
      let global: Bool
      if argument.hasPrefix("--"), let found = table.globalFlag(name) {
        (spec, global) = (found, true)
      } else if argument.hasPrefix("--"), let found = command?.flag(name) {
        (spec, global) = (found, false)
      } else if argument.hasPrefix("--"), let reason = command.flatMap({ table.refusal(name, for: $0) }) {
        if wantsHelp { continue }
        throw fail("--\(name): \(reason)")
      } else {
        if wantsHelp { continue }
        let flagName = String(argument.prefix { $0 != "=" })
        let known = table.globalFlags.map { "--\($0.name)" } + (command?.flags.map { "--\($0.name)" } ?? [])
        let scope = command?.path ?? helpPath
        let hint = command == nil && group != nil && !(group?.isCommand ?? false) ? " (give the command before its flags)" : ""
        throw fail("unknown option '\(flagName.echoed)' for '\(scope)'" + Self.suggestion(flagName, known) + hint)
      }
      var text = ""
      if spec.kind.takesValue {
        if let inline {
          text = inline
        } else if index < arguments.count, !arguments[index].hasPrefix("--") {
          text = arguments[index]
          index += 1
        } else {
          if wantsHelp { continue }
          throw fail("--\(name): needs \(spec.placeholder.isEmpty ? "a value" : spec.placeholder) (\(spec.kind.expectation))")
        }
      } else if inline != nil {
        if wantsHelp { continue }
        throw fail("--\(name): takes no value")
      }
      if !wantsHelp, given.contains(where: { $0.spec.name == name && $0.global == global }) {
        throw fail("--\(name): given more than once")
      }
      given.append((spec, text, global))
    }

    if wantsHelp { return .help(group, command) }
    if version { return .version }
    guard let group else { return .bare }
    guard let command else {
      throw fail("'hookwire \(group.name)' needs a command: " + group.commands.compactMap(\.verb).joined(separator: ", "))
    }
    var parsed = ParsedCommand(spec: command)
    let required = command.positionals.filter { !$0.optional && !$0.repeats }
    if positional.count < required.count {
      let missing = required[positional.count]
      throw fail("'\(command.path)' needs <\(missing.name)> (\(missing.missing))")
    }
    if command.positionals.last?.repeats != true, positional.count > command.positionals.count {
      throw fail("unexpected argument '\(positional[command.positionals.count].echoed)' for '\(command.path)'")
    }
    parsed.positional = positional
    for (spec, text, global) in given {
      let value: FlagValue
      do { value = try spec.kind.read(text, flag: "--\(spec.name)") } catch { throw fail(error.description) }
      if global {
        parsed.globals.append((spec.name, text, value))
      } else {
        parsed.values[spec.name] = value
      }
    }
    for spec in command.flags where spec.required && parsed.values[spec.name] == nil {
      throw fail("'\(command.path)' needs \(spec.label)")
    }
    return .run(parsed)
  }

  /// `" (did you mean 'x'?)"` for the closest of `candidates` within two edits, or nothing.
  static func suggestion(_ word: String, _ candidates: [String]) -> String {
    let scored = candidates.map { ($0, distance(word, $0)) }.filter { $0.1 <= 2 }.min { $0.1 < $1.1 }
    return scored.map { " (did you mean '\($0.0)'?)" } ?? ""
  }

  /// The edit distance between two words (insertions, deletions, substitutions).
  static func distance(_ a: String, _ b: String) -> Int {
    let a = Array(a.prefix(64))
    let b = Array(b.prefix(64))
    guard !a.isEmpty else { return b.count }
    guard !b.isEmpty else { return a.count }
    var previous = Array(0...b.count)
    for i in 1...a.count {
      var current = [i] + Array(repeating: 0, count: b.count)
      for j in 1...b.count {
        current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
      }
      previous = current
    }
    return previous[b.count]
  }
}
