// JSONWriter: builds compact JSON straight into a byte array, for every response and push the daemon sends.
// Handlers write their results member by member instead of building a JSON tree first, which saves an
// allocation per node on the hot path. Separators need no stack: a container opening, a key, or a value
// decides alone whether a comma goes first. Strings are copied in runs and only escaped where RFC 8259 says.

/// Writes JSON straight into bytes; commas and colons are inserted automatically.
public struct JSONWriter: Sendable {
    /// The encoded output so far.
    public var bytes: [UInt8]
    /// Whether a value was written at the current level, so the next value or key needs a comma.
    private var needsComma = false
    /// Whether a key was just written, so the next value is its member value.
    private var afterKey = false

    /// Creates an empty writer with room for `capacity` bytes.
    public init(capacity: Int = 256) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    @inline(__always)
    private mutating func beginValue() {
        if afterKey {
            afterKey = false
        } else if needsComma {
            bytes.append(UInt8(ascii: ","))
        }
    }

    /// Opens an object.
    public mutating func beginObject() {
        beginValue()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    /// Closes the innermost object.
    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
        afterKey = false
    }

    /// Opens an array.
    public mutating func beginArray() {
        beginValue()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    /// Closes the innermost array.
    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
        afterKey = false
    }

    /// Writes a member name given in the source; the next value written is this member's value. The name is
    /// copied as it is (names in the source need no escaping), which makes it the cheap way to write a member.
    public mutating func key(_ name: StaticString) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        bytes.append(UInt8(ascii: "\""))
        appendLiteral(name)
        bytes.append(UInt8(ascii: "\""))
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
        afterKey = true
    }

    /// Writes a member name known only at run time (escaped as a string); the next value is its value.
    public mutating func dynamicKey(_ name: String) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        appendQuoted(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
        afterKey = true
    }

    /// Writes a string, escaping `"`, `\` and control characters; other characters are written as UTF-8.
    public mutating func string(_ value: String) {
        beginValue()
        appendQuoted(value)
        needsComma = true
    }

    /// Writes an integer.
    public mutating func int(_ value: Int64) {
        beginValue()
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        let start = bytes.count
        repeat {
            bytes.append(UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10))
            magnitude /= 10
        } while magnitude > 0
        bytes[start...].reverse()
        needsComma = true
    }

    /// Writes an integer.
    public mutating func int(_ value: Int) {
        int(Int64(value))
    }

    /// Writes a number in its shortest round-trip form; non-finite values are written as `null`.
    public mutating func double(_ value: Double) {
        guard value.isFinite else { return null() }
        beginValue()
        bytes.append(contentsOf: value.description.utf8)
        needsComma = true
    }

    /// Writes `true` or `false`.
    public mutating func bool(_ value: Bool) {
        beginValue()
        appendLiteral(value ? "true" : "false")
        needsComma = true
    }

    /// Writes `null`.
    public mutating func null() {
        beginValue()
        appendLiteral("null")
        needsComma = true
    }

    /// Writes a whole JSON value; object keys are written in UTF-8 byte order, so equal values encode equally.
    public mutating func value(_ json: JSON) {
        switch json {
        case .null: null()
        case .bool(let value): bool(value)
        case .int(let value): int(value)
        case .double(let value): double(value)
        case .string(let value): string(value)
        case .array(let elements):
            beginArray()
            for element in elements { value(element) }
            endArray()
        case .object(let members):
            beginObject()
            // Byte order: a total order on distinct keys, and cheaper than String's Unicode-aware `<`.
            for (name, member) in members.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
                dynamicKey(name)
                value(member)
            }
            endObject()
        }
    }

    /// Places an already-encoded JSON value as the next value; it is not checked.
    public mutating func raw(_ encoded: [UInt8]) {
        beginValue()
        bytes.append(contentsOf: encoded)
        needsComma = true
    }

    /// Places the next value by letting `write` append its already-encoded bytes in place (no intermediate array).
    public mutating func rawValue(_ write: (inout [UInt8]) -> Void) {
        beginValue()
        write(&bytes)
        needsComma = true
    }

    // MARK: One call per member

    /// Writes the member `name` with a string value.
    public mutating func field(_ name: StaticString, _ value: String) {
        key(name)
        string(value)
    }

    /// Writes the member `name` with an integer value.
    public mutating func field(_ name: StaticString, _ value: Int64) {
        key(name)
        int(value)
    }

    /// Writes the member `name` with an integer value.
    public mutating func field(_ name: StaticString, _ value: Int) {
        key(name)
        int(value)
    }

    /// Writes the member `name` with a number value (non-finite as `null`).
    public mutating func field(_ name: StaticString, _ value: Double) {
        key(name)
        double(value)
    }

    /// Writes the member `name` with a boolean value.
    public mutating func field(_ name: StaticString, _ value: Bool) {
        key(name)
        bool(value)
    }

    /// Writes the member `name` with a whole JSON value.
    public mutating func field(_ name: StaticString, _ value: JSON) {
        key(name)
        self.value(value)
    }

    /// Writes the member `name` with the value `null`.
    public mutating func fieldNull(_ name: StaticString) {
        key(name)
        null()
    }

    /// Writes the member `name` with a string value, or nothing when `value` is nil.
    public mutating func optionalField(_ name: StaticString, _ value: String?) {
        if let value { field(name, value) }
    }

    /// Writes the member `name` with an integer value, or nothing when `value` is nil.
    public mutating func optionalField(_ name: StaticString, _ value: Int64?) {
        if let value { field(name, value) }
    }

    /// Writes the member `name` with an integer value, or nothing when `value` is nil.
    public mutating func optionalField(_ name: StaticString, _ value: Int?) {
        if let value { field(name, value) }
    }

    /// Writes the member `name` with a boolean value, or nothing when `value` is nil.
    public mutating func optionalField(_ name: StaticString, _ value: Bool?) {
        if let value { field(name, value) }
    }

    // MARK: Escaping

    @inline(__always)
    private mutating func appendLiteral(_ literal: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    private mutating func appendQuoted(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        // `withUTF8` reads small strings (most keys and values here) from a copy on the stack; the view's
        // `withContiguousStorageIfAvailable` has no storage to offer for them and sent every one the long way.
        var copy = text
        copy.withUTF8 { appendEscaped($0) }
        bytes.append(UInt8(ascii: "\""))
    }

    /// Copies `utf8`, escaped where RFC 8259 says (`JSONCursor.escape`); most strings need no escaping: one copy.
    private mutating func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>) {
        let clean = !utf8.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
        if clean {
            bytes.append(contentsOf: utf8)
            return
        }
        let escaped = [UInt8](unsafeUninitializedCapacity: utf8.count * 6) { buffer, count in
            count = JSONCursor.escape(utf8, to: buffer)
        }
        bytes.append(contentsOf: escaped)
    }
}

extension JSON {
    /// The compact encoding as UTF-8 bytes (object keys sorted).
    public var encoded: [UInt8] {
        var writer = JSONWriter()
        writer.value(self)
        return writer.bytes
    }

    /// The compact encoding as text (object keys sorted).
    public var text: String {
        String(decoding: encoded, as: UTF8.self)
    }
}
