// Params: typed reading of a request's named parameters, failing with errors that name the field.
// Every handler reads its input through this, so every bad parameter gets the same -32602 shape
// (`{"field", "reason"}`) and the same wording. Nested objects keep a prefix, so an error deep inside names
// the full path ("contact.phone") and a client can show it next to the right input.

/// Reads named parameters with errors that carry the field.
public struct Params: Sendable {
    /// The parameters as given.
    public let members: JSONObject
    /// Prepended to keys in error fields: "" at the top, "parent." inside `parent`.
    public let fieldPrefix: String

    /// Wraps a request's params: nil is empty, an object is read, anything else is refused.
    public init(_ params: JSON?) throws(RPCError) {
        switch params {
        case nil:
            self.init(members: [:], fieldPrefix: "")
        case .object(let members)?:
            self.init(members: members, fieldPrefix: "")
        default:
            throw .invalidParams(field: "params", reason: "must be an object")
        }
    }

    /// Wraps `members`; error fields are `fieldPrefix + key`.
    public init(members: JSONObject, fieldPrefix: String = "") {
        self.members = members
        self.fieldPrefix = fieldPrefix
    }

    /// The wire name of `key` for errors, e.g. "contact.phone".
    public func fieldName(_ key: String) -> String {
        fieldPrefix + key
    }

    /// An invalid-params error for `key`.
    public func invalid(_ key: String, _ reason: String) -> RPCError {
        .invalidParams(field: fieldName(key), reason: reason)
    }

    /// Whether `key` is present and not null.
    public func has(_ key: String) -> Bool {
        if let value = members[key], !value.isNull { return true }
        return false
    }

    /// The raw value of `key`, when present (null included).
    public func value(_ key: String) -> JSON? {
        members[key]
    }

    /// The present, non-null value of `key`, or nil.
    private func present(_ key: String) -> JSON? {
        guard let value = members[key], !value.isNull else { return nil }
        return value
    }

    private func required(_ key: String) throws(RPCError) -> JSON {
        guard let value = present(key) else { throw invalid(key, "is required") }
        return value
    }

    // MARK: Strings

    /// A required string of at most `maxLength` characters.
    public func string(_ key: String, maxLength: Int = 4096) throws(RPCError) -> String {
        try checkString(key, try required(key), maxLength: maxLength)
    }

    /// An optional string of at most `maxLength` characters; absent or null is nil.
    public func optionalString(_ key: String, maxLength: Int = 4096) throws(RPCError) -> String? {
        guard let value = present(key) else { return nil }
        return try checkString(key, value, maxLength: maxLength)
    }

    /// A required string of at most `maxBytes` bytes of UTF-8 (message texts: their limit is a size).
    public func text(_ key: String, maxBytes: Int) throws(RPCError) -> String {
        try checkText(key, try required(key), maxBytes: maxBytes)
    }

    /// An optional string of at most `maxBytes` bytes of UTF-8; absent or null is nil.
    public func optionalText(_ key: String, maxBytes: Int) throws(RPCError) -> String? {
        guard let value = present(key) else { return nil }
        return try checkText(key, value, maxBytes: maxBytes)
    }

    /// Characters are counted as Unicode scalars, not as what Swift calls a Character (a grapheme cluster): one
    /// cluster may carry any number of combining marks, so counting clusters would let a "short" name of a few
    /// hundred kilobytes through. A scalar is at most 4 bytes, so the limit bounds the size too.
    private func checkString(_ key: String, _ value: JSON, maxLength: Int) throws(RPCError) -> String {
        guard case .string(let text) = value else { throw invalid(key, "must be a string (got \(value.typeName))") }
        // Scalars never outnumber UTF-8 bytes, so the byte count settles most strings without counting.
        if text.utf8.count > maxLength && text.unicodeScalars.count > maxLength {
            throw invalid(key, "longer than \(maxLength) characters")
        }
        return text
    }

    private func checkText(_ key: String, _ value: JSON, maxBytes: Int) throws(RPCError) -> String {
        guard case .string(let text) = value else { throw invalid(key, "must be a string (got \(value.typeName))") }
        if text.utf8.count > maxBytes {
            throw invalid(key, "longer than \(maxBytes) bytes (\(text.utf8.count) in UTF-8)")
        }
        return text
    }

