// Login: the rule for attendant logins, usually an e-mail address but any token without spaces works.
// Uniqueness is case-insensitive while the stored login keeps the case it was typed in, so the rule comes
// with a `key` used by the store's unique index and by lookups at `auth.login`. Both are in Unicode NFC: "josé"
// typed with a precomposed é and with e + U+0301 is one login, and since SQLite and PostgreSQL compare the key's
// bytes (Swift's == would call the two spellings equal), the key must be one byte string for both. Invisible and
// bidirectional formatting characters are refused, so no two logins differ only in what cannot be seen.

import Foundation

/// Attendant logins: 3...254 characters without whitespace, control or formatting characters, unique ignoring
/// case, in NFC.
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
            if let format = character.unicodeScalars.first(where: \.isFormatCharacter) {
                throw ValidationError(field: field, reason: "must not contain invisible or bidirectional formatting "
                    + "characters (\(format.codePoint))")
            }
        }
        let count = login.count
        if count < minLength {
            throw ValidationError(field: field, reason: "must be at least \(minLength) characters")
        }
        if count > maxLength {
            throw ValidationError(field: field, reason: "must be at most \(maxLength) characters")
        }
        return String(login).precomposedStringWithCanonicalMapping
    }

    /// The case-insensitive uniqueness key of a login: its lower-cased form, in NFC (before and after lowering, as
    /// a lowered letter need not be composed).
    public static func key(_ login: String) -> String {
        login.precomposedStringWithCanonicalMapping.lowercased().precomposedStringWithCanonicalMapping
    }
}
