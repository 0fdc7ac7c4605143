import HookwireCommandLine

/// `hookwire completion bash|zsh|fish`: a completion script made from the
/// command table the parser reads, so commands and flags cannot drift.
enum CompletionScript {
  /// The `completion` command.
  static let spec = CommandSpec(
    group: "completion", summary: "print a shell completion script for bash, zsh or fish",
    positionals: [PositionalSpec(name: "shell", missing: "a shell: bash, zsh or fish", choices: ["bash", "zsh", "fish"])],
    details: """
      Load it now:        source <(hookwire completion bash)
      Or install it:      hookwire completion bash > ~/.local/share/bash-completion/completions/hookwire
                          hookwire completion zsh > "${fpath[1]}/_hookwire"
                          hookwire completion fish > ~/.config/fish/completions/hookwire.fish
      """,
    run: run)

  /// Prints the script for the shell named.
  static func run(_ invocation: Invocation) async throws -> Int32 {
    let shell = invocation.command.positional[0]
    let table = CommandTable.standard
    switch shell {
    case "bash": print(bash(table), terminator: "")
    case "zsh": print(zsh(table), terminator: "")
    case "fish": print(fish(table), terminator: "")
    default: throw UsageError("<shell>: expected one of bash, zsh, fish, got '\(shell.echoed)'")
    }
    return ExitStatus.success
  }

  /// What the scripts need from the table, flattened: the words each
  /// position offers, the flags that take a value, the value choices.
  struct Words {
    /// The path (`""`, `"webhooks"`, `"webhooks list"`) and the words offered there.
    var byPath: [(path: String, words: [String])] = []
    /// Every flag (with `--`) that takes a value.
    var valued: [String] = []
    /// Completions for a flag's value, by path and flag: choices, or `files`.
    var values: [(path: String, flag: String, words: [String]?)] = []
    /// The groups that have verbs.
    var verbGroups: [String] = []

    /// Flattens `table`.
    init(_ table: CommandTable) {
      let global = table.globalFlags.map { "--\($0.name)" } + ["--help"]
      byPath.append(("", table.groups.map(\.name) + global + ["--version"]))
      var valued = Set(table.globalFlags.filter(\.kind.takesValue).map { "--\($0.name)" })
      for flag in table.globalFlags where flag.completionWords != nil || flag.completesFiles {
        values.append(("*", "--\(flag.name)", flag.completionWords))
      }
      for group in table.groups {
        if !group.isCommand {
          verbGroups.append(group.name)
          byPath.append((group.name, group.commands.compactMap(\.verb) + ["--help"]))
        }
        for command in group.commands {
          let path = [group.name, command.verb].compactMap { $0 }.joined(separator: " ")
          let choices = command.positionals.flatMap(\.choices)
          byPath.append((path, choices + command.flags.map { "--\($0.name)" } + global))
          for flag in command.flags {
            if flag.kind.takesValue { valued.insert("--\(flag.name)") }
            if flag.completionWords != nil || flag.completesFiles { values.append((path, "--\(flag.name)", flag.completionWords)) }
          }
        }
      }
      self.valued = valued.sorted()
    }
  }

  /// The bash script: `complete -F _hookwire hookwire`.
  static func bash(_ table: CommandTable) -> String {
    let words = Words(table)
    let paths = words.byPath.map { "    \"\($0.path)\") words=\"\($0.words.joined(separator: " "))\" ;;" }.joined(separator: "\n")
    let values = words.values.map { value in
      let pattern = value.path == "*" ? "*:\(value.flag)" : "\"\(value.path)\":\(value.flag)"
      let reply = value.words.map { "COMPREPLY=( $(compgen -W \"\($0.joined(separator: " "))\" -- \"$cur\") )" } ?? "COMPREPLY=( $(compgen -f -- \"$cur\") )"
      return "    \(pattern)) \(reply); return ;;"
    }.joined(separator: "\n")
    return """
      # bash completion for hookwire \(HookwireVersion.current), made by 'hookwire completion bash'
      _hookwire() {
        local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"
        local valued=" \(words.valued.joined(separator: " ")) " verbgroups=" \(words.verbGroups.joined(separator: " ")) "
        local path="" word skip=0 i=1 words=""
        while [ "$i" -lt "$COMP_CWORD" ]; do
          word="${COMP_WORDS[i]}"
          # COMP_WORDBREAKS splits --flag=value and host:port: the piece after '=' or ':' is not a word of its own.
          if [ "$word" = "=" ] || [ "$word" = ":" ]; then skip=1
          elif [ "$skip" = 1 ]; then skip=0
          elif [[ "$word" == -* ]]; then [[ "$valued" == *" $word "* ]] && skip=1
          elif [ -z "$path" ]; then path="$word"
          elif [[ "$path" != *" "* && "$verbgroups" == *" $path "* ]]; then path="$path $word"
          fi
          i=$((i + 1))
        done
        local flag="$prev"
        if [ "$cur" = "=" ]; then cur=""; elif [ "$prev" = "=" ]; then flag="${COMP_WORDS[COMP_CWORD-2]}"; fi
        if [[ "$valued" == *" $flag "* ]]; then
          case "$path:$flag" in
      \(values)
          esac
          return
        fi
        case "$path" in
      \(paths)
        esac
        COMPREPLY=( $(compgen -W "$words" -- "$cur") )
      }
      complete -F _hookwire hookwire

      """
  }

