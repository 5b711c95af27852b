// Tests for JSON string scanning: escapes, surrogate pairs, control characters and UTF-8 validation.

import XCTest
@testable import AtendeProtocol

final class JSONScannerStringsTests: XCTestCase {
    /// `bytes` wrapped in quotes.
    private func quoted(_ bytes: [UInt8]) -> [UInt8] {
        [0x22] + bytes + [0x22]
    }

    func testValidStrings() throws {
        let cases: [(String, String)] = [
            (#""plain ascii""#, "plain ascii"),
            (#""\"\\\/\b\f\n\r\t""#, "\"\\/\u{08}\u{0C}\n\r\t"),
            (#""\u0041\u00e9\u00E9\u4e2d""#, "Aéé中"),
            (#""\u0000""#, "\u{0}"),
            (#""\ud83d\ude00""#, "😀"),
            (#""\uD83D\uDE00 and \uDBFF\uDFFF""#, "😀 and \u{10FFFF}"),
            (#""mixed é and \n escape""#, "mixed é and \n escape"),
            ("\"é中😀\u{7F}\"", "é中😀\u{7F}"),
            (#""ends with escape\"""#, "ends with escape\""),
            (#""\\""#, "\\"),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(try JSONParser.parse(text), .string(expected), text)
        }
    }

    func testBoundaryCodePointsInUTF8() throws {
        let cases: [([UInt8], String)] = [
            ([0xC2, 0x80], "\u{80}"),
            ([0xDF, 0xBF], "\u{7FF}"),
            ([0xE0, 0xA0, 0x80], "\u{800}"),
            ([0xED, 0x9F, 0xBF], "\u{D7FF}"),
            ([0xEE, 0x80, 0x80], "\u{E000}"),
            ([0xEF, 0xBF, 0xBF], "\u{FFFF}"),
            ([0xF0, 0x90, 0x80, 0x80], "\u{10000}"),
            ([0xF4, 0x8F, 0xBF, 0xBF], "\u{10FFFF}"),
        ]
        for (bytes, expected) in cases {
            XCTAssertEqual(try JSONParser.parse(quoted(bytes)), .string(expected), "\(bytes)")
            // The same bytes after an escape take the slow path.
            XCTAssertEqual(try JSONParser.parse(quoted(Array(#"\n"#.utf8) + bytes)), .string("\n" + expected))
        }
    }

    func testInvalidUTF8() {
        // (bytes inside the quotes, reason); the offset is always the lead byte at 1 (or 3 after "\n").
        let cases: [([UInt8], String)] = [
            ([0x80], "invalid UTF-8: unexpected continuation byte 0x80"),
            ([0xBF], "invalid UTF-8: unexpected continuation byte 0xBF"),
            ([0xC0, 0xAF], "invalid UTF-8: overlong encoding"),
            ([0xC1, 0xBF], "invalid UTF-8: overlong encoding"),
            ([0xE0, 0x80, 0xAF], "invalid UTF-8: overlong encoding"),
            ([0xE0, 0x9F, 0xBF], "invalid UTF-8: overlong encoding"),
            ([0xF0, 0x80, 0x80, 0xAF], "invalid UTF-8: overlong encoding"),
            ([0xF0, 0x8F, 0xBF, 0xBF], "invalid UTF-8: overlong encoding"),
            ([0xED, 0xA0, 0x80], "invalid UTF-8: encoded surrogate"),
            ([0xED, 0xBF, 0xBF], "invalid UTF-8: encoded surrogate"),
            ([0xED, 0xA0, 0xBD, 0xED, 0xB8, 0x80], "invalid UTF-8: encoded surrogate"),
            ([0xF4, 0x90, 0x80, 0x80], "invalid UTF-8: code point above U+10FFFF"),
            ([0xF5, 0x80, 0x80, 0x80], "invalid UTF-8: byte 0xF5 never appears in UTF-8"),
            ([0xFE], "invalid UTF-8: byte 0xFE never appears in UTF-8"),
            ([0xFF], "invalid UTF-8: byte 0xFF never appears in UTF-8"),
            ([0xC3], "invalid UTF-8: truncated sequence"),
            ([0xC3, 0x41], "invalid UTF-8: truncated sequence"),
            ([0xE4, 0xB8], "invalid UTF-8: truncated sequence"),
            ([0xE4, 0xB8, 0x41], "invalid UTF-8: truncated sequence"),
            ([0xF0, 0x9F, 0x98], "invalid UTF-8: truncated sequence"),
            ([0xF0, 0x9F, 0x98, 0xC3, 0xA9], "invalid UTF-8: truncated sequence"),
        ]
        for (bytes, reason) in cases {
            XCTAssertEqual(parseFailure(quoted(bytes)), JSONParseError(offset: 1, reason: reason), "\(bytes)")
            let slow = quoted(Array(#"\n"#.utf8) + bytes)
            XCTAssertEqual(parseFailure(slow), JSONParseError(offset: 3, reason: reason), "slow \(bytes)")
        }
    }

    func testTruncatedSequenceAtEndOfInput() {
        XCTAssertEqual(parseFailure([0x22, 0xE4, 0xB8])?.reason, "invalid UTF-8: truncated sequence")
        XCTAssertEqual(parseFailure([0x22, 0xF0])?.reason, "invalid UTF-8: truncated sequence")
    }

    func testRawControlCharactersAreRefused() {
        for byte in UInt8(0)..<0x20 {
            let error = parseFailure([0x22, 0x61, byte, 0x22])
            XCTAssertEqual(error?.offset, 2, "byte \(byte)")
            XCTAssertEqual(error?.reason, "unescaped control character U+00\(hexByte(byte)) in string")
            XCTAssertEqual(parseFailure([0x22, 0x5C, 0x6E, byte, 0x22])?.offset, 3, "slow path, byte \(byte)")
        }
    }

    func testInvalidEscapes() {
        let cases: [(String, Int, String)] = [
            (#""\x""#, 1, "invalid escape sequence"),
            (#""\'""#, 1, "invalid escape sequence"),
            (#""\U0041""#, 1, "invalid escape sequence"),
            (#""ab\""#, 0, "unterminated string"),
            ("\"ab\\", 3, "unterminated string"),
            (#""\u12""#, 1, "invalid \\u escape: expected four hex digits"),
            (#""\u12g4""#, 1, "invalid \\u escape: expected four hex digits"),
            (#""\u""#, 1, "invalid \\u escape: expected four hex digits"),
            ("\"\\u004", 1, "invalid \\u escape: expected four hex digits"),
        ]
        for (text, offset, reason) in cases {
            XCTAssertEqual(parseFailure(Array(text.utf8)), JSONParseError(offset: offset, reason: reason), text)
        }
    }

    func testLoneSurrogateEscapes() {
        let cases: [(String, Int, String)] = [
            (#""\ud800""#, 1, #"lone surrogate \uD800"#),
            (#""\uDBFF x""#, 1, #"lone surrogate \uDBFF"#),
            (#""\udc00""#, 1, #"lone surrogate \uDC00"#),
            (#""x\uDFFF\uD800""#, 2, #"lone surrogate \uDFFF"#),
            (#""\ud800\ud800""#, 1, #"lone surrogate \uD800"#),
            (#""\ud800\u0041""#, 1, #"lone surrogate \uD800"#),
            (#""\ud800\n""#, 1, #"lone surrogate \uD800"#),
            (#""\ud800\ud"#, 7, #"invalid \u escape: expected four hex digits"#),
        ]
        for (text, offset, reason) in cases {
            XCTAssertEqual(parseFailure(Array(text.utf8)), JSONParseError(offset: offset, reason: reason), text)
        }
    }

    func testUnterminatedStrings() {
        XCTAssertEqual(parseFailure(Array(#"["abc"#.utf8)), JSONParseError(offset: 1, reason: "unterminated string"))
        XCTAssertEqual(parseFailure(Array(#"{"ab"#.utf8)), JSONParseError(offset: 1, reason: "unterminated string"))
        XCTAssertEqual(parseFailure([0x22]), JSONParseError(offset: 0, reason: "unterminated string"))
    }

    func testKeysUseTheSameRules() throws {
        XCTAssertEqual(try JSONParser.parse(#"{"\u00e9\n":1}"#), .object(["é\n": .int(1)]))
        XCTAssertEqual(parseFailure([0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D])?.reason,
                       "invalid UTF-8: byte 0xFF never appears in UTF-8")
    }

    func testLongStringsWithAndWithoutEscapes() throws {
        let long = String(repeating: "abcdé", count: 20_000)
        XCTAssertEqual(try JSONParser.parse("\"\(long)\""), .string(long))
        let escaped = String(repeating: #"a\"b\\"#, count: 20_000)
        XCTAssertEqual(try JSONParser.parse("\"\(escaped)\""), .string(String(repeating: "a\"b\\", count: 20_000)))
    }
}
