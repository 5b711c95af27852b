// Tests for HTTPRequestParser: requests whole and byte by byte, pipelining, bodies, the limits, the refusals
// (with their statuses), the WebSocket and cookie helpers, and a seeded fuzz that must never trap.

import XCTest
@testable import AtendeProtocol

final class HTTPRequestParserTests: XCTestCase {
    private let upgrade = "GET /rpc?x=1 HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nUpgrade: websocket\r\n"
        + "Connection: keep-alive, Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
        + "Sec-WebSocket-Version: 13\r\nOrigin: http://127.0.0.1:8080\r\n"
        + "Cookie: a=1; atende_session=\"abc\"; a=2\r\n\r\n"

    private func parseAll(_ text: String, chunk: Int = .max, parser: HTTPRequestParser = HTTPRequestParser())
        -> (requests: [HTTPRequest], last: HTTPRequestParser.Next) {
        var parser = parser
        var requests: [HTTPRequest] = []
        let bytes = Array(text.utf8)
        var index = 0
        var last = HTTPRequestParser.Next.needMore
        repeat {
            let end = min(bytes.count, index + max(1, min(chunk, bytes.count)))
            parser.append(Array(bytes[index..<end]))
            index = end
            loop: while true {
                last = parser.next()
                switch last {
                case .request(let request): requests.append(request)
                case .needMore: break loop
                case .failure: return (requests, last)
                }
            }
        } while index < bytes.count
        return (requests, last)
    }

    private func status(_ next: HTTPRequestParser.Next) -> Int? {
        if case .failure(let error) = next { return error.status }
        return nil
    }

    func testUpgradeRequestWholeAndByteByByte() {
        for chunk in [Int.max, 1, 2, 7] {
            let (requests, last) = parseAll(upgrade, chunk: chunk)
            XCTAssertEqual(requests.count, 1, "chunk \(chunk)")
            XCTAssertNil(status(last))
            guard let request = requests.first else { continue }
            XCTAssertEqual(request.method, "GET")
            XCTAssertEqual(request.path, "/rpc")
            XCTAssertEqual(request.query, "x=1")
            XCTAssertEqual(request.minorVersion, 1)
            XCTAssertEqual(request.host, "127.0.0.1:8080")
            XCTAssertEqual(request.origin, "http://127.0.0.1:8080")
            XCTAssertTrue(request.isWebSocketUpgrade)
            XCTAssertEqual(request.webSocketKey, "dGhlIHNhbXBsZSBub25jZQ==")
            XCTAssertEqual(request.webSocketVersion, "13")
            XCTAssertEqual(request.cookies, ["a": "1", "atende_session": "abc"])
            XCTAssertTrue(request.keepAlive)
        }
    }

    func testPipelinedRequestsWithBodies() {
        let text = "POST /session HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhello"
            + "\r\nGET / HTTP/1.0\n\n"
            + "POST /x HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
        for chunk in [Int.max, 1, 3] {
            let (requests, last) = parseAll(text, chunk: chunk)
            XCTAssertNil(status(last))
            XCTAssertEqual(requests.map(\.path), ["/session", "/", "/x"], "chunk \(chunk)")
            XCTAssertEqual(requests.first.map { String(decoding: $0.body, as: UTF8.self) }, "hello")
            XCTAssertEqual(requests.map(\.keepAlive), [true, false, false])
            XCTAssertEqual(requests.map(\.minorVersion), [1, 0, 1])
        }
    }

    func testRemainingBytesAfterAnUpgrade() {
        var parser = HTTPRequestParser()
        parser.append(Array((upgrade).utf8) + [0x81, 0x80, 1, 2, 3, 4])
        guard case .request = parser.next() else { return XCTFail("no request") }
        XCTAssertEqual(parser.takeRemaining(), [0x81, 0x80, 1, 2, 3, 4])
        XCTAssertEqual(parser.bufferedBytes, 0)
    }

