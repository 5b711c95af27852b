// UTF8Validator: checks UTF-8 incrementally, a piece at a time, as WebSocket text messages arrive in fragments
// (RFC 6455 section 8.1: a text message must be valid UTF-8, and an endpoint may fail the connection as soon as a
// prefix cannot be). It rejects overlong forms, surrogates and code points above U+10FFFF (RFC 3629).

/// An incremental UTF-8 checker.
public struct UTF8Validator: Sendable {
    /// Continuation bytes still expected by the current sequence.
    private var needed = 0
    /// The allowed range of the next continuation byte (narrower after E0, ED, F0, F4).
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF

    /// A validator at the start of a text.
    public init() {}

    /// True when what was fed so far ends between characters.
    public var isComplete: Bool { needed == 0 }

    /// Feeds bytes; false as soon as they cannot be part of valid UTF-8.
    public mutating func feed(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            index += 1
            if needed == 0 {
                if byte < 0x80 {
                    // ASCII runs are the common case: skip them eight bytes at a time.
                    while index + 8 <= count {
                        let word = UnsafeRawPointer(bytes.baseAddress! + index).loadUnaligned(as: UInt64.self)
                        if word & 0x8080_8080_8080_8080 != 0 { break }
                        index += 8
                    }
                    continue
                }
                switch byte {
                case 0xC2...0xDF: needed = 1; lower = 0x80; upper = 0xBF
                case 0xE0: needed = 2; lower = 0xA0; upper = 0xBF
                case 0xE1...0xEC, 0xEE...0xEF: needed = 2; lower = 0x80; upper = 0xBF
                case 0xED: needed = 2; lower = 0x80; upper = 0x9F
                case 0xF0: needed = 3; lower = 0x90; upper = 0xBF
                case 0xF1...0xF3: needed = 3; lower = 0x80; upper = 0xBF
                case 0xF4: needed = 3; lower = 0x80; upper = 0x8F
                default: return false
                }
            } else {
                guard byte >= lower && byte <= upper else { return false }
                needed -= 1
                lower = 0x80
                upper = 0xBF
            }
        }
        return true
    }

    /// Feeds bytes; false as soon as they cannot be part of valid UTF-8.
    public mutating func feed(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { feed($0) }
    }

    /// True when `bytes` are valid UTF-8 on their own.
    public static func isValid(_ bytes: [UInt8]) -> Bool {
        var validator = UTF8Validator()
        return validator.feed(bytes) && validator.isComplete
    }
}
