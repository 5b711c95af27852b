// Tests for SHA1, Base64 and the WebSocket accept value: FIPS 180 test vectors, RFC 4648 vectors, RFC 6455's own
// handshake example, and a cross-check against the system's sha1sum over random inputs.

import Foundation
import XCTest
@testable import AtendeProtocol

final class SHA1Tests: XCTestCase {
    private func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }

    func testKnownVectors() {
        let cases: [(String, String)] = [
            ("", "da39a3ee5e6b4b0d3255bfef95601890afd80709"),
            ("abc", "a9993e364706816aba3e25717850c26c9cd0d89d"),
            ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "84983e441c3bd26ebaae4aa1f95129e5e54670f1"),
            ("The quick brown fox jumps over the lazy dog", "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12"),
        ]
        for (input, digest) in cases { XCTAssertEqual(hex(SHA1.digest(Array(input.utf8))), digest, input) }
        XCTAssertEqual(hex(SHA1.digest([UInt8](repeating: 0x61, count: 1_000_000))),
                       "34aa973cd4c4daa4f61eeb2bdbad27316534016f")
    }

    /// Every length around the 55/56/64-byte padding boundaries, against sha1sum.
    func testLengthsAgainstSha1sum() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sha1sum") else {
            throw XCTSkip("sha1sum not installed")
        }
        var generator = SystemRandomNumberGenerator()
        for length in [0, 1, 54, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000] {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/sha1sum")
            let input = Pipe()
            let output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            try process.run()
            input.fileHandleForWriting.write(Data(bytes))
            try input.fileHandleForWriting.close()
            let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            XCTAssertEqual(hex(SHA1.digest(bytes)), String(text.prefix(40)), "length \(length)")
        }
    }

    func testBase64() {
        let cases: [(String, String)] = [
            ("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="), ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ]
        for (plain, encoded) in cases {
            XCTAssertEqual(Base64.encode(Array(plain.utf8)), encoded)
            XCTAssertEqual(Base64.decode(encoded), Array(plain.utf8))
        }
        XCTAssertEqual(Base64.encode([0xFF, 0xFE, 0xFD]), "//79")
        for bad in ["Zg=", "Zg", "Z===", "Zh==", "Zm9=", "Zm 9", "Zm9v=Zg=", "=Zm9", "Zm9\u{e9}"] {
            XCTAssertNil(Base64.decode(bad), bad)
        }
        var generator = SystemRandomNumberGenerator()
        for length in 0..<70 {
            let bytes = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            XCTAssertEqual(Base64.encode(bytes), Data(bytes).base64EncodedString())
            XCTAssertEqual(Base64.decode(Base64.encode(bytes)), bytes)
        }
    }

    /// RFC 6455 section 1.3's example.
    func testAcceptValueOfTheRFCExample() {
        XCTAssertEqual(WebSocketFrame.acceptValue(forKey: "dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
        XCTAssertTrue(WebSocketFrame.isValidKey("dGhlIHNhbXBsZSBub25jZQ=="))
        XCTAssertFalse(WebSocketFrame.isValidKey("dGhlIHNhbXBsZSBub25jZQ="))
        XCTAssertFalse(WebSocketFrame.isValidKey("c2hvcnQ="))
        XCTAssertFalse(WebSocketFrame.isValidKey("dGhlIHNhbXBsZSBub25jZX=="))
    }
}
