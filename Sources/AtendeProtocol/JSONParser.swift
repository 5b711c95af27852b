// JSONParser: strict RFC 8259 parsing straight from bytes, for every line the daemon receives.
// It runs ~50k times a second on untrusted input, so it works on a raw byte pointer without Foundation and
// without recursion: open containers live on explicit stacks (open objects and arrays, pending keys), so the
// depth limit is a plain counter check and no input can exhaust the call stack. Every malformed input ends in
// a JSONParseError carrying the byte offset and a reason a client can act on.

/// Why and where a byte sequence is not valid JSON.
public struct JSONParseError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The byte offset at which the problem was found.
    public var offset: Int
    /// What is wrong, e.g. "unexpected end of input".
    public var reason: String

    /// Creates an error at `offset` explaining `reason`.
    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    /// `"<reason> at offset <n>"`.
    public var description: String { "\(reason) at offset \(offset)" }
}

/// Parses JSON text (RFC 8259, strict) into `JSON` values.
public enum JSONParser {
    /// The default limit on nesting of arrays and objects.
    public static let defaultMaxDepth = 64

    /// Parses exactly one JSON value, with optional surrounding whitespace, from `bytes`.
    ///
    /// `maxDepth` bounds the nesting of arrays and objects; it also bounds the recursion of everything that
    /// later walks the value (equality, encoding, deinitialization), so keep it modest.
    public static func parse(
        _ bytes: UnsafeRawBufferPointer, maxDepth: Int = defaultMaxDepth
    ) throws(JSONParseError) -> JSON {
        var stacks = JSONParseStacks()
        let result = bytes.withMemoryRebound(to: UInt8.self) { buffer in
            parseResult(buffer, maxDepth: maxDepth, stacks: &stacks)
        }
        return try result.get()
    }

    /// Parses exactly one JSON value from a byte collection; contiguous storage is read in place.
    public static func parse<C: Collection>(
        _ bytes: C, maxDepth: Int = defaultMaxDepth
    ) throws(JSONParseError) -> JSON where C.Element == UInt8 {
        var stacks = JSONParseStacks()
        return try parse(bytes, maxDepth: maxDepth, stacks: &stacks)
    }

    /// `parse` on stacks the caller keeps from one parse to the next (see `JSONParseStacks`).
    public static func parse<C: Collection>(
        _ bytes: C, maxDepth: Int = defaultMaxDepth, stacks: inout JSONParseStacks
    ) throws(JSONParseError) -> JSON where C.Element == UInt8 {
        if let result = bytes.withContiguousStorageIfAvailable({
            parseResult($0, maxDepth: maxDepth, stacks: &stacks)
        }) {
            return try result.get()
        }
        let copy = Array(bytes)
        return try copy.withUnsafeBufferPointer { parseResult($0, maxDepth: maxDepth, stacks: &stacks) }.get()
    }

    /// Parses exactly one JSON value from the UTF-8 of `text`.
    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws(JSONParseError) -> JSON {
        var text = text
        var stacks = JSONParseStacks()
        return try text.withUTF8 { parseResult($0, maxDepth: maxDepth, stacks: &stacks) }.get()
    }

    static func parseResult(_ buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int,
                            stacks: inout JSONParseStacks) -> Result<JSON, JSONParseError> {
        guard let base = buffer.baseAddress, !buffer.isEmpty else {
            return .failure(JSONParseError(offset: 0, reason: "unexpected end of input"))
        }
        var scanner = JSONScanner(base: base, end: buffer.count, maxDepth: maxDepth)
        do {
            return .success(try scanner.parseDocument(&stacks))
        } catch {
            return .failure(error)
        }
    }
}

/// The stacks a parse works on: the open containers, innermost last. A caller that parses line after line
/// (the daemon) keeps one and hands it to every parse, so the stacks are allocated once, not for every line.
public struct JSONParseStacks: Sendable {
    /// Per open container, true for an object.
    var frames: [Bool] = []
    /// The open objects, each with the members read so far.
    var objects: [JSONObject] = []
    /// The member name being read in each open object.
    var keys: [String] = []
    /// The open arrays, each with the elements read so far.
    var arrays: [[JSON]] = []

    /// Empty stacks.
    public init() {}
}

