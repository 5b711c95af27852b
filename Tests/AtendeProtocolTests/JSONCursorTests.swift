// Tests for JSONCursor: the same bytes as JSONWriter for integers and strings, within the bounds it promises.

import XCTest
@testable import AtendeProtocol

final class JSONCursorTests: XCTestCase {
    /// Writes with a cursor into exactly `bound` bytes.
    private func written(bound: Int, _ write: (inout JSONCursor) -> Void) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: bound) { buffer, count in
            var cursor = JSONCursor(UnsafeMutableBufferPointer(rebasing: buffer[0..<bound]))
            write(&cursor)
            XCTAssertLessThanOrEqual(cursor.count, bound)
            count = cursor.count
        }
    }

    func testIntegersMatchJSONWriter() {
        for value: Int64 in [0, 1, 9, 10, 99, 100, -1, -10, 1_700_000_000_000, .max, .min, .min + 1] {
            var writer = JSONWriter()
            writer.int(value)
            XCTAssertEqual(written(bound: JSONCursor.intBound) { $0.int(value) }, writer.bytes, "\(value)")
        }
    }

    func testStringsMatchJSONWriterWithinTheirBound() {
        let controls = String((0..<0x20).map { Character(Unicode.Scalar(UInt8($0))) })
        var samples = ["", "plain", "quote \" and backslash \\", "José da Silva ✓ 😀", controls, "\u{7F}\u{2028}",
                       String(repeating: "\"", count: 40), String(repeating: "\u{01}", count: 40),
                       // Clean words before an escape, and an escape in a word after clean ones.
                       String(repeating: "x", count: 8) + "\"", String(repeating: "y", count: 17) + "\n tail",
                       "+5511987654321-life-pair-123\\", String(repeating: "z", count: 24)]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<200 {
            let scalars = (0..<Int.random(in: 0...24, using: &generator)).map { _ in
                Unicode.Scalar(UInt8.random(in: 0...0x7F, using: &generator))
            }
            samples.append(String(String.UnicodeScalarView(scalars)))
        }
        for sample in samples {
            var writer = JSONWriter()
            writer.string(sample)
            let bytes = written(bound: JSONCursor.quotedBound(sample)) { $0.quoted(sample) }
            XCTAssertEqual(bytes, writer.bytes, sample.debugDescription)
        }
    }

    func testTheWordTestFindsEveryByteThatNeedsAnEscapeAndNoOther() {
        func expected(_ bytes: [UInt8]) -> Bool { bytes.contains { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C } }
        func word(_ bytes: [UInt8]) -> UInt64 { bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } }
        // Every byte value at every position among plain letters, and beside high bytes (the borrow of a
        // subtraction must not mark a neighbour).
        for filler: UInt8 in [UInt8(ascii: "a"), 0x80, 0xFF, 0x20, 0x21, 0x5B, 0x5D] {
            for position in 0..<8 {
                for value in 0...255 {
                    var bytes = [UInt8](repeating: filler, count: 8)
                    bytes[position] = UInt8(value)
                    XCTAssertEqual(JSONCursor.needsEscape(word(bytes)), expected(bytes), "\(bytes)")
                }
            }
        }
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<100_000 {
            let bytes = (0..<8).map { _ in UInt8.random(in: 0...255, using: &generator) }
            XCTAssertEqual(JSONCursor.needsEscape(word(bytes)), expected(bytes), "\(bytes)")
        }
    }

    func testPiecesFollowEachOther() {
        let bytes = written(bound: 64) { cursor in
            cursor.literal("{\"a\":")
            cursor.int(-12)
            cursor.literal(",\"b\":")
            cursor.quoted("x\ny")
            cursor.byte(UInt8(ascii: "}"))
        }
        XCTAssertEqual(String(decoding: bytes, as: UTF8.self), #"{"a":-12,"b":"x\ny"}"#)
    }
}
