// PasswordPolicy: the strength rule for attendant passwords, checked before hashing.
// Passwords are never trimmed or normalized (what was typed is what gets hashed) and reasons never echo them.
// Control characters are refused because crypt(3) takes C strings: a NUL would silently cut the password.

/// Attendant passwords: 8...256 characters with an ASCII digit, an upper-case and a lower-case letter.
public enum PasswordPolicy {
    /// The shortest accepted password, in characters.
    public static let minLength = 8
    /// The longest accepted password, in characters (bounds hashing work).
    public static let maxLength = 256

    /// Throws when `password` is too short or long, lacks a digit, an upper-case or a lower-case letter
    /// (Unicode letters count), or contains control characters.
    public static func check(_ password: String, field: String = "password") throws(ValidationError) {
        if password.utf8.count > maxLength * 16 {
            throw ValidationError(field: field, reason: "must be at most \(maxLength) characters")
        }
        var count = 0
        var hasDigit = false
        var hasUpper = false
        var hasLower = false
        for character in password {
            count += 1
            if character.unicodeScalars.contains(where: \.isControlCharacter) {
                throw ValidationError(field: field, reason: "must not contain control characters")
            }
            if let ascii = character.asciiValue, ascii >= 0x30, ascii <= 0x39 { hasDigit = true }
            if character.isUppercase { hasUpper = true }
            if character.isLowercase { hasLower = true }
        }
        if count < minLength {
            throw ValidationError(field: field, reason: "must be at least \(minLength) characters")
        }
        if count > maxLength {
            throw ValidationError(field: field, reason: "must be at most \(maxLength) characters")
        }
        if !hasDigit {
            throw ValidationError(field: field, reason: "must contain a digit (0-9)")
        }
        if !hasUpper {
            throw ValidationError(field: field, reason: "must contain an upper-case letter")
        }
        if !hasLower {
            throw ValidationError(field: field, reason: "must contain a lower-case letter")
        }
    }
}
