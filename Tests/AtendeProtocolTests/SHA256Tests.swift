// Tests for SHA256: FIPS 180 test vectors, and every length around the padding boundaries against sha256sum.

import Foundation
import XCTest
@testable import AtendeProtocol

final class SHA256Tests: XCTestCase {
    func testKnownVectors() {
        let cases: [(String, String)] = [
            ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
            ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
            ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
             "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ]
        for (input, digest) in cases { XCTAssertEqual(SHA256.hex(input), digest, input) }
        XCTAssertEqual(SHA256.digest([UInt8](repeating: 0x61, count: 1_000_000)).count, 32)
        XCTAssertEqual(SHA256.hex(String(repeating: "a", count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    func testLengthsAgainstSha256sum() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/sha256sum") else {
            throw XCTSkip("sha256sum not installed")
        }
        for length in [1, 54, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000] {
            let text = String((0..<length).map { _ in "abcdefghijklmnopqrstuvwxyz0123456789".randomElement()! })
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
            let input = Pipe(), output = Pipe()
            process.standardInput = input
            process.standardOutput = output
            try process.run()
            input.fileHandleForWriting.write(Data(text.utf8))
            try input.fileHandleForWriting.close()
            let answer = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            XCTAssertEqual(SHA256.hex(text), String(answer.prefix(64)), "length \(length)")
        }
    }
}
