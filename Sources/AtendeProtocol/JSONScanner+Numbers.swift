// JSON number scanning: the RFC 8259 grammar, then Int64 or Double.
// Integers that fit in Int64 stay exact (ids and counts). Other numbers take Clinger's fast path when the
// digits fit in 53 bits and the power of ten is exact (the common case, e.g. 4.5 or 0.25), and otherwise
// the standard library's correctly rounded conversion. Literals are capped at 1000 characters and an
// infinite result is refused, so no number can cost more than a bounded amount or produce a non-finite value.

/// Exactly representable powers of ten, 1e0 through 1e22.
private let exactPowersOfTen: [Double] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
    1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
]

extension JSONScanner {
    /// The longest number literal accepted, in bytes.
    static let maxNumberLength = 1000

    @inline(__always)
    private func isDigit(_ offset: Int) -> Bool {
        offset < end && base[offset] &- UInt8(ascii: "0") < 10
    }

    /// Parses a number starting at `pos` (a '-' or a digit).
    mutating func parseNumber() throws(JSONParseError) -> JSON {
        let start = pos
        var index = pos
        let negative = base[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        guard isDigit(index) else { throw digitExpected(at: index, in: "number") }

        // Significant digits of the integer and fraction parts, while they fit in 64 bits.
        var mantissa: UInt64 = 0
        var mantissaOverflow = false
        if base[index] == UInt8(ascii: "0") {
            index += 1
            if isDigit(index) { throw fail(start, "invalid number: leading zero") }
        } else {
            while isDigit(index) {
                accumulate(&mantissa, base[index], overflow: &mantissaOverflow)
                index += 1
            }
        }
        var isInteger = true
        var fractionDigits = 0
        if index < end && base[index] == UInt8(ascii: ".") {
            isInteger = false
            index += 1
            guard isDigit(index) else { throw digitExpected(at: index, in: "fraction") }
            while isDigit(index) {
                accumulate(&mantissa, base[index], overflow: &mantissaOverflow)
                fractionDigits += 1
                index += 1
            }
        }
        var exponent = 0
        if index < end && (base[index] | 0x20) == UInt8(ascii: "e") {
            isInteger = false
            index += 1
            var exponentNegative = false
            if index < end && (base[index] == UInt8(ascii: "+") || base[index] == UInt8(ascii: "-")) {
                exponentNegative = base[index] == UInt8(ascii: "-")
                index += 1
            }
            guard isDigit(index) else { throw digitExpected(at: index, in: "exponent") }
            while isDigit(index) {
                // Saturate: anything this large is out of range (or zero) anyway.
                if exponent < 1_000_000 { exponent = exponent * 10 + Int(base[index] &- UInt8(ascii: "0")) }
                index += 1
            }
            if exponentNegative { exponent = -exponent }
        }
        if index - start > Self.maxNumberLength {
            throw fail(start, "number longer than \(Self.maxNumberLength) characters")
        }
        pos = index

        if isInteger && !mantissaOverflow {
            if !negative && mantissa <= UInt64(Int64.max) { return .int(Int64(mantissa)) }
            if negative && mantissa <= Int64.min.magnitude { return .int(Int64(truncatingIfNeeded: 0 &- mantissa)) }
        }
        if !mantissaOverflow {
            if mantissa == 0 { return .double(negative ? -0.0 : 0.0) }
            let power = exponent - fractionDigits
            if mantissa <= 1 << 53 && power >= -22 && power <= 22 {
                var value = Double(mantissa)
                value = power < 0 ? value / exactPowersOfTen[-power] : value * exactPowersOfTen[power]
                return .double(negative ? -value : value)
            }
        }
        let text = String(decoding: UnsafeBufferPointer(start: base + start, count: index - start), as: UTF8.self)
        guard let value = Double(text), value.isFinite else { throw fail(start, "number out of range") }
        return .double(value)
    }

    @inline(__always)
    private func accumulate(_ mantissa: inout UInt64, _ digit: UInt8, overflow: inout Bool) {
        let (times10, o1) = mantissa.multipliedReportingOverflow(by: 10)
        let (sum, o2) = times10.addingReportingOverflow(UInt64(digit &- UInt8(ascii: "0")))
        if o1 || o2 { overflow = true } else { mantissa = sum }
    }

    private func digitExpected(at offset: Int, in part: String) -> JSONParseError {
        guard offset < end else { return fail(offset, "unexpected end of input") }
        return fail(offset, "invalid number: expected a digit in the \(part)")
    }
}
