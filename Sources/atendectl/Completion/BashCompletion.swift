// BashCompletion: the bash completion script for atendectl, written from the table of commands so that it cannot
// fall behind it: the commands and subcommands, each command's options, the values some options take (strategies,
// presences, files) and department ids, asked of the daemon with `department list --json` under a short timeout
// and silently skipped when it does not answer. config/atendectl.bash is this script's output, checked by a test.
// The fixed part (reading the words typed, offering values) is shell; the generated part is four `case` tables.

/// Writes the bash completion script.
enum BashCompletion {
    /// The whole script.
    static func script(commands: [Command], groups: [CommandGroup]) -> String {
        let visible = commands.filter { !$0.hidden }
        var firstWords: [String] = []
        for command in visible where !firstWords.contains(command.words[0]) { firstWords.append(command.words[0]) }
        var text = header
        text += "_atendectl_top_words=" + quoted(firstWords + ["help"], indent: 4) + "\n\n"
        text += function("_atendectl_subcommands", "The subcommands of group $1.", subject: "$1",
                         cases: groups.map { group in
                             let members = visible.filter { $0.words.count > 1 && $0.words[0] == group.word }
                             return ([group.word], "echo " + quoted(members.map { $0.words[1] }, indent: 12))
                         })
        text += "# The command named by the words $1 $2, if any.\n_atendectl_command() {\n"
            + "    case \"$1 $2\" in\n"
            + caseLine(visible.filter { $0.words.count == 2 }.map(\.name), "echo \"$1 $2\"; return")
            + "    esac\n    case \"$1\" in\n"
            + caseLine(visible.filter { $0.words.count == 1 }.map(\.name), "echo \"$1\"")
            + "    esac\n}\n\n"
        text += function("_atendectl_options", "The options of command $1.", subject: "$1",
                         cases: visible.filter { !$0.options.isEmpty }.map { command in
                             ([command.name], "echo " + quoted(command.options.map { "--" + $0.name }, indent: 12))
                         })
        var valueCases: [([String], String)] = GlobalOptions.specs.filter { $0.value != nil }.map { option in
            (["* --\(option.name)"], "echo '\(describe(ArgumentKind.of(option)))'")
        }
        for command in visible {
            for option in command.options where option.value != nil {
                let kind = describe(ArgumentKind.of(option))
                valueCases.append(([command.name + " --" + option.name], "echo '\(kind)'"))
            }
        }
        text += function("_atendectl_option", "What the value of option $2 of command $1 is; fails for a flag.",
                         subject: "$1 $2", cases: merged(valueCases), otherwise: "return 1")
        var argumentCases: [([String], String)] = []
        for command in visible {
            for (index, kind) in command.arguments.enumerated() where kind != .none {
                argumentCases.append((["\(command.name) \(index)"], "echo '\(describe(kind))'"))
            }
        }
        text += function("_atendectl_argument", "What positional argument $2 (from 0) of command $1 is.",
                         subject: "$1 $2", cases: merged(argumentCases))
        return text + driver
    }

    /// A kind as the shell functions read it: `none`, `department`, `departments`, `file` or `words A B C`.
    static func describe(_ kind: ArgumentKind) -> String {
        switch kind {
        case .none: return "none"
        case .department: return "department"
        case .departments: return "departments"
        case .file: return "file"
        case .words(let words): return "words " + words.joined(separator: " ")
        }
    }

    /// Cases with the same action joined into one pattern list, in the order of their first appearance.
    static func merged(_ cases: [([String], String)]) -> [([String], String)] {
        var result: [([String], String)] = []
        for (patterns, action) in cases {
            if let index = result.firstIndex(where: { $0.1 == action }) {
                result[index].0 += patterns
            } else {
                result.append((patterns, action))
            }
        }
        return result
    }

    /// A shell function that is one `case` on `subject`.
    static func function(_ name: String, _ comment: String, subject: String, cases: [([String], String)],
                         otherwise: String? = nil) -> String {
        var text = "# \(comment)\n\(name)() {\n    case \"\(subject)\" in\n"
        for (patterns, action) in cases { text += caseLine(patterns, action) }
        if let otherwise { text += "        *) \(otherwise) ;;\n" }
        return text + "    esac\n}\n\n"
    }

    /// `'a'|'b') action ;;`, the patterns wrapped with `|\` and the action moved to its own line to keep lines
    /// short; a pattern starting with "* " keeps its star unquoted.
    static func caseLine(_ patterns: [String], _ action: String) -> String {
        let quoted = patterns.map { $0.hasPrefix("* ") ? "*'" + $0.dropFirst() + "'" : "'" + $0 + "'" }
        var lines = [""]
        for pattern in quoted {
            let piece = (lines[lines.count - 1].isEmpty ? "" : "|") + pattern
            if lines[lines.count - 1].count + piece.count > 100 {
                lines[lines.count - 1] += "|\\"
                lines.append(pattern)
            } else {
                lines[lines.count - 1] += piece
            }
        }
        let last = lines[lines.count - 1].count + action.count
        return lines.map { "        " + $0 }.joined(separator: "\n")
            + (last > 96 ? ")\n            \(action) ;;\n" : ") \(action) ;;\n")
    }

