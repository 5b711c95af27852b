// Command: what one subcommand is — its words, one-line summary, usage, longer help with examples, the options
// it takes and the code that runs it. Each file in Commands/ lists its commands as values of this type, so the
// dispatcher and `--help` read the same table and cannot disagree.

/// One atendectl subcommand.
struct Command: Sendable {
    /// The words that name it, e.g. `["department", "add"]`.
    let words: [String]
    /// What comes after the words in the usage line, e.g. `ID NAME [--strategy STRATEGY]`.
    let synopsis: String
    /// One line for the command list.
    let summary: String
    /// Paragraphs and examples for `--help`.
    let details: String
    /// The command's own options (the global ones are added by the dispatcher).
    let options: [OptionSpec]
    /// What its positional arguments are, in order, for shell completion (those not listed complete nothing).
    let arguments: [ArgumentKind]
    /// Left out of the overview and of completion (it still runs and has help).
    let hidden: Bool
    /// Runs the command.
    let run: @Sendable (Invocation) throws -> Void

    /// Creates a command.
    init(_ words: [String], _ synopsis: String, summary: String, details: String = "", options: [OptionSpec] = [],
         arguments: [ArgumentKind] = [], hidden: Bool = false, run: @escaping @Sendable (Invocation) throws -> Void) {
        self.words = words
        self.synopsis = synopsis
        self.summary = summary
        self.details = details
        self.options = options
        self.arguments = arguments
        self.hidden = hidden
        self.run = run
    }

    /// The words joined, e.g. `department add`.
    var name: String { words.joined(separator: " ") }

    /// The full `--help` text.
    var help: String {
        var text = "usage: atendectl \(name)\(synopsis.isEmpty ? "" : " " + synopsis)\n\n\(summary)\n"
        if !details.isEmpty { text += "\n" + details + "\n" }
        if !options.isEmpty {
            text += "\noptions:\n" + Command.optionLines(options)
        }
        text += "\nglobal options:\n" + Command.optionLines(GlobalOptions.specs)
        return text
    }

    /// The first one-line example of `details` (after "examples:"), for the help of its group.
    var firstExample: String? {
        let lines = details.split(separator: "\n").map { String($0).trimmed }
        guard let start = lines.firstIndex(of: "examples:") else { return nil }
        var continued = false
        for line in lines[(start + 1)...] {
            defer { continued = line.hasSuffix("\\") }
            if !continued && !line.isEmpty && !line.hasSuffix("\\") { return line }
        }
        return nil
    }

    /// Option help lines, aligned.
    static func optionLines(_ options: [OptionSpec]) -> String {
        let labels = options.map { "--" + $0.name + ($0.value.map { " " + $0 } ?? "") }
        let width = labels.map(\.count).max() ?? 0
        return zip(labels, options).map { label, option in
            "  " + label.padding(toLength: width + 2, withPad: " ", startingAt: 0) + option.help + "\n"
        }.joined()
    }
}

/// A word that groups subcommands, e.g. `department`.
struct CommandGroup: Sendable {
    /// The group's word.
    let word: String
    /// One line for the command list.
    let summary: String
}
