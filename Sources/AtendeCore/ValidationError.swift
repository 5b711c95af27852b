// ValidationError: the one error every domain validator throws.
// It is plain data (field + reason) so the protocol layer can turn it into a JSON-RPC -32602
// whose `data` is `{"field": ..., "reason": ...}` and a client can show it next to the right input.

/// A validation failure naming the field and the reason, shown next to the right input.
public struct ValidationError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The wire name of the offending field, e.g. `"phone"` or `"hours.week.mon[1]"`.
    public var field: String
    /// A short human-readable explanation of what is wrong, e.g. `"unknown area code 20"`.
    public var reason: String

    /// Creates a validation error for `field` explaining `reason`.
    public init(field: String, reason: String) {
        self.field = field
        self.reason = reason
    }

    /// `"field: reason"`, for logs and test failure messages.
    public var description: String { "\(field): \(reason)" }
}

// Small text rules shared by the validators in this module.
extension StringProtocol {
    /// The text without leading and trailing Unicode whitespace.
    var trimmedOfWhitespace: SubSequence {
        guard let first = firstIndex(where: { !$0.isWhitespace }) else { return self[endIndex...] }
        let last = lastIndex(where: { !$0.isWhitespace })!
        return self[first...last]
    }
}

extension Unicode.Scalar {
    /// True for C0/C1 control characters (general category Cc), which no text field accepts.
    var isControlCharacter: Bool {
        properties.generalCategory == .control
    }

    /// True for formatting characters (general category Cf): the invisible ones (U+200B zero width space, U+00AD
    /// soft hyphen, U+2060 word joiner, U+FEFF) and the bidirectional controls (U+202A-U+202E, U+2066-U+2069) that
    /// make a name or a login look like another, or reverse the text around it where it is shown.
    var isFormatCharacter: Bool {
        properties.generalCategory == .format
    }

    /// U+200C zero-width non-joiner or U+200D zero-width joiner: format characters that change how letters join.
    var isJoinerControl: Bool { value == 0x200C || value == 0x200D }

    /// "U+202E".
    var codePoint: String {
        let hex = String(value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }
}