    /// Words in single quotes, wrapped onto lines indented by `indent` (a newline inside the quotes is just a
    /// separator to `compgen -W`).
    static func quoted(_ words: [String], indent: Int) -> String {
        var lines = [""]
        for word in words {
            if !lines[lines.count - 1].isEmpty && lines[lines.count - 1].count + word.count > 96 - indent {
                lines.append("")
            }
            lines[lines.count - 1] += (lines[lines.count - 1].isEmpty ? "" : " ") + word
        }
        return "'" + lines.joined(separator: "\n" + String(repeating: " ", count: indent)) + "'"
    }

    static let header = """
        # bash completion for atendectl, the command-line client of the atende chat-routing daemon.
        # Generated by `atendectl completion bash` from atendectl's table of commands: do not edit by hand; run
        # `atendectl completion bash > config/atendectl.bash` after changing a command. `make install` copies it to
        # /usr/share/bash-completion/completions/atendectl; to try it: source config/atendectl.bash

        # The department ids, when the daemon answers within 2 seconds; nothing otherwise (no error is shown).
        # $1 is the program, the rest the --address/--socket/--token options typed on the line.
        _atendectl_department_ids() {
            local program=$1 out pattern='"id":"([a-z0-9-]+)"'
            shift
            if command -v timeout >/dev/null 2>&1; then
                out=$(timeout 2 "$program" "$@" department list --json 2>/dev/null </dev/null) || return 0
            else
                out=$("$program" "$@" department list --json 2>/dev/null </dev/null) || return 0
            fi
            while [[ $out =~ $pattern ]]; do
                printf '%s\\n' "${BASH_REMATCH[1]}"
                out=${out#*"${BASH_REMATCH[0]}"}
            done
        }


        """

    static let driver = """
        # Fills COMPREPLY with what fits a value of kind $1 (see _atendectl_option), for the word $cur.
        _atendectl_offer() {
            local ids
            case $1 in
                file)
                    compopt -o filenames 2>/dev/null
                    COMPREPLY=($(compgen -f -- "$cur")) ;;
                department)
                    ids=$(_atendectl_department_ids "$program" "${global[@]}")
                    COMPREPLY=($(compgen -W "$ids" -- "$cur")) ;;
                departments)
                    local head=""
                    [[ $cur == *,* ]] && head=${cur%,*},
                    ids=$(_atendectl_department_ids "$program" "${global[@]}")
                    COMPREPLY=($(compgen -P "$head" -W "$ids" -- "${cur##*,}")) ;;
                words\\ *)
                    COMPREPLY=($(compgen -W "${1#words }" -- "$cur")) ;;
            esac
        }

        _atendectl() {
            local cur prev words cword
            if declare -F _init_completion >/dev/null 2>&1; then
                _init_completion -n =: || return
            else
                # Without bash-completion: the line up to the cursor split at blanks, so `--sort=wa` stays a word.
                local line=${COMP_LINE:0:COMP_POINT}
                read -ra words <<< "$line"
                [[ ${#words[@]} -eq 0 || $line == *[[:space:]] ]] && words+=("")
                cword=$((${#words[@]} - 1))
                cur=${words[cword]}
            fi
            COMPREPLY=()
            local program=${words[0]/#\\~/$HOME}
            local -a global=() arguments=()
            local command="" used=0 expect="" ended="" word i kind
            # Walk the words before the cursor: global options, the command's words, its options and arguments.
            for ((i = 1; i < cword; i++)); do
                word=${words[i]}
                if [[ -n $expect ]]; then
                    [[ $expect == --address || $expect == --socket || $expect == --token ]] \\
                        && global+=("$expect" "$word")
                    expect=""
                elif [[ -z $ended && $word == -- ]]; then
                    ended=1
                elif [[ -z $ended && $word == --*=* ]]; then
                    [[ $word == --address=* || $word == --socket=* || $word == --token=* ]] && global+=("$word")
                elif [[ -z $ended && $word == -?* ]]; then
                    _atendectl_option "$command" "$word" >/dev/null && expect=$word
                elif [[ -z $command && ${#arguments[@]} -eq 0 && $word == help ]]; then
                    :
                else
                    arguments+=("$word")
                    if [[ -z $command ]]; then
                        command=$(_atendectl_command "${arguments[@]:0:2}")
                        [[ -n $command ]] && used=${#arguments[@]}
                    fi
                fi
            done

            if [[ -n $expect ]]; then
                kind=$(_atendectl_option "$command" "$expect") && _atendectl_offer "$kind"
                return
            fi
            if [[ -z $ended && $cur == --*=* ]]; then
                kind=$(_atendectl_option "$command" "${cur%%=*}") || return
                cur=${cur#*=}
                _atendectl_offer "$kind"
                return
            fi
            if [[ -z $ended && $cur == -* ]]; then
                COMPREPLY=($(compgen -W "$(_atendectl_options "$command") --socket --token --json --help" -- "$cur"))
                return
            fi
            if [[ -z $command ]]; then
                if [[ ${#arguments[@]} -eq 0 ]]; then
                    COMPREPLY=($(compgen -W "$_atendectl_top_words" -- "$cur"))
                elif [[ ${#arguments[@]} -eq 1 ]]; then
                    COMPREPLY=($(compgen -W "$(_atendectl_subcommands "${arguments[0]}")" -- "$cur"))
                fi
                return
            fi
            kind=$(_atendectl_argument "$command" $((${#arguments[@]} - used)))
            [[ -n $kind ]] && _atendectl_offer "$kind"
        }

        complete -F _atendectl atendectl

        """
}
