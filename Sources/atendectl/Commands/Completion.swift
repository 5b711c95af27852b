// Completion: `atendectl completion bash`, which prints the bash completion script generated from the table of
// commands (see Completion/BashCompletion.swift). The packaged config/atendectl.bash is its output. It stays out
// of the command list and of completion itself, but the overview ends with a line saying how to use it.

/// `completion`.
enum CompletionCommand {
    static let all: [Command] = [
        Command(["completion"], "bash",
                summary: "print the bash completion script (packaged as config/atendectl.bash)",
                details: """
                    The script completes commands, subcommands, each command's options, strategies and
                    presences, file names, and department ids (asked of the daemon with 'department list
                    --json' when it answers within 2 seconds; silently none otherwise).

                    examples:
                      atendectl completion bash > config/atendectl.bash
                      source <(atendectl completion bash)
                    """,
                arguments: [.words(["bash"])], hidden: true,
                run: completion),
    ]

    static func completion(_ run: Invocation) throws {
        let shell = try run.arguments.positional(0, "the shell (bash)")
        try run.arguments.expectPositionals(atMost: 1)
        guard shell == "bash" else { throw Failure.usage("only bash completion is available, not '\(shell)'") }
        Output.raw(BashCompletion.script(commands: Atendectl.commands, groups: Atendectl.groups))
    }
}
