// WebSocket masking against the RFC's definition (byte i XOR key[(phase + i) mod 4]) for every length around the
// 8-byte steps and every phase, and frames begun in place (`begin`/`end`) against frames built whole.

import XCTest
@testable import AtendeProtocol

final class WebSocketMaskTests: XCTestCase {
    func testMaskMatchesTheDefinition() {
        let key: (UInt8, UInt8, UInt8, UInt8) = (0x37, 0xfa, 0x21, 0x3d)
        let keyBytes = [key.0, key.1, key.2, key.3]
        for length in 0..<40 {
            for phase in 0..<4 {
                let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
                var masked = payload
                masked.withUnsafeMutableBufferPointer { WebSocketFrame.mask($0, key: key, phase: phase) }
                let expected = payload.enumerated().map { $0.element ^ keyBytes[(phase + $0.offset) & 3] }
                XCTAssertEqual(masked, expected, "length \(length) phase \(phase)")
            }
        }
    }

    func testFramesBegunInPlaceMatchWholeFrames() {
        for length in [0, 1, 125, 126, 127, 1000, 65535, 65536, 70000] {
            let payload = (0..<length).map { UInt8(truncatingIfNeeded: $0) }
            var out: [UInt8] = [9, 9]
            let start = WebSocketFrame.begin(into: &out)
            out += payload
            WebSocketFrame.end(.text, startedAt: start, into: &out)
            XCTAssertEqual(out, [9, 9] + WebSocketFrame.frame(.text, payload), "length \(length)")
        }
    }
}