/// The parsing state over one input buffer.
struct JSONScanner {
    let base: UnsafePointer<UInt8>
    let end: Int
    let maxDepth: Int
    var pos = 0
    /// Reused buffer for strings that contain escapes.
    var scratch: [UInt8] = []

    init(base: UnsafePointer<UInt8>, end: Int, maxDepth: Int) {
        self.base = base
        self.end = end
        self.maxDepth = maxDepth
    }

    @inline(__always)
    func fail(_ offset: Int, _ reason: String) -> JSONParseError {
        JSONParseError(offset: offset, reason: reason)
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while pos < end {
            let byte = base[pos]
            guard byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 else { return }
            pos += 1
        }
    }

    /// Describes the byte at `offset` for an error message.
    func unexpected(at offset: Int) -> JSONParseError {
        guard offset < end else { return fail(offset, "unexpected end of input") }
        let byte = base[offset]
        if byte >= 0x21 && byte < 0x7F {
            return fail(offset, "unexpected character '\(Character(Unicode.Scalar(byte)))'")
        }
        return fail(offset, "unexpected byte 0x\(hexByte(byte))")
    }

    /// Parses the whole input: one value and optional trailing whitespace.
    mutating func parseDocument(_ stacks: inout JSONParseStacks) throws(JSONParseError) -> JSON {
        let value = try parseValue(&stacks)
        skipWhitespace()
        if pos < end { throw fail(pos, "unexpected data after the value") }
        return value
    }

