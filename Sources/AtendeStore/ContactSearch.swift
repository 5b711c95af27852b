// ContactSearch: how the agenda is searched by name. A Brazilian agenda is full of accents, and people type
// without them: "lucia" must find "Lúcia", "JOAO" "João". Names and the query are compared folded: ASCII letters
// lower-cased, and the accented Latin letters of Portuguese (and its neighbours) replaced by their base letter.
// The map is explicit, not Unicode's full folding, so that SQLite (a function registered on each connection) and
// PostgreSQL (`translate` over the same pairs) fold exactly alike, whatever locale either runs in.

/// The folding of contact names for search.
public enum ContactSearch {
    /// Accented letters, upper and lower case, and the base letter each folds to (same order).
    static let accented = Array("ÀÁÂÃÄÅàáâãäåÈÉÊËèéêëÌÍÎÏìíîïÒÓÔÕÖòóôõöÙÚÛÜùúûüÇçÑñÝýÿ")
    static let bases = Array("aaaaaaaaaaaaeeeeeeeeiiiiiiiioooooooooouuuuuuuuccnnyyy")

    private static let map: [Character: Character] = Dictionary(uniqueKeysWithValues: zip(accented, bases))

    /// `text` folded: "Lúcia Conceição" → "lucia conceicao".
    public static func fold(_ text: String) -> String {
        var folded = ""
        folded.reserveCapacity(text.utf8.count)
        for character in text {
            if let base = map[character] {
                folded.append(base)
            } else if character.isASCII {
                folded.append(Character(character.lowercased()))
            } else {
                folded.append(character)
            }
        }
        return folded
    }

    /// PostgreSQL's `translate` arguments for the same map (lower-casing of ASCII is `lower` in the "C" collation).
    static var translateFrom: String { String(accented) }
    static var translateTo: String { String(bases) }
}
