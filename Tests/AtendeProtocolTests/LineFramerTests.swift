// Tests for LineFramer: splitting, CRLF, blank lines, the hard limit, and arbitrary chunking.

import XCTest
@testable import AtendeProtocol

final class LineFramerTests: XCTestCase {
    /// Drains `framer` until it needs more or refuses a line; returns the lines as text and the last answer.
    private func drain(_ framer: inout LineFramer) -> ([String], LineFramer.Next) {
        var lines: [String] = []
        while true {
            let next = framer.next()
            guard case .line(let bytes) = next else { return (lines, next) }
            lines.append(String(decoding: bytes, as: UTF8.self))
        }
    }

    func testLinesReadInPlaceAreTheLinesCopiedOut() {
        var generator = SystemRandomNumberGenerator()
        let pieces = ["a", "bb", "\r\n", "\n", " ", "{\"x\":1}", "\r", "\t\n", "ç"]
        for _ in 0..<300 {
            var copied = LineFramer(maxLineBytes: 64)
            var inPlace = LineFramer(maxLineBytes: 64)
            var fromCopies: [[UInt8]] = []
            var fromPlace: [[UInt8]] = []
            for _ in 0..<Int.random(in: 1...12, using: &generator) {
                let chunk = (0..<Int.random(in: 1...6, using: &generator)).map { _ in
                    pieces.randomElement(using: &generator)!
                }.joined()
                copied.append(Array(chunk.utf8))
                inPlace.append(Array(chunk.utf8))
                while case .line(let line) = copied.next() { fromCopies.append(line) }
                while case .line(let range) = inPlace.nextCut() {
                    fromPlace.append(inPlace.withLine(range) { Array($0) })
                }
                XCTAssertEqual(inPlace.bufferedBytes, copied.bufferedBytes)
            }
            XCTAssertEqual(fromPlace, fromCopies)
        }
    }

    func testSplitsLines() {
        let cases: [(chunks: [String], lines: [String], buffered: Int)] = [
            (["a\n"], ["a"], 0),
            (["a\nbb\nccc\n"], ["a", "bb", "ccc"], 0),
            (["a\r\nb\r\n"], ["a", "b"], 0),
            (["a\r\r\n"], ["a\r"], 0),
            (["\r\n\n  \n\t\r\nx\n \n"], ["x"], 0),
            (["a", "b", "c\nd"], ["abc"], 1),
            (["{\"a\":", "1}\n", "\n"], ["{\"a\":1}"], 0),
            (["x\r", "\ny"], ["x"], 1),
            ([" a \n"], [" a "], 0),
            (["no newline"], [], 10),
            ([""], [], 0),
        ]
        for (chunks, expected, buffered) in cases {
            var framer = LineFramer(maxLineBytes: 100)
            var lines: [String] = []
            for chunk in chunks {
                framer.append(Array(chunk.utf8))
                let (found, last) = drain(&framer)
                XCTAssertEqual(last, .needMore, "\(chunks)")
                lines += found
            }
            XCTAssertEqual(lines, expected, "\(chunks)")
            XCTAssertEqual(framer.bufferedBytes, buffered, "\(chunks)")
        }
    }

    func testRawBufferAppend() {
        var framer = LineFramer(maxLineBytes: 100)
        Array("one\ntwo\n".utf8).withUnsafeBytes { framer.append($0) }
        framer.append(UnsafeRawBufferPointer(start: nil, count: 0))
        XCTAssertEqual(drain(&framer).0, ["one", "two"])
    }

    func testLimits() {
        // (maxLineBytes, input, lines before the verdict, verdict)
        let cases: [(Int, String, [String], LineFramer.Next)] = [
            (5, "12345\n", ["12345"], .needMore),
            (5, "12345\r\n", ["12345"], .needMore),
            (5, "123456\n", [], .tooLong),
            (5, "123456\r\n", [], .tooLong),
            (5, "12345", [], .needMore),
            (5, "12345\r", [], .needMore),
            (5, "123456", [], .tooLong),
            (5, "12345\r\r", [], .tooLong),
            (5, "ok\n123456", ["ok"], .tooLong),
            (5, "ok\n1234567\nok\n", ["ok"], .tooLong),
            (5, "      \n", [], .tooLong),
        ]
        for (limit, input, expectedLines, verdict) in cases {
            var framer = LineFramer(maxLineBytes: limit)
            framer.append(Array(input.utf8))
            let (lines, last) = drain(&framer)
            XCTAssertEqual(lines, expectedLines, input)
            XCTAssertEqual(last, verdict, input)
        }
    }

