// ContactSearch: how the agenda is searched by name. A Brazilian agenda is full of accents, and people type
// without them: "lucia" must find "Lúcia", "JOAO" "João". Names and the query are compared folded: ASCII letters
// lower-cased, the accented Latin letters of Portuguese (and its neighbours) replaced by their base letter, and
// combining accents (a name written decomposed, "u" + U+0301) dropped. The map is explicit, code point by code
// point, not Unicode's full folding, so that SQLite (a function registered on each connection) and PostgreSQL
// (`translate` over the same code points, which deletes those it has no replacement for) fold exactly alike,
// whatever locale either runs in.

/// The folding of contact names for search.
public enum ContactSearch {
    /// Accented letters, upper and lower case, and the base letter each folds to (same order).
    static let accented = Array("ÀÁÂÃÄÅàáâãäåÈÉÊËèéêëÌÍÎÏìíîïÒÓÔÕÖòóôõöÙÚÛÜùúûüÇçÑñÝýÿ".unicodeScalars)
    static let bases = Array("aaaaaaaaaaaaeeeeeeeeiiiiiiiioooooooooouuuuuuuuccnnyyy".unicodeScalars)
    /// The combining diacritical marks, U+0300 to U+036F: dropped.
    static let combining = (0x300...0x36F).compactMap(Unicode.Scalar.init)

    private static let map: [Unicode.Scalar: Unicode.Scalar] = Dictionary(uniqueKeysWithValues: zip(accented, bases))

    /// `text` folded: "Lúcia Conceição" → "lucia conceicao".
    public static func fold(_ text: String) -> String {
        var folded = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if (0x300...0x36F).contains(scalar.value) { continue }
            if let base = map[scalar] {
                folded.append(base)
            } else if scalar.value >= 65 && scalar.value <= 90 {
                folded.append(Unicode.Scalar(scalar.value + 32)!)
            } else {
                folded.append(scalar)
            }
        }
        return String(folded)
    }

    /// PostgreSQL's `translate` arguments for the same folding (lower-casing of ASCII is `lower` in the "C"
    /// collation): the accented letters then the combining marks, whose missing replacements delete them.
    static var translateFrom: String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: accented)
        view.append(contentsOf: combining)
        return String(view)
    }
    static var translateTo: String { String(String.UnicodeScalarView(bases)) }
}
