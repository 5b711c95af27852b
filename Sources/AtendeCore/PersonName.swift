// PersonName: the rule for an attendant's display name ("first name and surname").
// Names are normalized rather than merely checked (trimmed, whitespace runs collapsed to one space), because
// they are pasted from spreadsheets and e-mail signatures; the normalized text is what gets stored.

/// Attendant names: at least two words with letters, normalized spacing, at most 120 characters.
public enum PersonName {
    /// The longest accepted name, in characters, after normalization.
    public static let maxLength = 120

    /// Trims, collapses inner whitespace runs (including tabs and line breaks) to one space, and checks that
    /// the result has at least two words containing a letter, at most 120 characters and no control or formatting
    /// (Cf: invisible, bidirectional) characters.
    /// Returns the normalized name.
    public static func validate(_ raw: String, field: String = "name") throws(ValidationError) -> String {
        // Bound the work before looking at characters: no valid name is anywhere near this long.
        if raw.utf8.count > maxLength * 16 {
            throw ValidationError(field: field, reason: "must be at most \(maxLength) characters")
        }
        var words: [Substring] = []
        var lettered = 0
        for word in raw.split(whereSeparator: \.isWhitespace) {
            for scalar in word.unicodeScalars where scalar.isControlCharacter {
                throw ValidationError(field: field, reason: "must not contain control characters")
            }
            // A right-to-left override shows "Ana Souza" reversed around it, wherever the name is shown. The
            // zero-width joiner and non-joiner stay: Persian and Indic names, and emoji sequences, need them.
            if let format = word.unicodeScalars.first(where: { $0.isFormatCharacter && !$0.isJoinerControl }) {
                throw ValidationError(field: field, reason: "must not contain invisible or bidirectional formatting "
                    + "characters (\(format.codePoint))")
            }
            if word.contains(where: \.isLetter) { lettered += 1 }
            words.append(word)
        }
        if words.isEmpty {
            throw ValidationError(field: field, reason: "must not be empty")
        }
        if lettered < 2 {
            throw ValidationError(field: field, reason: "must have a first name and a surname (two words at least)")
        }
        let name = words.joined(separator: " ")
        // Scalars, not grapheme clusters: a cluster may carry any number of combining marks.
        if name.unicodeScalars.count > maxLength {
            throw ValidationError(field: field, reason: "must be at most \(maxLength) characters")
        }
        return name
    }
}
