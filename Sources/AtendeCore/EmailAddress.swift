// EmailAddress: a syntactic check for the optional e-mail of an attendant.
// It accepts the common dot-atom form (RFC 5322 atext, RFC 5321 lengths) with an ASCII host name, and refuses
// quoted local parts, IP literals and comments: they are legal but almost always a typo in a form field.
// The address is returned as typed (trimmed); nothing here proves that it can receive mail.

/// Attendants' e-mail addresses: `local@domain`, checked syntactically.
public enum EmailAddress {
    /// The longest accepted address, in bytes.
    public static let maxLength = 254
    /// The longest accepted local part (before `@`), in bytes.
    public static let maxLocalLength = 64
    /// The longest accepted domain label, in bytes.
    public static let maxLabelLength = 63

    /// Trims and checks `raw`; returns the trimmed address unchanged otherwise.
    public static func validate(_ raw: String, field: String = "email") throws(ValidationError) -> String {
        let text = raw.trimmedOfWhitespace
        let bytes = text.utf8
        if bytes.isEmpty {
            throw ValidationError(field: field, reason: "must not be empty")
        }
        if bytes.count > maxLength {
            throw ValidationError(field: field, reason: "must be at most \(maxLength) characters")
        }
        guard let at = bytes.firstIndex(of: UInt8(ascii: "@")),
              bytes[bytes.index(after: at)...].firstIndex(of: UInt8(ascii: "@")) == nil
        else {
            throw ValidationError(field: field, reason: "must contain exactly one @")
        }
        try checkLocal(bytes[..<at], field: field)
        try checkDomain(bytes[bytes.index(after: at)...], field: field)
        return String(text)
    }

    private static func checkLocal(_ local: Substring.UTF8View.SubSequence, field: String) throws(ValidationError) {
        if local.isEmpty {
            throw ValidationError(field: field, reason: "needs a name before the @")
        }
        if local.count > maxLocalLength {
            throw ValidationError(
                field: field, reason: "the part before @ must be at most \(maxLocalLength) characters")
        }
        var previous: UInt8 = UInt8(ascii: ".")  // so a leading dot counts as a doubled one
        for byte in local {
            if byte == UInt8(ascii: ".") {
                if previous == UInt8(ascii: ".") {
                    throw ValidationError(field: field, reason: "the part before @ has a misplaced dot")
                }
            } else if !isAtext(byte) {
                throw ValidationError(field: field, reason: "the part before @ has a character not allowed there")
            }
            previous = byte
        }
        if previous == UInt8(ascii: ".") {
            throw ValidationError(field: field, reason: "the part before @ has a misplaced dot")
        }
    }

    private static func checkDomain(_ domain: Substring.UTF8View.SubSequence, field: String) throws(ValidationError) {
        if domain.isEmpty {
            throw ValidationError(field: field, reason: "needs a domain after the @")
        }
        let labels = domain.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        if labels.count < 2 {
            throw ValidationError(field: field, reason: "the domain needs a dot, as in example.com")
        }
        for label in labels {
            if label.isEmpty {
                throw ValidationError(field: field, reason: "the domain has an empty label (misplaced dot)")
            }
            if label.count > maxLabelLength {
                throw ValidationError(
                    field: field, reason: "a domain label must be at most \(maxLabelLength) characters")
            }
            for byte in label where !isLetter(byte) && !isDigit(byte) && byte != UInt8(ascii: "-") {
                throw ValidationError(
                    field: field, reason: "the domain may contain only letters, digits, hyphens and dots")
            }
            if label.first == UInt8(ascii: "-") || label.last == UInt8(ascii: "-") {
                throw ValidationError(field: field, reason: "a domain label cannot start or end with a hyphen")
            }
        }
        let top = labels[labels.count - 1]
        if top.count < 2 || !top.allSatisfy(isLetter) {
            throw ValidationError(field: field, reason: "the top-level domain must be 2 letters at least")
        }
    }

    private static func isLetter(_ byte: UInt8) -> Bool {
        (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
    }

    private static func isDigit(_ byte: UInt8) -> Bool {
        byte >= 0x30 && byte <= 0x39
    }

    /// RFC 5322 atext: letters, digits and ! # $ % & ' * + - / = ? ^ _ ` { | } ~
    private static func isAtext(_ byte: UInt8) -> Bool {
        if isLetter(byte) || isDigit(byte) { return true }
        switch byte {
        case UInt8(ascii: "!"), UInt8(ascii: "#"), UInt8(ascii: "$"), UInt8(ascii: "%"), UInt8(ascii: "&"),
             UInt8(ascii: "'"), UInt8(ascii: "*"), UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "/"),
             UInt8(ascii: "="), UInt8(ascii: "?"), UInt8(ascii: "^"), UInt8(ascii: "_"), UInt8(ascii: "`"),
             UInt8(ascii: "{"), UInt8(ascii: "|"), UInt8(ascii: "}"), UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }
}