  /// The zsh script: `compdef _hookwire hookwire`.
  static func zsh(_ table: CommandTable) -> String {
    let words = Words(table)
    let paths = words.byPath.map { "    \"\($0.path)\") offered=(\($0.words.joined(separator: " "))) ;;" }.joined(separator: "\n")
    let values = words.values.map { value in
      let pattern = value.path == "*" ? "*:\(value.flag)" : "\"\(value.path)\":\(value.flag)"
      let reply = value.words.map { "compadd -- \($0.joined(separator: " "))" } ?? "_files"
      return "    \(pattern)) \(reply); return ;;"
    }.joined(separator: "\n")
    return """
      #compdef hookwire
      # zsh completion for hookwire \(HookwireVersion.current), made by 'hookwire completion zsh'
      _hookwire() {
        local -a offered
        local valued=" \(words.valued.joined(separator: " ")) " verbgroups=" \(words.verbGroups.joined(separator: " ")) "
        local path_="" word skip=0 i=2
        while (( i < CURRENT )); do
          word="${words[i]}"
          if (( skip )); then skip=0
          elif [[ "$word" == --*=* ]]; then :
          elif [[ "$word" == -* ]]; then [[ "$valued" == *" $word "* ]] && skip=1
          elif [[ -z "$path_" ]]; then path_="$word"
          elif [[ "$path_" != *" "* && "$verbgroups" == *" $path_ "* ]]; then path_="$path_ $word"
          fi
          (( i++ ))
        done
        local flag="${words[CURRENT-1]}"
        if [[ "$valued" == *" $flag "* ]]; then
          case "$path_:$flag" in
      \(values)
          esac
          return
        fi
        case "$path_" in
      \(paths)
        esac
        compadd -- $offered
      }
      compdef _hookwire hookwire

      """
  }

  /// The fish script.
  static func fish(_ table: CommandTable) -> String {
    let words = Words(table)
    var lines = [
      "# fish completion for hookwire \(HookwireVersion.current), made by 'hookwire completion fish'",
      "function __hookwire_path",
      "    set -l tokens (commandline -opc)",
      "    set -e tokens[1]",
      "    set -l path",
      "    set -l skip 0",
      "    for token in $tokens",
      "        if test $skip = 1",
      "            set skip 0",
      "            continue",
      "        end",
      "        switch $token",
      "            case '--*=*'",
      "            case '-*'",
      "                if contains -- $token \(words.valued.joined(separator: " "))",
      "                    set skip 1",
      "                end",
      "            case '*'",
      "                if test (count $path) -eq 0",
      "                    set path $token",
      "                else if test (count $path) -eq 1; and contains -- $path[1] \(words.verbGroups.joined(separator: " "))",
      "                    set -a path $token",
      "                end",
      "        end",
      "    end",
      "    echo $path",
      "end",
      "function __hookwire_at",
      "    set -l path (__hookwire_path)",
      "    test \"$path\" = \"$argv\"",
      "end",
      "complete -c hookwire -f",
    ]
    func quoted(_ text: String) -> String { "'" + text.replacingOccurrences(of: "'", with: "\\'") + "'" }
    func flagLine(_ flag: FlagSpec, at path: String?) -> String {
      var line = "complete -c hookwire"
      if let path { line += " -n \(quoted("__hookwire_at \(path)"))" }
      line += " -l \(flag.name)"
      if flag.kind.takesValue { line += flag.completesFiles ? " -r -F" : " -x" }
      if let choices = flag.completionWords { line += " -a \(quoted(choices.joined(separator: " ")))" }
      return line + " -d \(quoted(flag.help))"
    }
    for flag in table.globalFlags { lines.append(flagLine(flag, at: nil)) }
    lines.append("complete -c hookwire -n \(quoted("__hookwire_at")) -l version -d 'print the version'")
    for group in table.groups {
      lines.append("complete -c hookwire -n \(quoted("__hookwire_at")) -a \(group.name) -d \(quoted(group.summary))")
      for command in group.commands {
        if let verb = command.verb {
          lines.append("complete -c hookwire -n \(quoted("__hookwire_at \(group.name)")) -a \(verb) -d \(quoted(command.summary))")
        }
        let path = [group.name, command.verb].compactMap { $0 }.joined(separator: " ")
        for choice in command.positionals.flatMap(\.choices) {
          lines.append("complete -c hookwire -n \(quoted("__hookwire_at \(path)")) -a \(choice)")
        }
        for flag in command.flags { lines.append(flagLine(flag, at: path)) }
      }
    }
    return lines.joined(separator: "\n") + "\n"
  }
}
