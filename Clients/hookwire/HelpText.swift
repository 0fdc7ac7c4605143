/// Help made from the command table: the root, a group, or one command.
/// Help goes to standard output and exits 0.
enum HelpText {
  /// The label column's width (as swift-argument-parser's).
  static let labelWidth = 26

  /// Two-space-indented `label  help` lines; a label too long for its
  /// column puts the help on the next line.
  static func rows(_ rows: [(label: String, help: String)]) -> String {
    rows.map { row in
      let label = "  " + row.label
      if label.count < labelWidth { return label + String(repeating: " ", count: labelWidth - label.count) + row.help }
      return label + "\n" + String(repeating: " ", count: labelWidth) + row.help
    }.joined(separator: "\n")
  }

  /// One line per flag, with choices and whether it is required.
  static func flagLines(_ flags: [FlagSpec]) -> String {
    rows(flags.map { flag in
      var help = flag.help
      if case .choice(let words) = flag.kind { help += " (" + words.joined(separator: "|") + ")" }
      if flag.required { help += " (required)" }
      return (flag.label, help)
    })
  }

  /// What output looks like, for the root help.
  static let output = """
    Output:
      On a terminal, lists are aligned tables with a header; piped, they are
      tab-separated lines without a header, times in RFC 3339 (UTC). With --json,
      every command prints JSON Lines: one object per record for lists, searches
      and tails, one object for a single result, with every field of the message
      (times as RFC 3339, null when unset). When a page is cut, a last line says
      'more: --page-token TOKEN': on standard output after a table on a terminal,
      on standard error when piped or with --json. --all fetches every page.
    """

  /// The root help.
  static func root(_ table: CommandTable) -> String {
    """
    usage: hookwire [global flags] <command> [arguments]

    Commands:
    \(rows(table.groups.map { group in
      (group.name, group.summary + (group.isCommand ? "" : " (" + group.commands.compactMap(\.verb).joined(separator: ", ") + ")"))
    }))

    \(GlobalOptions.help)
    \(flagLines([FlagSpec(name: "version", kind: .none, placeholder: "", help: "print 'hookwire \(HookwireVersion.current)' and exit")]))

    \(output)

    \(ExitStatus.help)

    Run 'hookwire <command> --help' for a command's flags, and 'hookwire completion bash|zsh|fish'
    for a shell completion script.
    """
  }

  /// A group's help: its commands and their usage lines.
  static func group(_ group: GroupSpec) -> String {
    if group.isCommand { return command(group.commands[0]) }
    let lines = group.commands.map { command in
      "  \(command.verb ?? "")" + String(repeating: " ", count: max(2, 18 - (command.verb ?? "").count)) + command.summary + "\n      " + command.usage
    }
    return """
      usage: hookwire \(group.name) <command> [flags]

      \(group.summary.prefix(1).uppercased() + group.summary.dropFirst()).

      Commands:
      \(lines.joined(separator: "\n"))

      Run 'hookwire \(group.name) <command> --help' for a command's flags, 'hookwire --help' for the global flags.
      """
  }

  /// One command's help: usage, what it does, its flags, the global flags.
  static func command(_ command: CommandSpec) -> String {
    var text = "usage: \(command.usage)\n\n\(command.summary.prefix(1).uppercased() + command.summary.dropFirst()).\n"
    if !command.details.isEmpty { text += "\n\(command.details)\n" }
    if !command.flags.isEmpty { text += "\nFlags:\n" + flagLines(command.flags) + "\n" }
    return text + "\n" + GlobalOptions.help
  }
}