    // MARK: Numbers

    /// A required integer (an integral number is accepted), optionally within `range`.
    public func int(_ key: String, range: ClosedRange<Int64>? = nil) throws(RPCError) -> Int64 {
        try checkInt(key, try required(key), range: range)
    }

    /// An optional integer, optionally within `range`; absent or null is nil.
    public func optionalInt(_ key: String, range: ClosedRange<Int64>? = nil) throws(RPCError) -> Int64? {
        guard let value = present(key) else { return nil }
        return try checkInt(key, value, range: range)
    }

    private func checkInt(_ key: String, _ value: JSON, range: ClosedRange<Int64>?) throws(RPCError) -> Int64 {
        // The range's message is built only when it is needed: most reads are in range.
        func outOfRange(_ range: ClosedRange<Int64>) -> RPCError {
            invalid(key, "must be between \(range.lowerBound) and \(range.upperBound)")
        }
        switch value {
        case .int(let number):
            if let range, !range.contains(number) { throw outOfRange(range) }
            return number
        case .double(let number) where number.rounded() == number:
            guard let exact = Int64(exactly: number) else {
                throw range.map(outOfRange) ?? invalid(key, "must be an integer")
            }
            if let range, !range.contains(exact) { throw outOfRange(range) }
            return exact
        default:
            throw invalid(key, "must be an integer")
        }
    }

    // MARK: Booleans

    /// A required boolean.
    public func bool(_ key: String) throws(RPCError) -> Bool {
        try checkBool(key, try required(key))
    }

    /// An optional boolean; absent or null is nil.
    public func optionalBool(_ key: String) throws(RPCError) -> Bool? {
        guard let value = present(key) else { return nil }
        return try checkBool(key, value)
    }

    private func checkBool(_ key: String, _ value: JSON) throws(RPCError) -> Bool {
        guard case .bool(let flag) = value else { throw invalid(key, "must be a boolean (got \(value.typeName))") }
        return flag
    }

    // MARK: Containers

    /// A required nested object; errors inside it name "key.member".
    public func object(_ key: String) throws(RPCError) -> Params {
        try checkObject(key, try required(key))
    }

    /// An optional nested object; absent or null is nil.
    public func optionalObject(_ key: String) throws(RPCError) -> Params? {
        guard let value = present(key) else { return nil }
        return try checkObject(key, value)
    }

    private func checkObject(_ key: String, _ value: JSON) throws(RPCError) -> Params {
        guard case .object(let members) = value else {
            throw invalid(key, "must be an object (got \(value.typeName))")
        }
        return Params(members: members, fieldPrefix: fieldName(key) + ".")
    }

    /// A required array.
    public func array(_ key: String) throws(RPCError) -> [JSON] {
        try checkArray(key, try required(key))
    }

    /// An optional array; absent or null is nil.
    public func optionalArray(_ key: String) throws(RPCError) -> [JSON]? {
        guard let value = present(key) else { return nil }
        return try checkArray(key, value)
    }

    private func checkArray(_ key: String, _ value: JSON) throws(RPCError) -> [JSON] {
        guard case .array(let elements) = value else {
            throw invalid(key, "must be an array (got \(value.typeName))")
        }
        return elements
    }

    // MARK: Strictness

    /// Refuses the first key (in UTF-8 byte order) not in `allowed`, with reason "unknown parameter". A literal
    /// list is an array (no set is built per request).
    public func rejectUnknown(_ allowed: [String]) throws(RPCError) {
        // Every request passes through here: a member is looked for by comparing names (short names compare by
        // their bits, and lists are a handful of names), and the set is built only for a refusal.
        if members.contains(where: { !allowed.contains($0.key) }) { try rejectUnknown(Set(allowed)) }
    }

    /// Refuses the first key (in UTF-8 byte order) not in `allowed`, with reason "unknown parameter".
    public func rejectUnknown(_ allowed: Set<String>) throws(RPCError) {
        var unknown: String?
        for (key, _) in members where !allowed.contains(key) {
            if unknown == nil || key.utf8.lexicographicallyPrecedes(unknown!.utf8) { unknown = key }
        }
        if let unknown { throw invalid(unknown, "unknown parameter") }
    }
}
