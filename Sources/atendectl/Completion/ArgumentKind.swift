// ArgumentKind: what a positional argument or an option's value is, as far as a shell can help typing it — a
// department id (asked of the daemon), a file, one of a few fixed words, or free text. Commands declare it for
// their positional arguments; for options it follows from the placeholder their help already shows, so the
// table of commands stays the single place that describes the command line.

/// What a shell can complete for an argument.
enum ArgumentKind: Sendable, Equatable {
    /// Free text: nothing to offer.
    case none
    /// One department id, read from `atendectl department list --json` when the daemon answers.
    case department
    /// A comma list of department ids.
    case departments
    /// A file name.
    case file
    /// One of these words.
    case words([String])

    /// The presences an attendant list can be filtered by.
    static let presences = ["online", "away", "offline", "off-hours"]

    /// The kind of `option`'s value (`.none` for a flag or free text).
    static func of(_ option: OptionSpec) -> ArgumentKind {
        switch (option.name, option.value) {
        case (_, nil): return .none
        case ("sort", _): return .words(Board.SortKey.allCases.map(\.rawValue))
        case (_, "STRATEGY"): return .words(DepartmentCommands.strategies)
        case (_, "PRESENCE"): return .words(presences)
        case (_, "PATH"), (_, "FILE"): return .file
        case (_, "ID,ID"): return .departments
        case ("department", "ID"), (_, "DEPARTMENT"): return .department
        default: return .none
        }
    }
}