    func testRefusals() {
        let cases: [(String, Int)] = [
            ("GET / HTTP/1.1\r\n\r\n", 400),                                       // no Host
            ("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
            ("GET / HTTP/2.0\r\nHost: a\r\n\r\n", 505),
            ("GET / HTPP/1.1\r\nHost: a\r\n\r\n", 400),
            ("GET  / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
            ("GET http://a/ HTTP/1.1\r\nHost: a\r\n\r\n", 400),
            ("G(T / HTTP/1.1\r\nHost: a\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nHost : a\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nHost: a\r\nNoColon\r\n\r\n", 400),
            ("GET / HTTP/1.1\r\nHost: a\u{1}b\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", 501),
            ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1e3\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n", 400),
            ("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 65537\r\n\r\n", 413),
        ]
        for (text, expected) in cases {
            for chunk in [Int.max, 1] {
                let (requests, last) = parseAll(text, chunk: chunk)
                XCTAssertEqual(requests.count, 0, text)
                XCTAssertEqual(status(last), expected, text.debugDescription)
            }
        }
        // Equal repeated Content-Lengths are one length.
        let same = parseAll("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 2, 2\r\n\r\nok")
        XCTAssertEqual(same.requests.first?.body, Array("ok".utf8))
    }

    /// A first line that is no request line (a JSON-RPC client on the wrong port) is refused as soon as it ends,
    /// not when a blank line that will never come arrives; a good request line waits for the rest of its head,
    /// then the next request's line is checked again.
    func testABadRequestLineIsRefusedWhenItEnds() {
        for chunk in [Int.max, 1, 5] {
            for line in ["{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"system.ping\"}\n", "GET /\r\n", "GET / HTTP/2\n",
                         "\r\n\r\nGET / HTTP/1.1 x\r\n"] {
                XCTAssertEqual(status(parseAll(line, chunk: chunk).last), 400, "\(line.debugDescription) by \(chunk)")
            }
            let good = parseAll("GET / HTTP/1.1\r\nHost: a\r\n", chunk: chunk)
            XCTAssertNil(status(good.last), "a good line waits for its head")
            let next = parseAll("GET / HTTP/1.1\r\nHost: a\r\n\r\n{\"id\":1}\n", chunk: chunk)
            XCTAssertEqual(next.requests.count, 1)
            XCTAssertEqual(status(next.last), 400, "the second request's line by \(chunk)")
        }
    }

    func testHeadLimitIsEnforcedBeforeTheHeadEnds() {
        var parser = HTTPRequestParser(maxHeadBytes: 256)
        parser.append(Array("GET / HTTP/1.1\r\nHost: a\r\nX: ".utf8))
        guard case .needMore = parser.next() else { return XCTFail("refused too early") }
        var refused = false
        for _ in 0..<300 {
            parser.append([UInt8(ascii: "x")])
            if case .failure(let error) = parser.next() {
                XCTAssertEqual(error.status, 431)
                refused = true
                break
            }
        }
        XCTAssertTrue(refused)
        XCTAssertLessThanOrEqual(parser.bufferedBytes, 0)
        // Sticky: nothing more is read.
        parser.append(Array("\r\n\r\n".utf8))
        XCTAssertEqual(status(parser.next()), 431)
        // Too many fields.
        let many = "GET / HTTP/1.1\r\nHost: a\r\n" + String(repeating: "X: y\r\n", count: 70) + "\r\n"
        XCTAssertEqual(status(parseAll(many, parser: HTTPRequestParser(maxHeadBytes: 4096)).last), 431)
        // Leading empty lines are skipped without holding memory.
        var blank = HTTPRequestParser(maxHeadBytes: 64)
        for _ in 0..<1000 { blank.append(Array("\r\n".utf8)); _ = blank.next() }
        XCTAssertEqual(blank.bufferedBytes, 0)
        blank.append(Array("GET / HTTP/1.1\r\nHost: a\r\n\r\n".utf8))
        guard case .request = blank.next() else { return XCTFail("no request after blank lines") }
    }

    func testHeaderHelpers() {
        let (requests, _) = parseAll("GET / HTTP/1.1\r\nHost: a\r\nUpgrade: WebSocket\r\nConnection: close\r\n\r\n")
        XCTAssertFalse(requests[0].isWebSocketUpgrade)
        XCTAssertFalse(requests[0].keepAlive)
        XCTAssertEqual(requests[0].tokens("upgrade"), ["websocket"])
        let (ten, _) = parseAll("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n")
        XCTAssertTrue(ten[0].keepAlive)
        XCTAssertNil(ten[0].host)
    }

    private func request(_ text: String) -> HTTPRequest? { parseAll(text).requests.first }

    /// The upgrade request with the line `extra` added, or the field named `remove` left out, or over HTTP/1.0.
    private func upgradeWith(adding extra: String = "", removing remove: String? = nil,
                             http10: Bool = false) -> String {
        var lines = upgrade.components(separatedBy: "\r\n").filter { line in
            remove.map { !line.lowercased().hasPrefix($0.lowercased() + ":") } ?? true
        }
        if http10 { lines[0] = lines[0].replacingOccurrences(of: "HTTP/1.1", with: "HTTP/1.0") }
        lines.insert(contentsOf: extra.isEmpty ? [] : [extra], at: lines.count - 2)
        return lines.joined(separator: "\r\n")
    }

    /// The reason (and status) a handshake is refused with names the field at fault.
    func testWebSocketHandshakeProblemsNameTheField() throws {
        XCTAssertEqual(try XCTUnwrap(request(upgrade)).checkedWebSocketKey(), "dGhlIHNhbXBsZSBub25jZQ==")
        let cases: [(String, Int, String)] = [
            (upgradeWith(adding: "Origin: https://evil.example.net"), 400, "Origin header sent more than once"),
            (upgradeWith(adding: "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA=="), 400, "Sec-WebSocket-Key header sent"),
            (upgradeWith(adding: "Sec-WebSocket-Version: 8"), 400, "Sec-WebSocket-Version header sent more than once"),
            (upgradeWith(adding: "Upgrade: h2c"), 400, "Upgrade header sent more than once"),
            (upgradeWith(removing: "Upgrade"), 400, "Upgrade: websocket missing"),
            (upgradeWith(removing: "Connection"), 400, "Connection: Upgrade missing"),
            (upgradeWith(http10: true), 400, "needs HTTP/1.1"),
            (upgradeWith(removing: "Sec-WebSocket-Key"), 400, "Sec-WebSocket-Key missing or not 16 bytes in base64"),
            (upgradeWith(removing: "Sec-WebSocket-Key", ).replacingOccurrences(of: "Origin:", with:
                "Sec-WebSocket-Key: c2hvcnQ=\r\nOrigin:"), 400, "Sec-WebSocket-Key missing or not 16 bytes"),
            (upgradeWith(removing: "Sec-WebSocket-Version"), 426, "Sec-WebSocket-Version missing"),
            (upgrade.replacingOccurrences(of: "Version: 13", with: "Version: 8"), 426,
             "Sec-WebSocket-Version 8 is not supported; only 13"),
        ]
        for (text, status, reason) in cases {
            let parsed = try XCTUnwrap(request(text), text)
            do {
                let key = try parsed.checkedWebSocketKey()
                XCTFail("accepted with key \(key): \(text)")
            } catch {
                XCTAssertEqual(error.status, status, text)
                XCTAssertTrue(error.reason.contains(reason), "\(error.reason) / \(reason)")
            }
        }
    }

    /// RFC 9110 13.1.2: `*`, lists, weak tags (weak comparison), several fields; malformed members never match.
    func testIfNoneMatchComparesWeaklyOverLists() throws {
        func matches(_ fields: [String], _ etag: String = "\"abc\"") throws -> Bool {
            let head = fields.map { "If-None-Match: \($0)\r\n" }.joined()
            return try XCTUnwrap(request("GET / HTTP/1.1\r\nHost: x\r\n\(head)\r\n")).noneMatchMatches(etag)
        }
        XCTAssertTrue(try matches(["\"abc\""]))
        XCTAssertTrue(try matches(["W/\"abc\""]))
        XCTAssertTrue(try matches(["\"x\", \"abc\""]))
        XCTAssertTrue(try matches(["\"x\",W/\"abc\" , \"y\""]))
        XCTAssertTrue(try matches(["\"x\"", "\"abc\""]))
        XCTAssertTrue(try matches(["*"]))
        XCTAssertTrue(try matches(["\"a,b\", \"abc\""]), "a comma inside a tag is part of it")
        XCTAssertTrue(try matches(["\"abc\""], "W/\"abc\""))
        XCTAssertFalse(try matches([]))
        XCTAssertFalse(try matches(["\"abcd\""]))
        XCTAssertFalse(try matches(["abc"]), "unquoted")
        XCTAssertFalse(try matches(["w/\"abc\""]), "W/ is case-sensitive")
        XCTAssertFalse(try matches(["\"x\" junk \"abc\""]), "nothing after a malformed member counts")
        XCTAssertFalse(try matches(["\"a,b\""], "\"b\""))
    }

    /// Random mutations of valid requests, fed in random pieces: any outcome but a trap or unbounded memory.
    func testFuzzedInputsNeverTrap() {
        var random = SplitMix64(seed: 20)
        let seeds = [upgrade, "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc", "GET / HTTP/1.0\r\n\r\n"]
        for _ in 0..<3000 {
            var bytes = Array(seeds[Int(random.next() % UInt64(seeds.count))].utf8)
            for _ in 0..<(1 + random.next() % 6) {
                let at = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 4 {
                case 0: bytes[at] = UInt8(truncatingIfNeeded: random.next())
                case 1: bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: at)
                case 2: bytes.remove(at: at)
                default: bytes.insert(contentsOf: bytes[at..<min(bytes.count, at + 40)], at: at)
                }
                if bytes.isEmpty { bytes = [10] }
            }
            var parser = HTTPRequestParser(maxHeadBytes: 512, maxBodyBytes: 64)
            var index = 0
            while index < bytes.count {
                let end = min(bytes.count, index + 1 + Int(random.next() % 50))
                parser.append(Array(bytes[index..<end]))
                index = end
                var guardCount = 0
                while case .request = parser.next() { guardCount += 1; XCTAssertLessThan(guardCount, 100) }
                XCTAssertLessThanOrEqual(parser.bufferedBytes, 512 + 64 + 50)
            }
        }
    }
}
