// Atendectl: the dispatcher. It pulls out the global options, finds the command by its words in the table of
// commands (one list per file in Commands/), parses the command's options, runs it, and turns whatever went wrong
// into one line on stderr and a meaningful exit code (see Failure). `--help` works at every level.

import AtendeProtocol
import Foundation

/// The atendectl program.
enum Atendectl {
    /// Every command, in the order of the overview.
    static let commands: [Command] = SystemCommands.all + DepartmentCommands.all + AttendantCommands.all
        + SettingsCommands.all + StatsCommands.all + TopCommand.all + ExplainCommand.all + MetricsCommand.all
        + LoginCommand.all + ChatCommands.all + AttendCommand.all + RecordCommands.all + CompletionCommand.all
        + SupervisionCommands.all + AdminCommands.all

    /// This build's version (the same as atended's).
    static let version = "0.1.0"

    /// The words that group subcommands.
    static let groups: [CommandGroup] = [
        CommandGroup(word: "department", summary: "create, list, edit and delete departments (admin)"),
        CommandGroup(word: "attendant",
                     summary: "create, list, show, edit, (de)activate, unlock and delete attendants (admin)"),
        CommandGroup(word: "settings", summary: "show and change the account settings"),
        CommandGroup(word: "admin", summary: "create, list, edit and delete admin accounts (admin)"),
        CommandGroup(word: "conversation",
                     summary: "list conversations, a waiting chat's position, and set a chat's priority"),
    ]

    /// Runs atendectl with `arguments` (the program name first); returns the exit code.
    static func run(_ arguments: [String], environment: [String: String]) -> Int32 {
        TimeText.useZone(environment: environment)
        // With --json a daemon's error is written as JSON too (on stderr), for the script that asked for JSON.
        var wantsJSON = false
        do {
            var global = try GlobalOptions.extract(Array(arguments.dropFirst()))
            wantsJSON = global.json
            if global.rest == ["--version"] || global.rest == ["-V"] {
                Output.line("atendectl \(version)")
                return ExitCode.ok
            }
            if global.rest.first == "help" {
                global.rest.removeFirst()
                global.help = true
            }
            let words = global.rest.prefix { !$0.hasPrefix("-") }
            if words.isEmpty && !global.help { try explainMissingCommand(global) }
            guard let command = find(Array(words)) else {
                return unknown(Array(words), help: global.help)
            }
            if global.help {
                Output.raw(command.help)
                return ExitCode.ok
            }
            if let problem = TimeText.zoneProblem(environment: environment) { throw Failure.usage(problem) }
            let rest = Array(global.rest.dropFirst(command.words.count))
            let parsed = try ParsedArguments(rest, specs: command.options, command: command.name)
            let invocation = Invocation(command: command, arguments: parsed, global: global,
                                        environment: environment)
            try command.run(invocation)
            return ExitCode.ok
        } catch {
            let failure = Failure.from(error)
            if wantsJSON, case .daemon(let rpcError, _) = failure {
                var object: JSONObject = ["code": .int(Int64(rpcError.code)), "message": .string(rpcError.message)]
                if let data = rpcError.data { object["data"] = data }
                Output.stderr(JSON.object(["error": .object(object)]).text + "\n")
                return failure.exitCode
            }
            var lines = failure.lines
            Output.diagnostic(lines.removeFirst())
            for line in lines { Output.stderr(line + "\n") }
            return failure.exitCode
        }
    }

    /// No command words came: says why when the command line shows it (an option atendectl does not know before
    /// the command, or the command taken as the value of a global option that had none); else the overview follows.
    static func explainMissingCommand(_ global: GlobalOptions) throws(Failure) {
        if let first = global.rest.first, first.hasPrefix("-"), first != "--" {
            let name = GlobalOptions.splitOption(first).0
            throw .usage("unknown option '\(name)' before the command (global options: --address, --socket, --token, "
                + "--json, --help; a command's own options go after it)")
        }
        let commandWords = Set(commands.compactMap(\.words.first))
        if global.rest.isEmpty,
           let (option, value) = global.separateValues.last(where: { commandWords.contains($0.value) }) {
            throw .usage("\(option) needs a value: '\(value)' was taken as it, so COMMAND is missing "
                + "(atendectl \(option) \(GlobalOptions.placeholder(option)) \(value) ...)")
        }
    }

    /// The command whose words start `words` (the longest match).
    static func find(_ words: [String]) -> Command? {
        commands.filter { words.starts(with: $0.words) }.max { $0.words.count < $1.words.count }
    }