    /// Parses one value from `pos` (after optional whitespace), leaving `pos` just past it. `depth`: the
    /// containers already open around it, counted against `maxDepth`.
    mutating func parseValue(_ stacks: inout JSONParseStacks, depth: Int = 0) throws(JSONParseError) -> JSON {
        // Each open object or array is appended to where it stays, on `objects` or `arrays`, so closing it moves
        // it out whole: nothing is copied out of a shared stack and released there. The stacks are taken out of
        // `stacks` for the parse (so they are not reached through it at every step) and given back, emptied,
        // whatever the outcome.
        var frames = stacks.frames
        var objects = stacks.objects
        var keys = stacks.keys
        var arrays = stacks.arrays
        stacks = JSONParseStacks()
        defer {
            frames.removeAll(keepingCapacity: true)
            objects.removeAll(keepingCapacity: true)
            keys.removeAll(keepingCapacity: true)
            arrays.removeAll(keepingCapacity: true)
            stacks.frames = frames
            stacks.objects = objects
            stacks.keys = keys
            stacks.arrays = arrays
        }
        // Room for a typical request up front, instead of growing each stack 1, 2, 4...
        if frames.capacity == 0 && end > 2 && (base[0] == UInt8(ascii: "{") || base[0] == UInt8(ascii: "[")) {
            frames.reserveCapacity(4)
            objects.reserveCapacity(4)
            keys.reserveCapacity(4)
        }

        parsing: while true {
            // A value is expected here: at the top, after '[', after ',' in an array, or after ':'.
            skipWhitespace()
            guard pos < end else { throw fail(pos, "unexpected end of input") }
            var value: JSON
            switch base[pos] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = base[pos] == UInt8(ascii: "{")
                if depth + frames.count >= maxDepth { throw fail(pos, "nesting deeper than \(maxDepth)") }
                pos += 1
                skipWhitespace()
                let close = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
                if pos < end && base[pos] == close {
                    pos += 1
                    value = isObject ? .object([:]) : .array([])
                } else {
                    frames.append(isObject)
                    if isObject {
                        objects.append(JSONObject(minimumCapacity: 4))
                        keys.append(try parseKey())
                    } else {
                        var elements: [JSON] = []
                        elements.reserveCapacity(4)
                        arrays.append(elements)
                    }
                    continue parsing
                }
            case UInt8(ascii: "\""):
                value = .string(try parseString())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                value = try parseNumber()
            case UInt8(ascii: "t"):
                try expectLiteral("true")
                value = .bool(true)
            case UInt8(ascii: "f"):
                try expectLiteral("false")
                value = .bool(false)
            case UInt8(ascii: "n"):
                try expectLiteral("null")
                value = .null
            default:
                throw unexpected(at: pos)
            }

            // A value is complete: add it to the open container, closing containers as their ends arrive.
            while let isObject = frames.last {
                if isObject {
                    guard objects[objects.count - 1].appendNew(keys[keys.count - 1], value) else {
                        // Named, but not echoed whole: a key may be as long as the line.
                        let key = keys[keys.count - 1]
                        throw fail(pos, "duplicate key \"\(key.count > 64 ? key.prefix(64) + "…" : key)\"")
                    }
                } else {
                    arrays[arrays.count - 1].append(value)
                }
                skipWhitespace()
                guard pos < end else { throw fail(pos, "unexpected end of input") }
                let byte = base[pos]
                if byte == UInt8(ascii: ",") {
                    pos += 1
                    if isObject {
                        skipWhitespace()
                        keys[keys.count - 1] = try parseKey()
                    }
                    continue parsing
                }
                if isObject {
                    guard byte == UInt8(ascii: "}") else { throw expected("',' or '}'", at: pos) }
                    keys.removeLast()
                    value = .object(objects.removeLast())
                } else {
                    guard byte == UInt8(ascii: "]") else { throw expected("',' or ']'", at: pos) }
                    value = .array(arrays.removeLast())
                }
                pos += 1
                frames.removeLast()
            }
            return value
        }
    }

    func expected(_ what: String, at offset: Int) -> JSONParseError {
        guard offset < end else { return fail(offset, "unexpected end of input") }
        let found = unexpected(at: offset).reason.replacingPrefix("unexpected ", with: "")
        return fail(offset, "expected \(what), found \(found)")
    }

    /// Member names that arrive in nearly every request, most frequent first: `parseKey` returns these strings
    /// instead of building new ones (a String from bytes validates them again).
    static let commonKeys: [(bytes: StaticString, string: String)] = ([
        "jsonrpc", "id", "method", "params", "externalId", "contact", "phone", "name", "department", "channel",
        "text", "attendantId", "presence", "limit", "rating",
    ] as [StaticString]).map { ($0, $0.description) }

    /// Parses `"key"` and the `:` after it, leaving `pos` at the member's value.
    mutating func parseKey() throws(JSONParseError) -> String {
        guard pos < end, base[pos] == UInt8(ascii: "\"") else { throw expected("a string key", at: pos) }
        let key: String
        if let common = commonKey() { key = common } else { key = try parseString() }
        skipWhitespace()
        guard pos < end, base[pos] == UInt8(ascii: ":") else { throw expected("':' after the key", at: pos) }
        pos += 1
        return key
    }

    /// The names of the methods called with every chat, read without allocating: each is longer than the fifteen
    /// bytes a String holds inline.
    static let commonMethods: [(bytes: StaticString, string: String)] = ([
        "conversation.open", "conversation.close", "conversation.accept", "conversation.reply",
        "conversation.message", "conversation.route", "conversation.transfer", "conversation.take",
        "conversation.decline", "conversation.finishWrapUp", "conversation.get", "conversation.history",
    ] as [StaticString]).map { ($0, $0.description) }

    /// The key at `pos` (its opening quote) when it is one of `commonKeys` written plainly; `pos` then moves past
    /// its closing quote. A key with escapes or other bytes never matches: no common key holds a backslash.
    mutating func commonKey() -> String? { common(in: Self.commonKeys) }

    /// The string at `pos` (its opening quote) when it is one of `table`'s written plainly, as `commonKey`.
    mutating func common(in table: [(bytes: StaticString, string: String)]) -> String? {
        let start = pos + 1
        for (bytes, string) in table {
            let count = bytes.utf8CodeUnitCount
            guard start + count < end, base[start + count] == UInt8(ascii: "\"") else { continue }
            let known = bytes.utf8Start
            var index = 0
            while index < count && base[start + index] == known[index] { index += 1 }
            if index == count {
                pos = start + count + 1
                return string
            }
        }
        return nil
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        let bytes = literal.utf8Start
        for index in 0..<count where pos + index >= end || base[pos + index] != bytes[index] {
            throw fail(pos, "invalid literal, expected '\(literal)'")
        }
        pos += count
    }
}

/// Two upper-case hex digits.
func hexByte(_ byte: UInt8) -> String {
    let digits: StaticString = "0123456789ABCDEF"
    let table = digits.utf8Start
    return String(decoding: [table[Int(byte >> 4)], table[Int(byte & 0xF)]], as: UTF8.self)
}

extension String {
    fileprivate func replacingPrefix(_ prefix: String, with replacement: String) -> String {
        hasPrefix(prefix) ? replacement + dropFirst(prefix.count) : self
    }
}
