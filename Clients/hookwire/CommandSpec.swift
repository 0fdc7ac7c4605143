/// One flag of the command table: its name, what it takes and its help.
struct FlagSpec: Sendable {
  /// The name without `--`.
  var name: String
  /// What the value must be.
  var kind: ValueKind
  /// The value's name in usage lines (`ID`, `DURATION`); empty for a flag without a value.
  var placeholder: String
  /// One line of help.
  var help: String
  /// Whether the command needs it.
  var required = false

  /// `--name PLACEHOLDER`, as help and usage lines write it.
  var label: String { placeholder.isEmpty ? "--\(name)" : "--\(name) \(placeholder)" }

  /// The words a shell may complete as the value (choices), if any.
  var completionWords: [String]? {
    if case .choice(let words) = kind { return words }
    return nil
  }

  /// Whether a shell should complete the value as a file name.
  var completesFiles: Bool {
    switch kind {
    case .file, .payload: true
    default: false
    }
  }
}

/// One positional argument of a command.
struct PositionalSpec: Sendable {
  /// Its name in usage lines, dash-case (`webhook-id`).
  var name: String
  /// How a message names it when it is missing (`a webhook id`).
  var missing: String
  /// Whether it may be left out.
  var optional = false
  /// Whether it takes every remaining word.
  var repeats = false
  /// The words it may be, when it is one of a few (for completion).
  var choices: [String] = []
}

/// One command: where it sits in the tree, what it takes, its help and
/// what runs it. The parser, the help and the completion scripts all read
/// these, so they cannot disagree.
struct CommandSpec: Sendable {

  /// The group (`webhooks`).
  var group: String
  /// The verb, nil for a group that is a command itself.
  var verb: String?
  /// One line for the group's list of commands.
  var summary: String
  /// The positional arguments, in order.
  var positionals: [PositionalSpec] = []
  /// The command's own flags, in the order help lists them.
  var flags: [FlagSpec] = []
  /// More help after the flags.
  var details = ""
  /// Runs the command; returns the exit status.
  var run: @Sendable (Invocation) async throws -> Int32

  /// `hookwire webhooks list`.
  var path: String { "hookwire \(group)" + (verb.map { " \($0)" } ?? "") }

  /// The usage line: the path, the positionals and the flags.
  var usage: String {
    var words = [path]
    for positional in positionals {
      let name = "<\(positional.name)>" + (positional.repeats ? "..." : "")
      words.append(positional.optional ? "[\(name)]" : name)
    }
    for flag in flags { words.append(flag.required ? flag.label : "[\(flag.label)]") }
    return words.joined(separator: " ")
  }

  /// The flag named `name`, if the command has one.
  func flag(_ name: String) -> FlagSpec? { flags.first { $0.name == name } }
}

/// A group of commands (`webhooks`), or a command standing alone (`health`).
struct GroupSpec: Sendable {
  /// The first word of its commands (`webhooks`).
  var name: String
  /// One line for the root help.
  var summary: String
  /// The commands, in the order help lists them.
  var commands: [CommandSpec]

  /// Whether the group is a single command without a verb.
  var isCommand: Bool { commands.count == 1 && commands[0].verb == nil }

  /// The command `verb`, if the group has it.
  func command(_ verb: String) -> CommandSpec? { commands.first { $0.verb == verb } }
}
