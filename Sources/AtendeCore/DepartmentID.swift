// DepartmentID: the rule for department identifiers, which are slugs chosen by the admin.
// Ids are compared byte for byte and appear in URLs and logs, so they are not trimmed or case-folded:
// anything outside [a-z0-9-]{1,64} is rejected rather than silently rewritten.

/// Department identifiers: slugs matching `[a-z0-9-]{1,64}`.
public enum DepartmentID {
    /// The longest accepted id, in characters.
    public static let maxLength = 64

    /// Returns `raw` unchanged when it is a slug of 1...64 characters from `a-z`, `0-9` and `-`.
    public static func validate(_ raw: String, field: String = "id") throws(ValidationError) -> String {
        let utf8 = raw.utf8
        if utf8.isEmpty {
            throw ValidationError(field: field, reason: "must not be empty")
        }
        for byte in utf8 {
            let ok = (byte >= 0x61 && byte <= 0x7A) || (byte >= 0x30 && byte <= 0x39) || byte == 0x2D
            if !ok {
                throw ValidationError(field: field, reason: "may contain only a-z, 0-9 and '-'")
            }
        }
        if utf8.count > maxLength {
            throw ValidationError(field: field, reason: "must be at most \(maxLength) characters")
        }
        return raw
    }
}
