// Tests for JSON number scanning: the grammar, Int64 versus Double, rounding, range and length limits.

import XCTest
@testable import AtendeProtocol

final class JSONScannerNumbersTests: XCTestCase {
    func testIntegers() throws {
        let cases: [(String, Int64)] = [
            ("0", 0), ("-0", 0), ("7", 7), ("-7", -7), ("1234567890", 1_234_567_890),
            ("9223372036854775807", Int64.max), ("-9223372036854775808", Int64.min),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(try JSONParser.parse(text), .int(expected), text)
        }
    }

    func testIntegersBeyondInt64BecomeDoubles() throws {
        let cases: [(String, Double)] = [
            ("9223372036854775808", 9_223_372_036_854_775_808.0),
            ("-9223372036854775809", -9_223_372_036_854_775_808.0),
            ("18446744073709551616", 18_446_744_073_709_551_616.0),
            ("123456789012345678901234567890", 1.2345678901234568e29),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(try JSONParser.parse(text), .double(expected), text)
        }
    }

    func testDoubles() throws {
        let cases: [(String, Double)] = [
            ("0.0", 0), ("-0.0", -0.0), ("1.5", 1.5), ("-1.5", -1.5), ("0.1", 0.1), ("0.25", 0.25),
            ("1e2", 100), ("1E2", 100), ("1e+2", 100), ("1e-2", 0.01), ("-1.25e-3", -0.00125),
            ("1.0", 1.0), ("4.0", 4.0), ("0e0", 0), ("0e99999", 0), ("1e-400", 0), ("-1e-400", -0.0),
            ("3.141592653589793", 3.141592653589793), ("2.2250738585072014e-308", 2.2250738585072014e-308),
            ("4.9e-324", .leastNonzeroMagnitude), ("1.7976931348623157e308", 1.7976931348623157e308),
            ("9007199254740993.0", 9_007_199_254_740_992.0), ("0.30000000000000004", 0.30000000000000004),
            ("123456789.123456789", 123_456_789.123456789), ("1e22", 1e22), ("1e23", 1e23),
            ("0.000000000000000000000000000001", 1e-30), ("1e0001", 10),
            ("12345678901234567890e-10", 1_234_567_890.123456789),
        ]
        for (text, expected) in cases {
            let parsed = try JSONParser.parse(text)
            XCTAssertEqual(parsed, .double(expected), text)
            XCTAssertEqual(parsed.doubleValue?.sign, expected.sign, text)
        }
    }

    func testFastPathMatchesTheStandardLibrary() throws {
        // Random short decimals exercise Clinger's fast path; the standard library is the reference.
        var generator = SplitMix64(seed: 12345)
        for _ in 0..<5000 {
            let mantissa = generator.next() % 10_000_000_000_000_000
            let exponent = Int(generator.next() % 60) - 30
            let text = "\(mantissa)e\(exponent)"
            XCTAssertEqual(try JSONParser.parse(text), .double(Double(text)!), text)
            let fraction = "\(generator.next() % 100_000).\(generator.next() % 1_000_000_000)"
            XCTAssertEqual(try JSONParser.parse(fraction), .double(Double(fraction)!), fraction)
        }
    }

    func testInvalidNumbers() {
        let cases: [(String, Int, String)] = [
            ("01", 0, "invalid number: leading zero"),
            ("-01", 0, "invalid number: leading zero"),
            ("00.5", 0, "invalid number: leading zero"),
            ("-", 1, "unexpected end of input"),
            ("-a", 1, "invalid number: expected a digit in the number"),
            ("- 1", 1, "invalid number: expected a digit in the number"),
            ("1.", 2, "unexpected end of input"),
            ("1.e5", 2, "invalid number: expected a digit in the fraction"),
            ("1e", 2, "unexpected end of input"),
            ("1e+", 3, "unexpected end of input"),
            ("1e+x", 3, "invalid number: expected a digit in the exponent"),
            ("[1.]", 3, "invalid number: expected a digit in the fraction"),
            (".5", 0, "unexpected character '.'"),
            ("+1", 0, "unexpected character '+'"),
            ("0x10", 1, "unexpected data after the value"),
            ("1.5.5", 3, "unexpected data after the value"),
            ("--1", 1, "invalid number: expected a digit in the number"),
            ("1e999", 0, "number out of range"),
            ("-1e999", 0, "number out of range"),
            ("[1, 1.8e308]", 4, "number out of range"),
        ]
        for (text, offset, reason) in cases {
            XCTAssertEqual(parseFailure(Array(text.utf8)), JSONParseError(offset: offset, reason: reason), text)
        }
    }

    func testHugeIntegersAreOutOfRange() {
        let digits = "1" + String(repeating: "0", count: 400)
        XCTAssertEqual(parseFailure(Array(digits.utf8))?.reason, "number out of range")
    }

    func testNumberLengthCap() throws {
        let longest = "0." + String(repeating: "1", count: 998)
        XCTAssertEqual(longest.utf8.count, 1000)
        XCTAssertEqual(try JSONParser.parse(longest).doubleValue ?? 0, 0.11111111111111111, accuracy: 1e-16)
        let tooLong = "[0." + String(repeating: "1", count: 999) + "]"
        XCTAssertEqual(parseFailure(Array(tooLong.utf8)),
                       JSONParseError(offset: 1, reason: "number longer than 1000 characters"))
        let manyZeros = String(repeating: "0", count: 100_000)
        XCTAssertEqual(parseFailure(Array(("0." + manyZeros).utf8))?.reason, "number longer than 1000 characters")
    }
}

/// A small deterministic generator for tests (SplitMix64).
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
