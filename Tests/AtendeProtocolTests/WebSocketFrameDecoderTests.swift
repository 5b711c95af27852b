// Tests for the WebSocket framing: frames written by WebSocketFrame and read back by WebSocketFrameDecoder whole
// and byte by byte, the three length forms, fragmentation with control frames between fragments, every rule
// that fails the stream (with its close code), UTF-8 across fragments, and a seeded fuzz that must never trap.

import XCTest
@testable import AtendeProtocol

final class WebSocketFrameDecoderTests: XCTestCase {
    private let key: [UInt8] = [0x37, 0xFA, 0x21, 0x3D]

    private func masked(_ opcode: WebSocketOpcode, _ payload: [UInt8], fin: Bool = true) -> [UInt8] {
        WebSocketFrame.frame(opcode, payload, fin: fin, maskKey: key)
    }

    private func masked(_ opcode: WebSocketOpcode, _ text: String, fin: Bool = true) -> [UInt8] {
        masked(opcode, Array(text.utf8), fin: fin)
    }

    /// Everything the decoder returns for `bytes` fed `chunk` bytes at a time, up to and including a failure.
    private func decode(_ bytes: [UInt8], chunk: Int = .max, max: Int = 1 << 20) -> [WebSocketFrameDecoder.Next] {
        var decoder = WebSocketFrameDecoder(maxMessageBytes: max)
        var found: [WebSocketFrameDecoder.Next] = []
        var index = 0
        repeat {
            let end = Swift.min(bytes.count, index + Swift.max(1, Swift.min(chunk, bytes.count)))
            decoder.append(Array(bytes[index..<end]))
            index = end
            while true {
                let next = decoder.next()
                if next == .needMore { break }
                found.append(next)
                if case .failure = next { return found }
            }
        } while index < bytes.count
        return found
    }

    func testRFCExamples() {
        // RFC 6455 section 5.7: a masked "Hello" from a client, and an unmasked one from a server.
        let hello: [UInt8] = [0x81, 0x85, 0x37, 0xFA, 0x21, 0x3D, 0x7F, 0x9F, 0x4D, 0x51, 0x58]
        XCTAssertEqual(decode(hello), [.text(Array("Hello".utf8))])
        XCTAssertEqual(masked(.text, "Hello"), hello)
        XCTAssertEqual(WebSocketFrame.frame(.text, Array("Hello".utf8)), [0x81, 0x05, 0x48, 0x65, 0x6C, 0x6C, 0x6F])
        var client = WebSocketFrameDecoder(maxMessageBytes: 100, expectsMasked: false)
        client.append([0x01, 0x03, 0x48, 0x65, 0x6C, 0x80, 0x02, 0x6C, 0x6F])
        XCTAssertEqual(client.next(), .text(Array("Hello".utf8)))
        // A masked ping with "Hello".
        XCTAssertEqual(decode(masked(.ping, "Hello")), [.ping(Array("Hello".utf8))])
    }

