// JSON string scanning: UTF-8 validation and escape decoding.
// Most strings on the wire (keys, ids, method names, plain text) have no escapes, so the fast path only scans
// and validates the bytes in place and makes the String from them in one step; only a string holding a
// backslash is copied into a reused scratch buffer. Validation follows Unicode Table 3-7 exactly, so overlong
// forms, encoded surrogates and code points past U+10FFFF are refused with a precise reason.

extension JSONScanner {
    /// Parses a string whose opening quote is at `pos`, leaving `pos` after the closing quote.
    mutating func parseString() throws(JSONParseError) -> String {
        let start = pos + 1
        var index = start
        while index < end {
            let byte = base[index]
            if byte >= 0x80 {
                index = try validateUTF8Sequence(at: index)
            } else if byte == UInt8(ascii: "\"") {
                pos = index + 1
                return String(decoding: UnsafeBufferPointer(start: base + start, count: index - start), as: UTF8.self)
            } else if byte == UInt8(ascii: "\\") {
                return try parseEscapedString(start: start, firstEscape: index)
            } else if byte < 0x20 {
                throw controlCharacter(byte, at: index)
            } else {
                index += 1
            }
        }
        throw fail(pos, "unterminated string")
    }

    /// The slow path: copies the string into `scratch`, decoding escapes.
    private mutating func parseEscapedString(start: Int, firstEscape: Int) throws(JSONParseError) -> String {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(contentsOf: UnsafeBufferPointer(start: base + start, count: firstEscape - start))
        var index = firstEscape
        while index < end {
            let byte = base[index]
            if byte == UInt8(ascii: "\"") {
                pos = index + 1
                return String(decoding: scratch, as: UTF8.self)
            } else if byte == UInt8(ascii: "\\") {
                index = try decodeEscape(at: index)
            } else if byte >= 0x80 {
                let next = try validateUTF8Sequence(at: index)
                scratch.append(contentsOf: UnsafeBufferPointer(start: base + index, count: next - index))
                index = next
            } else if byte < 0x20 {
                throw controlCharacter(byte, at: index)
            } else {
                scratch.append(byte)
                index += 1
            }
        }
        throw fail(pos, "unterminated string")
    }

    private func controlCharacter(_ byte: UInt8, at offset: Int) -> JSONParseError {
        fail(offset, "unescaped control character U+00\(hexByte(byte)) in string")
    }

    /// Decodes the escape whose backslash is at `index` into `scratch`; returns the index after it.
    private mutating func decodeEscape(at index: Int) throws(JSONParseError) -> Int {
        guard index + 1 < end else { throw fail(index, "unterminated string") }
        let decoded: UInt8
        switch base[index + 1] {
        case UInt8(ascii: "\""): decoded = 0x22
        case UInt8(ascii: "\\"): decoded = 0x5C
        case UInt8(ascii: "/"): decoded = 0x2F
        case UInt8(ascii: "b"): decoded = 0x08
        case UInt8(ascii: "f"): decoded = 0x0C
        case UInt8(ascii: "n"): decoded = 0x0A
        case UInt8(ascii: "r"): decoded = 0x0D
        case UInt8(ascii: "t"): decoded = 0x09
        case UInt8(ascii: "u"):
            return try decodeUnicodeEscape(at: index)
        default:
            throw fail(index, "invalid escape sequence")
        }
        scratch.append(decoded)
        return index + 2
    }

    /// Decodes `\uXXXX` (or a surrogate pair `\uD8xx\uDCxx`) at `index` into `scratch`.
    private mutating func decodeUnicodeEscape(at index: Int) throws(JSONParseError) -> Int {
        let unit = try hexQuad(at: index + 2)
        var scalar = UInt32(unit)
        var next = index + 6
        if unit >= 0xDC00 && unit <= 0xDFFF {
            throw fail(index, "lone surrogate \\u\(hexByte(UInt8(unit >> 8)))\(hexByte(UInt8(unit & 0xFF)))")
        }
        if unit >= 0xD800 && unit <= 0xDBFF {
            guard next + 1 < end, base[next] == UInt8(ascii: "\\"), base[next + 1] == UInt8(ascii: "u") else {
                throw fail(index, "lone surrogate \\u\(hexByte(UInt8(unit >> 8)))\(hexByte(UInt8(unit & 0xFF)))")
            }
            let low = try hexQuad(at: next + 2)
            guard low >= 0xDC00 && low <= 0xDFFF else {
                throw fail(index, "lone surrogate \\u\(hexByte(UInt8(unit >> 8)))\(hexByte(UInt8(unit & 0xFF)))")
            }
            scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
            next += 6
        }
        appendUTF8(scalar)
        return next
    }

    /// The value of four hex digits starting at `index`.
    private func hexQuad(at index: Int) throws(JSONParseError) -> UInt16 {
        guard index + 4 <= end else { throw fail(index - 2, "invalid \\u escape: expected four hex digits") }
        var value: UInt16 = 0
        for offset in index..<index + 4 {
            let byte = base[offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte &- UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte &- UInt8(ascii: "a") &+ 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte &- UInt8(ascii: "A") &+ 10
            default: throw fail(index - 2, "invalid \\u escape: expected four hex digits")
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case 0..<0x80:
            scratch.append(UInt8(scalar))
        case 0x80..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// Checks the multi-byte UTF-8 sequence whose lead byte (>= 0x80) is at `index`; returns the index after it.
    func validateUTF8Sequence(at index: Int) throws(JSONParseError) -> Int {
        let lead = base[index]
        let length: Int
        // The accepted range of the second byte depends on the lead byte (Unicode Table 3-7).
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0x80...0xBF:
            throw fail(index, "invalid UTF-8: unexpected continuation byte 0x\(hexByte(lead))")
        case 0xC0, 0xC1:
            throw fail(index, "invalid UTF-8: overlong encoding")
        case 0xC2...0xDF:
            length = 2
        case 0xE0:
            length = 3
            low = 0xA0
        case 0xED:
            length = 3
            high = 0x9F
        case 0xE1...0xEF:
            length = 3
        case 0xF0:
            length = 4
            low = 0x90
        case 0xF1...0xF3:
            length = 4
        case 0xF4:
            length = 4
            high = 0x8F
        default:
            throw fail(index, "invalid UTF-8: byte 0x\(hexByte(lead)) never appears in UTF-8")
        }
        guard index + 1 < end, base[index + 1] & 0xC0 == 0x80 else {
            throw fail(index, "invalid UTF-8: truncated sequence")
        }
        let second = base[index + 1]
        if second < low {
            throw fail(index, "invalid UTF-8: overlong encoding")
        }
        if second > high {
            let reason = lead == 0xED ? "encoded surrogate" : "code point above U+10FFFF"
            throw fail(index, "invalid UTF-8: \(reason)")
        }
        for offset in 2..<length where index + offset >= end || base[index + offset] & 0xC0 != 0x80 {
            throw fail(index, "invalid UTF-8: truncated sequence")
        }
        return index + length
    }
}
