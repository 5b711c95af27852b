// JSONCursor: writes JSON pieces into memory reserved ahead, for the few documents built on every request (a
// conversation is encoded twice per chat routed, and its event push once). The caller reserves a bound once
// (`Array(unsafeUninitializedCapacity:)`) and each piece is a copy; every piece checks the room left, in release
// builds too, so a bound computed too small stops the process instead of writing past the buffer.
// Why a second writer beside JSONWriter: JSONWriter appends to an array, and each append checks the array's
// uniqueness and capacity and goes through its growth path, which made the conversation's encoding, done several
// times per chat, measurably dearer (benchmarks/README.md says how such costs are compared). The string escaping of
// RFC 8259 lives here, and JSONWriter uses it too.

/// Writes JSON into a buffer reserved for it; each write checks that it fits.
public struct JSONCursor {
    private let start: UnsafeMutablePointer<UInt8>
    private var next: UnsafeMutablePointer<UInt8>
    private let end: UnsafeMutablePointer<UInt8>

    /// Writes into `buffer`, from its start.
    public init(_ buffer: UnsafeMutableBufferPointer<UInt8>) {
        start = buffer.baseAddress!
        next = start
        end = start + buffer.count
    }

    /// Stops the process (in every build) when `count` more bytes do not fit.
    @inline(__always)
    private func ensureRoom(_ count: Int) {
        precondition(end - next >= count, "JSONCursor: write past the reserved bound")
    }

    /// Bytes written so far.
    public var count: Int { next - start }

    /// The most `quoted(text)` can write: every byte escaped as `\u00XX`, and the quotes.
    public static func quotedBound(_ text: String) -> Int { text.utf8.count * 6 + 2 }

    /// The most `int` writes.
    public static let intBound = 20

    /// Copies a literal as it is (JSON punctuation and member names from the source).
    @inline(__always)
    public mutating func literal(_ text: StaticString) {
        ensureRoom(text.utf8CodeUnitCount)
        next.update(from: text.utf8Start, count: text.utf8CodeUnitCount)
        next += text.utf8CodeUnitCount
    }

    /// Copies bytes as they are.
    @inline(__always)
    public mutating func raw(_ bytes: UnsafeRawBufferPointer) {
        guard let base = bytes.baseAddress else { return }
        ensureRoom(bytes.count)
        UnsafeMutableRawPointer(next).copyMemory(from: base, byteCount: bytes.count)
        next += bytes.count
    }

    /// Writes a byte.
    @inline(__always)
    public mutating func byte(_ value: UInt8) {
        ensureRoom(1)
        next.pointee = value
        next += 1
    }

    /// Writes an integer.
    public mutating func int(_ value: Int64) {
        if value < 0 { byte(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits = 0
        var probe = magnitude
        repeat {
            digits += 1
            probe /= 10
        } while probe > 0
        ensureRoom(digits)
        var index = digits - 1
        repeat {
            next[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
            magnitude /= 10
            index -= 1
        } while index >= 0
        next += digits
    }

    /// Writes a string quoted, escaped where RFC 8259 says.
    public mutating func quoted(_ text: String) {
        byte(UInt8(ascii: "\""))
        // `withUTF8` reads small strings from a copy on the stack (see JSONWriter.appendQuoted).
        var copy = text
        copy.withUTF8 { utf8 in
            ensureRoom(utf8.count * 6 + 1)  // the escaped text (`escape` asks for six bytes a byte) and a quote
            next += JSONCursor.escape(utf8, to: UnsafeMutableBufferPointer(start: next, count: end - next))
        }
        byte(UInt8(ascii: "\""))
    }

    /// Writes `utf8` escaped (without quotes) into `out`, which must have room for 6 bytes per byte (checked in
    /// every build); returns the count.
    public static func escape(_ utf8: UnsafeBufferPointer<UInt8>, to buffer: UnsafeMutableBufferPointer<UInt8>) -> Int {
        precondition(buffer.count >= utf8.count * 6, "JSONCursor.escape: less than six bytes of room a byte")
        guard let out = buffer.baseAddress else { return 0 }
        var written = 0
        var runStart = 0
        func copyRun(to end: Int) {
            guard runStart < end, let base = utf8.baseAddress else { return }
            (out + written).update(from: base + runStart, count: end - runStart)
            written += end - runStart
        }
        // Most text needs no escape: whole words of it are passed over first, eight bytes at a time, and join the
        // first run copied.
        var clean = 0
        if let base = utf8.baseAddress {
            while clean + 8 <= utf8.count {
                let word = UnsafeRawPointer(base + clean).loadUnaligned(as: UInt64.self)
                if needsEscape(word) { break }
                clean += 8
            }
        }
        for index in clean..<utf8.count {
            let byte = utf8[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            copyRun(to: index)
            runStart = index + 1
            out[written] = UInt8(ascii: "\\")
            let short: UInt8
            switch byte {
            case UInt8(ascii: "\""): short = UInt8(ascii: "\"")
            case UInt8(ascii: "\\"): short = UInt8(ascii: "\\")
            case 0x0A: short = UInt8(ascii: "n")
            case 0x0D: short = UInt8(ascii: "r")
            case 0x09: short = UInt8(ascii: "t")
            case 0x08: short = UInt8(ascii: "b")
            case 0x0C: short = UInt8(ascii: "f")
            default: short = 0
            }
            if short != 0 {
                out[written + 1] = short
                written += 2
            } else {
                let hex: StaticString = "0123456789abcdef"
                out[written + 1] = UInt8(ascii: "u")
                out[written + 2] = UInt8(ascii: "0")
                out[written + 3] = UInt8(ascii: "0")
                out[written + 4] = hex.utf8Start[Int(byte >> 4)]
                out[written + 5] = hex.utf8Start[Int(byte & 0xF)]
                written += 6
            }
        }
        copyRun(to: utf8.count)
        return written
    }

    /// Whether any of the word's eight bytes is a control character, a quote or a backslash (exact: the
    /// "has a byte less than n" and "has a zero byte" tests of Bit Twiddling Hacks, no false answers either way).
    @inline(__always)
    static func needsEscape(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        func hasZero(_ v: UInt64) -> Bool { (v &- ones) & ~v & highs != 0 }
        let control = (word &- ones &* 0x20) & ~word & highs != 0
        return control || hasZero(word ^ (ones &* 0x22)) || hasZero(word ^ (ones &* 0x5C))
    }
}