    func testLengthFormsWholeAndByteByByte() {
        for length in [0, 1, 125, 126, 127, 65535, 65536, 70000] {
            let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0 * 7 % 128) }
            let frame = masked(.text, payload)
            XCTAssertEqual(frame.count, payload.count + WebSocketFrame.headerLength(payload: length, masked: true))
            for chunk in length > 1000 ? [Int.max, 4093] : [Int.max, 1, 3] {
                XCTAssertEqual(decode(frame, chunk: chunk), [.text(payload)], "length \(length) chunk \(chunk)")
            }
        }
    }

    func testFragmentsWithControlFramesBetween() {
        let stream = masked(.text, "Olá, ", fin: false) + masked(.ping, "p1")
            + masked(.continuation, "mun", fin: false)
            + masked(.pong, []) + masked(.continuation, "do") + masked(.binary, [1, 2], fin: false)
            + masked(.continuation, [3]) + masked(.close, WebSocketFrame.closePayload(1000, reason: "tchau"))
        for chunk in [Int.max, 1, 2, 5] {
            XCTAssertEqual(decode(stream, chunk: chunk), [
                .ping(Array("p1".utf8)), .pong([]), .text(Array("Olá, mundo".utf8)), .binary([1, 2, 3]),
                .close(code: 1000, reason: "tchau"),
            ], "chunk \(chunk)")
        }
        // A character split between two fragments is fine.
        let split = Array("é".utf8)
        XCTAssertEqual(decode(masked(.text, [split[0]], fin: false) + masked(.continuation, [split[1]])),
                       [.text(split)])
    }

    func testProtocolErrors() {
        func code(_ bytes: [UInt8], max: Int = 1 << 20) -> UInt16? {
            for chunk in [Int.max, 1] {
                if case .failure(let code, _) = decode(bytes, chunk: chunk, max: max).last {
                    if chunk == 1 { return code }
                } else {
                    return nil
                }
            }
            return nil
        }
        let unmasked = WebSocketFrame.frame(.text, Array("hi".utf8))
        XCTAssertEqual(code(unmasked), 1002, "unmasked client frame")
        var reserved = masked(.text, "hi")
        reserved[0] |= 0x40
        XCTAssertEqual(code(reserved), 1002, "RSV1 without an extension")
        var opcode = masked(.text, "hi")
        opcode[0] = 0x83
        XCTAssertEqual(code(opcode), 1002, "opcode 3")
        XCTAssertEqual(code(masked(.ping, "x", fin: false)), 1002, "fragmented ping")
        XCTAssertEqual(code([0x89, 0xFE, 0, 126] + key + [UInt8](repeating: 0, count: 126)), 1002, "long ping")
        XCTAssertEqual(code(masked(.continuation, "x")), 1002, "continuation first")
        XCTAssertEqual(code(masked(.text, "a", fin: false) + masked(.text, "b")), 1002, "text inside text")
        XCTAssertEqual(code([0x81, 0xFE, 0, 5] + key + [1, 2, 3, 4, 5]), 1002, "16-bit length under 126")
        XCTAssertEqual(code([0x81, 0xFF, 0, 0, 0, 0, 0, 0, 1, 0] + key), 1002, "64-bit length under 65536")
        XCTAssertEqual(code([0x81, 0xFF, 0x80, 0, 0, 0, 0, 0, 0, 0] + key), 1002, "64-bit length with the top bit")
        XCTAssertEqual(code(masked(.close, [3])), 1002, "close with one byte")
        XCTAssertEqual(code(masked(.close, [0x03, 0xED])), 1002, "close code 1005")
        XCTAssertEqual(code(masked(.close, [0x03, 0xE8, 0xFF])), 1007, "close reason not UTF-8")
        XCTAssertNil(code(masked(.close, [0x0F, 0xA0])), "close code 4000 is fine")
        // Size: refused from the header alone, before the payload arrives.
        var decoder = WebSocketFrameDecoder(maxMessageBytes: 1000)
        decoder.append(Array(masked(.text, [UInt8](repeating: 65, count: 1001)).prefix(8)))
        XCTAssertEqual(decoder.next(), .failure(code: 1009, reason: "message over 1000 bytes"))
        XCTAssertEqual(code(masked(.text, [UInt8](repeating: 65, count: 600), fin: false)
                            + masked(.continuation, [UInt8](repeating: 65, count: 401)), max: 1000), 1009)
        XCTAssertNil(code(masked(.text, [UInt8](repeating: 65, count: 600), fin: false)
                          + masked(.continuation, [UInt8](repeating: 65, count: 400)), max: 1000))
        XCTAssertEqual(code([0x81, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF] + key), 1009)
        // UTF-8: bad bytes, overlongs, surrogates, beyond U+10FFFF, a message ending mid-character.
        for bad: [UInt8] in [[0xFF], [0xC0, 0xAF], [0xE0, 0x80, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80],
                             [0xE2, 0x82]] {
            XCTAssertEqual(code(masked(.text, bad)), 1007, "\(bad)")
        }
        XCTAssertEqual(code(masked(.text, [0xCE], fin: false) + masked(.continuation, [0x41])), 1007)
        XCTAssertNil(code(masked(.binary, [0xFF])), "binary is not checked")
        // Sticky after a failure.
        var sticky = WebSocketFrameDecoder(maxMessageBytes: 100)
        sticky.append(unmasked)
        XCTAssertEqual(sticky.next(), .failure(code: 1002, reason: "client frames must be masked"))
        sticky.append(masked(.text, "ok"))
        XCTAssertEqual(sticky.next(), .failure(code: 1002, reason: "client frames must be masked"))
        XCTAssertEqual(sticky.bufferedBytes, 0)
    }

    func testUTF8ValidatorAgainstTheStandardLibrary() {
        var random = SplitMix64(seed: 6455)
        for _ in 0..<20_000 {
            let length = Int(random.next() % 12)
            var bytes = (0..<length).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            if random.next() % 2 == 0 { bytes = bytes.map { $0 & 0x7F | ($0 & 0x40 == 0 ? 0 : 0x80) } }
            let expected = String(validating: bytes, as: UTF8.self) != nil
            XCTAssertEqual(UTF8Validator.isValid(bytes), expected, "\(bytes)")
            // Fed in two pieces, the same answer.
            let cut = length == 0 ? 0 : Int(random.next() % UInt64(length))
            var validator = UTF8Validator()
            let split = validator.feed(Array(bytes[..<cut])) && validator.feed(Array(bytes[cut...]))
                && validator.isComplete
            XCTAssertEqual(split, expected)
        }
        XCTAssertTrue(UTF8Validator.isValid(Array("atendimento às 18h – 😀 ok, long ascii run here".utf8)))
    }

    func testInPlaceFramesAndCloseReasons() {
        for length in [0, 125, 126, 65535, 65536, 100_000] {
            var out: [UInt8] = [9, 9]
            let start = WebSocketFrame.begin(into: &out)
            out += [UInt8](repeating: 66, count: length)
            WebSocketFrame.end(.text, startedAt: start, into: &out)
            XCTAssertEqual(out, [9, 9] + WebSocketFrame.frame(.text, [UInt8](repeating: 66, count: length)))
        }
        let long = String(repeating: "ã", count: 100)  // 200 bytes: cut to fit, on a character boundary
        let payload = WebSocketFrame.closePayload(1009, reason: long)
        XCTAssertLessThanOrEqual(payload.count, 125)
        XCTAssertTrue(UTF8Validator.isValid(Array(payload[2...])))
        XCTAssertEqual(Array(payload[..<2]), [0x03, 0xF1])
    }

    /// Random mutations of valid streams, fed in random pieces: any outcome but a trap, and memory stays bounded.
    func testFuzzedStreamsNeverTrap() {
        var random = SplitMix64(seed: 1009)
        let seeds: [[UInt8]] = [
            masked(.text, "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"system.ping\"}"),
            masked(.text, "a", fin: false) + masked(.ping, "x") + masked(.continuation, "b"),
            masked(.close, WebSocketFrame.closePayload(1000)), masked(.binary, [UInt8](repeating: 1, count: 300)),
        ]
        for _ in 0..<5000 {
            var bytes = seeds[Int(random.next() % UInt64(seeds.count))]
            bytes += seeds[Int(random.next() % UInt64(seeds.count))]
            for _ in 0..<(1 + random.next() % 4) {
                let at = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 3 {
                case 0: bytes[at] = UInt8(truncatingIfNeeded: random.next())
                case 1: bytes[at] ^= 1 << UInt8(random.next() % 8)
                default: bytes.remove(at: at)
                }
                if bytes.isEmpty { bytes = [0x81] }
            }
            var decoder = WebSocketFrameDecoder(maxMessageBytes: 512)
            var index = 0
            while index < bytes.count {
                let end = min(bytes.count, index + 1 + Int(random.next() % 40))
                decoder.append(Array(bytes[index..<end]))
                index = end
                var count = 0
                while true {
                    let next = decoder.next()
                    if next == .needMore { break }
                    if case .failure(let code, _) = next {
                        XCTAssertTrue([1002, 1007, 1009].contains(code))
                        break
                    }
                    count += 1
                    XCTAssertLessThan(count, 100)
                }
                XCTAssertLessThanOrEqual(decoder.bufferedBytes, 512 + 14 + 40)
            }
        }
    }
}
