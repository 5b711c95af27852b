// Login: the rule for attendant logins, usually an e-mail address but any token without spaces works.
// Uniqueness is case-insensitive while the stored login keeps the case it was typed in, so the rule comes
// with a `key` used by the store's unique index and by lookups at `auth.login`.

/// Attendant logins: 3...254 characters without whitespace or control characters, unique ignoring case.
public enum Login {
    /// The shortest accepted login, in characters.
    public static let minLength = 3
    /// The longest accepted login, in characters (the longest e-mail address).
    public static let maxLength = 254

    /// Trims surrounding whitespace and checks length and characters; returns the trimmed login.
    public static func validate(_ raw: String, field: String = "login") throws(ValidationError) -> String {
        if raw.utf8.count > maxLength * 16 {
            throw ValidationError(field: field, reason: "must be at most \(maxLength) characters")
        }
        let login = raw.trimmedOfWhitespace
        if login.isEmpty {
            throw ValidationError(field: field, reason: "must not be empty")
        }
        for character in login {
            if character.isWhitespace {
                throw ValidationError(field: field, reason: "must not contain spaces")
            }
            if character.unicodeScalars.contains(where: \.isControlCharacter) {
                throw ValidationError(field: field, reason: "must not contain control characters")
            }
        }
        let count = login.count
        if count < minLength {
            throw ValidationError(field: field, reason: "must be at least \(minLength) characters")
        }
        if count > maxLength {
            throw ValidationError(field: field, reason: "must be at most \(maxLength) characters")
        }
        return String(login)
    }

    /// The case-insensitive uniqueness key of a (validated) login: its lower-cased form.
    public static func key(_ login: String) -> String {
        login.lowercased()
    }
}