    /// Help for a group or the overview, or a usage error for words that name nothing.
    static func unknown(_ words: [String], help: Bool) -> Int32 {
        if words.isEmpty {
            if help {
                Output.raw(overview)
                return ExitCode.ok
            }
            Output.stderr(overview)
            return ExitCode.usage
        }
        // A group inside a group ("settings holidays"): its own list.
        if words.count >= 2, groups.contains(where: { $0.word == words[0] }),
           commands.contains(where: { $0.words.count > 2 && Array($0.words.prefix(2)) == Array(words.prefix(2)) }) {
            let prefix = Array(words.prefix(2))
            let text = subgroupHelp(prefix)
            if help && words.count == 2 {
                Output.raw(text)
                return ExitCode.ok
            }
            let name = prefix.joined(separator: " ")
            Output.diagnostic(words.count == 2 ? "'\(name)' needs a subcommand"
                : "unknown subcommand '\(words[2])' of '\(name)'")
            Output.stderr(text)
            return ExitCode.usage
        }
        if let group = groups.first(where: { $0.word == words[0] }) {
            let text = groupHelp(group)
            if help && words.count == 1 {
                Output.raw(text)
                return ExitCode.ok
            }
            let problem = words.count == 1 ? "'\(group.word)' needs a subcommand"
                : "unknown subcommand '\(words[1])' of '\(group.word)'"
            Output.diagnostic(problem)
            Output.stderr(text)
            return ExitCode.usage
        }
        Output.diagnostic("unknown command '\(words[0])' (see: atendectl --help)")
        return ExitCode.usage
    }

    /// The list of a group's subcommands.
    static func groupHelp(_ group: CommandGroup) -> String {
        let members = commands.filter { $0.words.first == group.word }
        let examples = members.compactMap(\.firstExample).map { "  " + $0 + "\n" }.joined()
        return "usage: atendectl \(group.word) SUBCOMMAND [options]\n\n\(group.summary)\n\nsubcommands:\n"
            + commandLines(members) + (examples.isEmpty ? "" : "\nexamples:\n" + examples)
            + "\nRun 'atendectl \(group.word) SUBCOMMAND --help' for details.\n"
    }

    /// The list of the subcommands under two words, e.g. `settings holidays`.
    static func subgroupHelp(_ prefix: [String]) -> String {
        let name = prefix.joined(separator: " ")
        let members = commands.filter { $0.words.count > prefix.count && Array($0.words.prefix(prefix.count)) == prefix }
        return "usage: atendectl \(name) SUBCOMMAND [options]\n\nsubcommands:\n" + commandLines(members)
            + "\nRun 'atendectl \(name) SUBCOMMAND --help' for details.\n"
    }

    /// The overview: every command with its summary.
    static var overview: String {
        """
        usage: atendectl [--address LIST | --socket PATH] [--token TOKEN] [--json] COMMAND [options]

        The command-line client of atended, the atende chat-routing daemon.

        commands:
        \(commandLines(commands.filter { !$0.hidden }))
        global options:
        \(Command.optionLines(GlobalOptions.specs))
        Admin commands authenticate with --token, else $ATENDE_ADMIN_TOKEN, else as the daemon's own user (or root).
        Over TCP (--address HOST:PORT, the daemon's `listen`) there is no user to go by: admin needs the token.
        With two daemons on one PostgreSQL database, list both (--address db1:7070,db2:7070): only the leader
        accepts connections, so the first that does is the one serving; attend and top walk the list again
        when the connection is lost.
        Attendant commands log in with --login LOGIN (or $ATENDE_LOGIN); the password is read from
        $ATENDE_PASSWORD, a prompt without echo, or the first line of stdin. It is never an argument.

        exit codes: 0 ok, 1 the daemon answered with an error, 2 usage error, 3 cannot connect or connection lost,
        4 authentication failed or throttled.

        examples:
          atendectl ping
          atendectl department add sales Sales
          atendectl top
          atendectl attend --login ana@example.com

        Run 'atendectl COMMAND --help' for a command's options and examples; 'atendectl --version' prints the
        version. Shell completion: source <(atendectl completion bash), or install config/atendectl.bash.

        """
    }

    /// "  words synopsis   summary" lines.
    static func commandLines(_ list: [Command]) -> String {
        let labels = list.map(\.name)
        let width = (labels.map(\.count).max() ?? 0) + 2
        return zip(labels, list).map { "  " + $0.padded(to: width) + $1.summary + "\n" }.joined()
    }
}