    func testTooLongIsFinal() {
        var framer = LineFramer(maxLineBytes: 3)
        framer.append(Array("abcd".utf8))
        XCTAssertEqual(framer.next(), .tooLong)
        framer.append(Array("\nok\n".utf8))
        XCTAssertEqual(framer.next(), .tooLong)
        XCTAssertEqual(framer.next(), .tooLong)
        XCTAssertEqual(framer.bufferedBytes, 4, "nothing more is buffered after the refusal")
    }

    func testPartialLineIsRefusedBeforeItCompletes() {
        var framer = LineFramer(maxLineBytes: 1024)
        let chunk = [UInt8](repeating: UInt8(ascii: "x"), count: 300)
        for _ in 0..<3 {
            framer.append(chunk)
            XCTAssertEqual(framer.next(), .needMore)
        }
        framer.append(chunk)
        XCTAssertEqual(framer.next(), .tooLong)
    }

    func testLargeLineArrivingInSmallPiecesIsFramedOnce() {
        var framer = LineFramer(maxLineBytes: 1 << 20)
        let piece = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 {
            framer.append(piece)
            XCTAssertEqual(framer.next(), .needMore)
        }
        framer.append(Array("\nnext".utf8))
        guard case .line(let line) = framer.next() else { return XCTFail("expected a line") }
        XCTAssertEqual(line.count, 1_000_000)
        XCTAssertEqual(framer.next(), .needMore)
        XCTAssertEqual(framer.bufferedBytes, 4)
        framer.append(Array("\n".utf8))
        XCTAssertEqual(framer.next(), .line(Array("next".utf8)))
        XCTAssertEqual(framer.bufferedBytes, 0)
    }

    func testManyLinesInOneAppend() {
        var input: [UInt8] = []
        for index in 0..<10_000 {
            input += Array(#"{"id":\#(index)}"#.utf8)
            input.append(index % 3 == 0 ? 0x0D : 0x20)
            input.append(0x0A)
        }
        var framer = LineFramer(maxLineBytes: 64)
        framer.append(input)
        let (lines, last) = drain(&framer)
        XCTAssertEqual(last, .needMore)
        XCTAssertEqual(lines.count, 10_000)
        XCTAssertEqual(lines[0], #"{"id":0}"#)
        XCTAssertEqual(lines[1], #"{"id":1} "#)
        XCTAssertEqual(lines[9_999], #"{"id":9999}"#)
    }

    func testArbitraryChunkingGivesTheSameLines() {
        let text = "first\r\n\nsecond line\n   \n{\"third\":[1,2,3]}\r\nlast\n"
        let expected = ["first", "second line", #"{"third":[1,2,3]}"#, "last"]
        var generator = SplitMix64(seed: 99)
        let bytes = Array(text.utf8)
        for round in 0..<500 {
            var framer = LineFramer(maxLineBytes: 40)
            var lines: [String] = []
            var index = 0
            while index < bytes.count {
                let size = Int(generator.next() % 7) + 1
                let end = min(bytes.count, index + size)
                framer.append(Array(bytes[index..<end]))
                index = end
                let (found, last) = drain(&framer)
                XCTAssertEqual(last, .needMore, "round \(round)")
                lines += found
            }
            XCTAssertEqual(lines, expected, "round \(round)")
        }
    }

    func testBufferIsCompactedWhileStreaming() {
        var framer = LineFramer(maxLineBytes: 100)
        for index in 0..<100_000 {
            framer.append(Array("line \(index)\nhalf".utf8))
            guard case .line = framer.next() else { return XCTFail("expected a line at \(index)") }
            XCTAssertEqual(framer.next(), .needMore)
            framer.append(Array(" done\n".utf8))
            XCTAssertEqual(framer.next(), .line(Array("half done".utf8)))
        }
        XCTAssertEqual(framer.bufferedBytes, 0)
    }
}
