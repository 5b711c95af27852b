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
                       String(repeating: "\"", count: 40), String(repeating: "\u{01}", count: 40)]
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
