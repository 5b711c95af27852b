// HTTPEntityTags: `If-None-Match` as RFC 9110 section 13.1.2 reads it: `*`, or a list of entity tags, each maybe
// weak (`W/"…"`), compared weakly (the opaque parts equal, W/ ignored), across every If-None-Match field. A tag's
// quoted part may hold a comma, so the list is read tag by tag rather than split at commas.

extension HTTPRequest {
    /// True when `If-None-Match` matches the current entity tag `etag` (`"abc"` or `W/"abc"`): the client's copy
    /// is current, and a GET or HEAD gets 304. False without the field, and from the first member that is no entity
    /// tag on (a malformed field must not turn into a match).
    public func noneMatchMatches(_ etag: String) -> Bool {
        guard let current = Self.opaqueTag(Substring(etag))?.tag else { return false }
        for value in values("if-none-match") {
            if value.trimmed == "*" { return true }
            var rest = Substring(value)
            while true {
                while let first = rest.first, first == " " || first == "\t" || first == "," { rest.removeFirst() }
                if rest.isEmpty { break }
                guard let (tag, after) = Self.opaqueTag(rest) else { break }
                if tag == current { return true }
                rest = after
            }
        }
        return false
    }

    /// The quoted opaque tag at the start of `text` (after an optional `W/`), and what follows it.
    private static func opaqueTag(_ text: Substring) -> (tag: Substring, rest: Substring)? {
        var text = text
        if text.hasPrefix("W/") { text = text.dropFirst(2) }
        guard text.first == "\"" else { return nil }
        let body = text.dropFirst()
        guard let close = body.firstIndex(of: "\"") else { return nil }
        return (body[..<close], body[body.index(after: close)...])
    }
}
