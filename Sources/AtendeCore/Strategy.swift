// Strategy: how a department picks among its eligible attendants.
// The raw values are the wire spellings, so parsing is an exact match and encoding is `rawValue`.

/// How a department chooses an attendant for a waiting chat (ties always go to the longest idle).
public enum Strategy: String, Sendable, CaseIterable {
    /// The attendant with the fewest open chats (the default).
    case leastBusy = "least-busy"
    /// Attendants take turns in a fixed rotation.
    case roundRobin = "round-robin"
    /// The attendant who has waited longest since their last assignment.
    case longestIdle = "longest-idle"
    /// No automatic assignment: attendants pull chats with `conversation.take`.
    case manual

    /// The strategy a department gets when none is given.
    public static let `default`: Strategy = .leastBusy

    /// Parses a wire spelling (`least-busy`, `round-robin`, `longest-idle` or `manual`, exact case).
    public static func parse(_ raw: String, field: String = "strategy") throws(ValidationError) -> Strategy {
        if let strategy = Strategy(rawValue: raw) {
            return strategy
        }
        let names = allCases.map(\.rawValue).joined(separator: ", ")
        throw ValidationError(field: field, reason: "must be one of \(names)")
    }
}
