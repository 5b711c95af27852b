// WebSocket transport tests over raw TCP against the real daemon: the handshake, the same methods, roles and
// errors as the Unix socket (and the uid rule not applying), fragmented frames with control frames between,
// ping/pong, close codes (1000 echoed, 1002 unmasked or reserved bits, 1003 binary, 1007 bad UTF-8, 1009 over
// maxLineBytes), the Origin check (403), broken and repeated handshake fields (400 or 426, naming the field),
// slowloris heads (408 and closed at the header time limit while the loop keeps serving), the panel's files,
// pushes over WebSocket, and durable ordering with durability full.

import AtendeClient
import AtendeProtocol
import Foundation
import Synchronization
import XCTest

class WebTestCase: XCTestCase {
    var daemon: TestDaemon!
    var port = 0
    var panel = ""
    /// Config keys on top of `http` (durability, limits).
    var extraConfig: [String: JSON] { [:] }
    var headerTimeout: Int { 10 }

    override func setUpWithError() throws {
        port = try WebHarness.freePort()
        panel = NSTemporaryDirectory() + "atende-panel-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: panel + "/css", withIntermediateDirectories: true)
        try Data("<!doctype html><title>Painel</title>".utf8).write(to: URL(fileURLWithPath: panel + "/index.html"))
        try Data("body{color:#123}".utf8).write(to: URL(fileURLWithPath: panel + "/css/app.css"))
        var config: [String: JSON] = [
            "http": WebHarness.httpConfig(port: port, panel: panel, headerTimeout: headerTimeout,
                                          allowedOrigins: ["https://painel.example.com"]),
            "botToken": "bot-token-0123456789", "adminToken": "admin-token-0123456789",
        ]
        for (key, value) in extraConfig { config[key] = value }
        daemon = try TestDaemon(config)
    }

    override func tearDown() {
        daemon = nil
        try? FileManager.default.removeItem(atPath: panel)
    }

    func webSocket(origin: String? = nil, cookie: String? = nil) throws -> RPCClient {
        try RPCClient(webSocketHost: "127.0.0.1", port: port, origin: origin, cookie: cookie)
    }

    func webAdmin() throws -> RPCClient {
        let client = try webSocket()
        try client.call("auth.admin", ["token": "admin-token-0123456789"])
        return client
    }
}

final class WebSocketTests: WebTestCase {
    override var extraConfig: [String: JSON] { ["maxLineBytes": 2048] }

    func testHandshakeMethodsAndRoles() throws {
        let client = try webSocket(origin: "http://127.0.0.1:\(port)")
        XCTAssertTrue(client.upgradeResponse.contains("Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo="))
        XCTAssertTrue(client.upgradeResponse.contains("Set-Cookie: atende_session="))
        XCTAssertTrue(client.upgradeResponse.contains("HttpOnly; SameSite=Strict"))
        XCTAssertEqual(try client.call("system.ping")["pong"], true)
        // Only auth.* before authenticating; no uid rule over TCP, even for the daemon's own user.
        assertError(1001, try client.callResult("department.list"))
        assertError(1001, try client.callResult("auth.admin"))
        assertError(1001, try client.callResult("auth.bot"))
        assertError(1001, try client.callResult("auth.admin", ["token": "wrong-token-0123456789"]))
        XCTAssertEqual(try client.call("auth.admin", ["token": "admin-token-0123456789"])["role"], "admin")
        try client.createDepartment("sales")
        assertInvalid("name", try client.callResult("department.create", ["id": "x", "name": ""]))
        assertError(-32601, try client.callResult("no.such"))
        // A batch is one text frame and answered in one.
        try client.sendMessage(Array((#"[{"jsonrpc":"2.0","id":7,"method":"system.ping"},"#
            + #"{"jsonrpc":"2.0","id":8,"method":"department.list"}]"#).utf8))
        XCTAssertEqual(try client.nextResponse().arrayValue?.count, 2)
        XCTAssertEqual(try client.call("department.list").list("departments").count, 1)
    }

    func testFragmentedRequestWithPingBetweenAndPong() throws {
        let socket = try RawWebSocket(port: port)
        let text = Array(#"{"jsonrpc":"2.0","id":1,"method":"system.ping"}"#.utf8)
        // Three fragments, a ping between the first two, sent one byte at a time.
        let stream = RawWebSocket.frame(.text, Array(text[..<10]), fin: false)
            + RawWebSocket.frame(.ping, Array("olá".utf8))
            + RawWebSocket.frame(.continuation, Array(text[10..<30]), fin: false)
            + RawWebSocket.frame(.continuation, Array(text[30...]))
        for byte in stream { try socket.send([byte]) }
        XCTAssertEqual(socket.next(), .pong(Array("olá".utf8)))
        let reply = try socket.nextJSON()
        XCTAssertEqual(reply["id"], 1)
        XCTAssertEqual(reply["result"]?["pong"], true)
        // Pipelined requests in one write come back in order, one frame each.
        try socket.send((1...20).flatMap {
            RawWebSocket.frame(.text, Array(#"{"jsonrpc":"2.0","id":\#($0),"method":"system.version"}"#.utf8))
        })
        for id in 1...20 { XCTAssertEqual(try socket.nextJSON()["id"]?.intValue, Int64(id)) }
    }

    /// Frames sent in the same write as the upgrade request (more than one read's worth) are all answered.
    func testFramesPipelinedBehindTheUpgradeRequest() throws {
        let client = try RPCClient(host: "127.0.0.1", port: port)
        let head = "GET /rpc HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
        let frames = (1...3000).flatMap {
            RawWebSocket.frame(.text, Array(#"{"jsonrpc":"2.0","id":\#($0),"method":"system.ping"}"#.utf8))
        }
        XCTAssertGreaterThan(frames.count, 65536 * 2)
        try client.sendRaw(Array(head.utf8) + frames)
        var decoder = WebSocketFrameDecoder(maxMessageBytes: 1 << 20, expectsMasked: false)
        var received = WebHarness.readAll(client.fd, timeout: 0.5)
        while let end = String(decoding: received.prefix(400), as: UTF8.self).range(of: "\r\n\r\n") {
            received.removeFirst(String(decoding: received.prefix(400), as: UTF8.self)[..<end.upperBound].utf8.count)
            break
        }
        decoder.append(received)
        var answered = 0
        let deadline = Date().addingTimeInterval(10)
        while answered < 3000 && Date() < deadline {
            switch decoder.next() {
            case .text: answered += 1
            case .needMore: decoder.append(WebHarness.readAll(client.fd, timeout: 0.2))
            default: XCTFail("unexpected frame"); return
            }
        }
        XCTAssertEqual(answered, 3000)
    }

    func testCloseCodes() throws {
        func closeCode(after bytes: [UInt8]) throws -> UInt16? {
            let socket = try RawWebSocket(port: port)
            try socket.send(bytes)
            guard case .close(let code, _) = socket.next() else { return nil }
            XCTAssertTrue(socket.isClosed(), "the server closes after its close frame")
            return code
        }
        XCTAssertEqual(try closeCode(after: RawWebSocket.frame(.close, WebSocketFrame.closePayload(1000))), 1000)
        XCTAssertEqual(try closeCode(after: RawWebSocket.frame(.close, WebSocketFrame.closePayload(4001))), 4001)
        XCTAssertEqual(try closeCode(after: RawWebSocket.frame(.close, [])), 1000)
        XCTAssertEqual(try closeCode(after: WebSocketFrame.frame(.text, Array("{}".utf8))), 1002, "unmasked")
        var reserved = RawWebSocket.frame(.text, Array("{}".utf8))
        reserved[0] |= 0x20
        XCTAssertEqual(try closeCode(after: reserved), 1002, "RSV2")
        XCTAssertEqual(try closeCode(after: RawWebSocket.frame(.continuation, [1])), 1002, "continuation first")
        XCTAssertEqual(try closeCode(after: RawWebSocket.frame(.ping, [1], fin: false)), 1002, "fragmented ping")
        XCTAssertEqual(try closeCode(after: RawWebSocket.frame(.binary, Array("{}".utf8))), 1003)
        XCTAssertEqual(try closeCode(after: RawWebSocket.frame(.text, [0x7B, 0xC3, 0x28, 0x7D])), 1007)
        // Over maxLineBytes (2048): refused from the frame header, before the payload is sent.
        let big = RawWebSocket.frame(.text, [UInt8](repeating: 0x20, count: 2049))
        XCTAssertEqual(try closeCode(after: Array(big.prefix(8))), 1009)
        XCTAssertEqual(try closeCode(after: RawWebSocket.frame(.text, [UInt8](repeating: 0x20, count: 1500),
                                                                fin: false)
                                         + RawWebSocket.frame(.continuation, [UInt8](repeating: 0x20, count: 600))),
                       1009, "fragments together over the limit")
        // The daemon is fine afterwards.
        XCTAssertEqual(try webSocket().call("system.ping")["pong"], true)
    }

    func testOriginCheck() throws {
        let foreign = try WebHarness.exchange(port: port, upgradeRequest(origin: "https://evil.example.net"))
        XCTAssertTrue(foreign.hasPrefix("HTTP/1.1 403"), foreign)
        let otherPort = try WebHarness.exchange(port: port, upgradeRequest(origin: "http://127.0.0.1:1"))
        XCTAssertTrue(otherPort.hasPrefix("HTTP/1.1 403"), otherPort)
        XCTAssertTrue(try WebHarness.exchange(port: port, upgradeRequest(origin: "null")).hasPrefix("HTTP/1.1 403"))
        // Its own host, and a configured origin, are let in.
        XCTAssertNoThrow(try webSocket(origin: "http://127.0.0.1:\(port)"))
        XCTAssertNoThrow(try webSocket(origin: "https://painel.example.com"))
        XCTAssertNoThrow(try webSocket(origin: "HTTPS://PAINEL.example.com"))
        // Broken handshakes.
        let noKey = try WebHarness.exchange(port: port, upgradeRequest(origin: nil, key: "short"))
        XCTAssertTrue(noKey.hasPrefix("HTTP/1.1 400"), noKey)
        let version = try WebHarness.exchange(port: port, upgradeRequest(origin: nil, version: "8"))
        XCTAssertTrue(version.hasPrefix("HTTP/1.1 426") && version.contains("Sec-WebSocket-Version: 13"), version)
    }

    /// A second Origin (or key, version, Upgrade) is refused, not read past: with the page's own origin first, an
    /// evil one second used to get 101. And a refused handshake's body says what is wrong with it.
    func testRepeatedHandshakeFieldsAreRefusedAndRefusalsNameTheProblem() throws {
        let own = "http://127.0.0.1:\(port)"
        let twoOrigins = try WebHarness.exchange(port: port, upgradeRequest(origin: own,
                                                 extra: "Origin: https://evil.example.net\r\n"))
        XCTAssertTrue(twoOrigins.hasPrefix("HTTP/1.1 400"), twoOrigins)
        XCTAssertTrue(twoOrigins.contains("Origin header sent more than once"), twoOrigins)
        for (extra, field) in [("Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\n", "Sec-WebSocket-Key"),
                               ("Sec-WebSocket-Version: 13\r\n", "Sec-WebSocket-Version"),
                               ("Upgrade: websocket\r\n", "Upgrade")] {
            let answer = try WebHarness.exchange(port: port, upgradeRequest(origin: own, extra: extra))
            XCTAssertTrue(answer.hasPrefix("HTTP/1.1 400") && answer.contains("\(field) header sent more than once"),
                          answer)
        }
        let short = try WebHarness.exchange(port: port, upgradeRequest(origin: nil, key: "short"))
        XCTAssertTrue(short.contains("Sec-WebSocket-Key missing or not 16 bytes in base64"), short)
        let old = try WebHarness.exchange(port: port, upgradeRequest(origin: nil).replacingOccurrences(
            of: "HTTP/1.1", with: "HTTP/1.0"))
        XCTAssertTrue(old.hasPrefix("HTTP/1.1 400") && old.contains("needs HTTP/1.1"), old)
        let version = try WebHarness.exchange(port: port, upgradeRequest(origin: nil, version: "8"))
        XCTAssertTrue(version.contains("Upgrade: websocket") && version.contains("Sec-WebSocket-Version 8"), version)
        // The one-of-each handshake still upgrades.
        XCTAssertNoThrow(try webSocket(origin: own))
    }

    private func upgradeRequest(origin: String?, key: String = "dGhlIHNhbXBsZSBub25jZQ==",
                                version: String = "13", extra: String = "") -> String {
        "GET /rpc HTTP/1.1\r\nHost: 127.0.0.1:\(port)\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: \(key)\r\nSec-WebSocket-Version: \(version)\r\n"
            + (origin.map { "Origin: \($0)\r\n" } ?? "") + extra + "\r\n"
    }

    func testPanelFiles() throws {
        let index = try WebHarness.exchange(port: port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        XCTAssertTrue(index.hasPrefix("HTTP/1.1 200 OK"), index)
        XCTAssertTrue(index.contains("Content-Type: text/html; charset=utf-8"))
        XCTAssertTrue(index.contains("X-Frame-Options: DENY"))
        XCTAssertTrue(index.hasSuffix("<!doctype html><title>Painel</title>"))
        // Keep-alive: two requests on one connection, the second a HEAD, then a 404 and a 405.
        let two = try WebHarness.exchange(port: port, "GET /css/app.css HTTP/1.1\r\nHost: x\r\n\r\n"
            + "HEAD /index.html HTTP/1.1\r\nHost: x\r\n\r\nGET /../../etc/passwd HTTP/1.1\r\nHost: x\r\n\r\n"
            + "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi", timeout: 2)
        XCTAssertTrue(two.contains("text/css") && two.contains("body{color:#123}"), two)
        XCTAssertEqual(two.components(separatedBy: "HTTP/1.1 200 OK").count, 3, two)
        XCTAssertTrue(two.contains("HTTP/1.1 404"), two)
        XCTAssertTrue(two.contains("HTTP/1.1 405"), two)
        guard let etag = index.components(separatedBy: "\r\n").first(where: { $0.hasPrefix("ETag: ") })?.dropFirst(6)
        else { return XCTFail("no ETag") }
        let cached = try WebHarness.exchange(port: port, "GET / HTTP/1.1\r\nHost: x\r\nIf-None-Match: \(etag)\r\n"
                                             + "Connection: close\r\n\r\n")
        XCTAssertTrue(cached.hasPrefix("HTTP/1.1 304"), cached)
        // RFC 9110 13.1.2: a list, a weak tag, `*`; another tag alone is no match.
        for field in ["\"0\", \(etag)", "W/\(etag)", "*", "\"0\"\r\nIf-None-Match: \(etag)"] {
            let answer = try WebHarness.exchange(port: port, "GET / HTTP/1.1\r\nHost: x\r\nIf-None-Match: \(field)\r\n"
                                                 + "Connection: close\r\n\r\n")
            XCTAssertTrue(answer.hasPrefix("HTTP/1.1 304"), "\(field): \(answer)")
        }
        let other = try WebHarness.exchange(port: port, "GET / HTTP/1.1\r\nHost: x\r\nIf-None-Match: \"0\"\r\n"
                                            + "Connection: close\r\n\r\n")
        XCTAssertTrue(other.hasPrefix("HTTP/1.1 200"), other)
        let bad = try WebHarness.exchange(port: port, "GET / HTTP/1.1\r\n\r\n")
        XCTAssertTrue(bad.hasPrefix("HTTP/1.1 400"), bad)
        // A JSON-RPC line (the `listen` protocol, sent here by mistake) gets its 400 at once, not the 408 of the
        // header time limit (10 s) a head that never ends would get.
        let started = Date()
        let json = try WebHarness.exchange(port: port, #"{"jsonrpc":"2.0","id":1,"method":"system.ping"}"# + "\n",
                                           timeout: 5)
        XCTAssertTrue(json.hasPrefix("HTTP/1.1 400") && json.contains("malformed request line"), json)
        XCTAssertLessThan(Date().timeIntervalSince(started), 3)
        let huge = try WebHarness.exchange(port: port, "GET / HTTP/1.1\r\nHost: x\r\nX: "
                                           + String(repeating: "a", count: 9000) + "\r\n\r\n")
        XCTAssertTrue(huge.hasPrefix("HTTP/1.1 431"), huge)
    }

    func testPushesOverWebSocket() throws {
        let admin = try webAdmin()
        try admin.createDepartment("sales")
        try admin.createAttendant("ana@example.com", departments: ["sales"])
        let attendant = try webSocket()
        let me = try attendant.call("auth.login", ["login": "ANA@example.com",
                                                   "password": .string(TestDaemon.password)])
        XCTAssertEqual(me["role"], "attendant")
        XCTAssertEqual(me["presence"], "online")
        let bot = try daemon.connect()  // the bot stays on the Unix socket, with its token
        try bot.call("auth.bot", ["token": "bot-token-0123456789"])
        let chat = try bot.openChat("wa-1", department: "sales")
        let assigned = try attendant.nextEvent(ofType: "conversation.assigned")
        XCTAssertEqual(assigned?["conversation"]?.id, chat.id)
        try attendant.call("conversation.reply", ["id": .int(chat.id), "text": "Olá! Em que posso ajudar?"])
        XCTAssertEqual(try bot.nextEvent(ofType: "conversation.reply")?["message"]?["text"],
                       "Olá! Em que posso ajudar?")
        try bot.call("conversation.message", ["id": .int(chat.id), "text": "Quero um orçamento"])
        XCTAssertEqual(try attendant.nextEvent(ofType: "conversation.message")?["message"]?["text"],
                       "Quero um orçamento")
    }

    func testSlowlorisHeadsAreClosedWhileTheLoopServes() throws {
        // headerTimeout is 10 s here; WebTimeoutTests checks the close itself with a short limit.
        let slow = try RPCClient(host: "127.0.0.1", port: port)
        try slow.sendRaw(Array("GET / HTTP/1.1\r\nHost: x\r\n".utf8))
        // The loop is not held by it.
        XCTAssertEqual(try webSocket().call("system.ping")["pong"], true)
        XCTAssertEqual(try daemon.connect().call("system.ping")["pong"], true)
    }
}

final class WebTimeoutTests: WebTestCase {
    override var headerTimeout: Int { 1 }

    func testSlowlorisHeadIsClosedAtTheLimit() throws {
        let started = Date()
        let slow = try RPCClient(host: "127.0.0.1", port: port)
        var answer: [UInt8] = []
        // One header byte every 200 ms: never a whole head.
        for byte in "GET / HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa".utf8 {
            do { try slow.sendRaw([byte]) } catch { break }
            if slow.waitReadable(until: Date().addingTimeInterval(0.2)) {
                answer = WebHarness.readAll(slow.fd, timeout: 1)
                break
            }
        }
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertTrue(String(decoding: answer, as: UTF8.self).hasPrefix("HTTP/1.1 408"),
                      String(decoding: answer, as: UTF8.self))
        XCTAssertGreaterThanOrEqual(elapsed, 0.9)
        XCTAssertLessThan(elapsed, 5)
        // An idle connection that never sends anything is closed too, and an upgraded one is not.
        let idle = try RPCClient(host: "127.0.0.1", port: port)
        let socket = try webSocket()
        XCTAssertTrue(idle.isClosedByServer(timeout: 4))
        XCTAssertEqual(try socket.call("system.ping")["pong"], true)
    }
}

final class DurableWebSocketTests: WebTestCase {
    override var extraConfig: [String: JSON] { ["durability": "full"] }

    /// With durability full, replies and pushes over WebSocket leave through the outbox after the fsync, framed,
    /// in the same order a Unix-socket client sees them; acknowledged writes survive a SIGKILL.
    func testOrderingAndDurabilityLikeTheUnixSocket() throws {
        let admin = try webAdmin()
        try admin.createDepartment("sales")
        try admin.createAttendant("ana@example.com", departments: ["sales"])
        let attendant = try webSocket()
        try attendant.call("auth.login", ["login": "ana@example.com", "password": .string(TestDaemon.password)])
        let bot = try webSocket()
        try bot.call("auth.bot", ["token": "bot-token-0123456789"])
        // Pipelined opens: answers in request order, each chat's push to the attendant after its commit.
        let ids = try (1...30).map { try bot.send("conversation.open", [
            "externalId": .string("wa-\($0)"), "contact": ["phone": "11987654321"], "department": "sales",
        ]) }
        var opened: [Int64] = []
        for id in ids { opened.append(try bot.result(for: id).id) }
        XCTAssertEqual(opened, opened.sorted())
        var assigned: [Int64] = []
        while let event = try attendant.nextEvent(ofType: "conversation.assigned", timeout: 2) {
            assigned.append(event["conversation"]?.id ?? -1)
        }
        XCTAssertEqual(assigned, Array(opened.prefix(5)), "maxChats 5, in queue order")
        daemon.kill()
        try daemon.start()
        let again = try daemon.connect()
        try again.call("auth.admin", ["token": "admin-token-0123456789"])
        for id in opened { XCTAssertEqual(try again.call("conversation.get", ["id": .int(id)]).id, id) }
    }
}

final class WebConnectionLimitTests: WebTestCase {
    override var extraConfig: [String: JSON] { ["maxConnections": 3] }

    /// HTTP clients and WebSockets count against maxConnections with the Unix socket's connections.
    func testMaxConnectionsCoversTheWeb() throws {
        let unix = try daemon.connect()
        XCTAssertEqual(try unix.call("system.ping")["pong"], true)
        let first = try webSocket()
        let idleHTTP = try RPCClient(host: "127.0.0.1", port: port)
        _ = idleHTTP
        usleep(100_000)
        let refused = try WebHarness.exchange(port: port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertTrue(refused.hasPrefix("HTTP/1.1 503"), refused)
        XCTAssertEqual(try first.call("system.ping")["pong"], true)
    }
}

/// The network cannot take what the Unix socket needs: a share of maxConnections is kept for it, and a network
/// connection sends long messages only once it has authenticated.
final class WebLocalReserveTests: WebTestCase {
    override var extraConfig: [String: JSON] { ["maxConnections": 8] }  // a quarter, 2, kept for the Unix socket

    func testNetworkClientsCannotTakeTheUnixSocketsLastConnections() throws {
        // Eight tries, never authenticated: six get in, the last two are refused (503).
        var held: [RawWebSocket] = []
        for _ in 0..<8 { if let socket = try? RawWebSocket(port: port) { held.append(socket) } }
        XCTAssertEqual(held.count, 6, "the network's share of maxConnections 8")
        let refused = try WebHarness.exchange(port: port, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        XCTAssertTrue(refused.hasPrefix("HTTP/1.1 503"), refused)
        let unix = try daemon.connect()
        XCTAssertEqual(try unix.call("system.ping")["pong"], true, "the Unix socket keeps its share")
        let admin = try daemon.admin()
        XCTAssertEqual(try admin.call("system.ping")["pong"], true)
    }

    func testANetworkConnectionSendsLongMessagesOnlyOnceAuthenticated() throws {
        // A request of about 70 KB: over the 64 KiB allowed before authenticating, well under maxLineBytes.
        let id = String(repeating: "x", count: 70_000)
        let request = Array(#"{"jsonrpc":"2.0","id":"\#(id)","method":"system.version"}"#.utf8)
        let stranger = try RawWebSocket(port: port)
        try stranger.send(RawWebSocket.frame(.text, request))
        XCTAssertEqual(stranger.next(), .close(code: 1009, reason: "message over 65536 bytes"))
        let admin = try webAdmin()
        try admin.sendMessage(request)
        XCTAssertEqual(try admin.nextResponse()["id"]?.stringValue, id)
    }
}

final class WebOutputLimitTests: WebTestCase {
    override var extraConfig: [String: JSON] { ["maxOutputBytes": 65536] }

    /// A WebSocket that never reads is disconnected at maxOutputBytes, like a Unix-socket client, and others
    /// are served meanwhile. The answers outgrow what TCP could hold for the reader on loopback (the kernel's
    /// largest receive and send buffers, read from /proc), so only the daemon's limit can end the sending. The
    /// reader's receive buffer is left as it is: shrunk on an open connection, it makes the kernel drop the
    /// daemon's segments, and the acknowledgements they carry, until TCP crawls on retransmission timeouts.
    func testReaderOverTheOutputLimitIsDisconnectedAlone() throws {
        let bystander = try webSocket()
        let slow = try RawWebSocket(port: port)
        func largest(_ file: String) -> Int {
            let text = (try? String(contentsOfFile: "/proc/sys/net/ipv4/" + file, encoding: .utf8)) ?? ""
            return text.split(whereSeparator: \.isWhitespace).last.flatMap { Int($0) } ?? 64 << 20
        }
        let buffered = largest("tcp_rmem") + largest("tcp_wmem")
        // Long ids, echoed in each answer: about 2 KiB out per request.
        let padding = String(repeating: "x", count: 2000)
        let count = 2 * buffered / 2000 + 1000
        let requests = (1...count).flatMap { number in
            let request = #"{"jsonrpc":"2.0","id":"\#(padding)\#(number)","method":"system.version"}"#
            return RawWebSocket.frame(.text, Array(request.utf8))
        }
        // On a thread of its own: the shared pool may have no free worker on a 2-core machine, and a sender
        // that never ran would look like a daemon that stopped reading.
        let progress = SenderProgress()
        let fd = slow.socket.fd
        let sender = Thread {
            // Blocking writes until all is sent or the daemon drops the connection: either way it returns.
            var offset = 0
            while offset < requests.count {
                let written = requests.withUnsafeBytes {
                    send(fd, $0.baseAddress! + offset, $0.count - offset, Int32(MSG_NOSIGNAL))
                }
                if written <= 0 { break }
                offset += written
                progress.sent.store(offset, ordering: .relaxed)
            }
            progress.done.signal()
        }
        sender.start()
        guard progress.done.wait(timeout: .now() + 60) == .success else {
            let log = daemon.lastStderr.split(separator: "\n").suffix(20).joined(separator: "\n")
            return XCTFail("the daemon neither read nor dropped the client: \(progress.sent.load(ordering: .relaxed)) "
                           + "of \(requests.count) bytes sent; the daemon's log ends:\n\(log)")
        }
        XCTAssertEqual(try bystander.call("system.ping")["pong"], true)
        var answers = 0
        while case .text = slow.next(timeout: 5) { answers += 1 }
        XCTAssertLessThan(answers, count, "a reader past maxOutputBytes must be disconnected")
        XCTAssertTrue(daemon.lastStderr.contains("output limit reached"), daemon.lastStderr)
        XCTAssertEqual(try bystander.call("system.ping")["pong"], true)
    }
}

/// How far a sending thread got, read by the test while the thread may still be blocked.
private final class SenderProgress: Sendable {
    let sent = Atomic<Int>(0)
    let done = DispatchSemaphore(value: 0)
}

final class WebDescriptorTests: WebTestCase {
    /// Out of descriptors, the HTTP listener is set aside for a moment instead of spun on (the warning comes a
    /// few times a second, not on every loop turn), and accepting resumes once descriptors are free again.
    func testOutOfDescriptorsPausesAcceptOnTheWebListener() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/prlimit") else {
            throw XCTSkip("prlimit (util-linux) is not installed")
        }
        let served = try webSocket()
        let limit = daemon.openDescriptors + 1
        XCTAssertEqual(runCommand(["prlimit", "--pid", "\(daemon.pid)", "--nofile=\(limit):\(limit + 4096)"]).status, 0)
        let waiting = try (0..<4).map { _ in try RPCClient(host: "127.0.0.1", port: port) }
        usleep(1_000_000)
        let warnings = daemon.stderrText.components(separatedBy: "out of file descriptors").count - 1
        XCTAssertGreaterThan(warnings, 0)
        XCTAssertLessThan(warnings, 40, "the listener was spun on")
        XCTAssertEqual(try served.call("system.ping")["pong"], true, "connections already open are served")
        let freed = "--nofile=\(limit + 4096):\(limit + 4096)"
        XCTAssertEqual(runCommand(["prlimit", "--pid", "\(daemon.pid)", freed]).status, 0)
        _ = waiting
        XCTAssertEqual(try webSocket().call("system.ping")["pong"], true, "accepting resumed")
    }
}

final class WebWithoutPanelTests: XCTestCase {
    /// Without panel files, `/` says where atended looked; the WebSocket works all the same.
    func testMissingPanelIsExplained() throws {
        let port = try WebHarness.freePort()
        let empty = NSTemporaryDirectory() + "atende-empty-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: empty) }
        let daemon = try TestDaemon(["http": WebHarness.httpConfig(port: port, panel: empty)])
        let answer = try WebHarness.exchange(port: port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        XCTAssertTrue(answer.hasPrefix("HTTP/1.1 404"), answer)
        XCTAssertTrue(answer.contains("no panel files in \(empty)"), answer)
        XCTAssertEqual(try RPCClient(webSocketHost: "127.0.0.1", port: port).call("system.ping")["pong"], true)
        _ = daemon
    }
}

final class InstalledPanelTests: XCTestCase {
    /// Installed as `make install` lays it out (bin/atended, share/atende/panel) and started by name from PATH in
    /// another folder, atended finds the panel beside its own folder without `http.panel`.
    func testInstalledLayoutIsFound() throws {
        let root = NSTemporaryDirectory() + "atende-prefix-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: root) }
        let files = FileManager.default
        try files.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
        try files.createDirectory(atPath: root + "/share/atende/panel", withIntermediateDirectories: true)
        try files.createDirectory(atPath: root + "/srv/run", withIntermediateDirectories: true)
        try files.copyItem(atPath: try TestDaemon.binary(), toPath: root + "/bin/atended")
        try Data("<p>instalado</p>".utf8).write(to: URL(fileURLWithPath: root + "/share/atende/panel/index.html"))
        let port = try WebHarness.freePort()
        let config = #"{"socket": "a.sock", "database": "a.db", "durability": "normal", "#
            + #""http": {"listen": "127.0.0.1:\#(port)"}}"#
        try Data(config.utf8).write(to: URL(fileURLWithPath: root + "/srv/run/atende.json"))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "exec atended --config atende.json"]
        process.currentDirectoryURL = URL(fileURLWithPath: root + "/srv/run")
        var environment = ProcessInfo.processInfo.environment
        environment["PATH"] = root + "/bin:" + (environment["PATH"] ?? "/usr/bin:/bin")
        process.environment = environment
        process.standardOutput = FileHandle(forWritingAtPath: "/dev/null")
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        var answer = ""
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline && !answer.hasPrefix("HTTP/1.1 200") {
            answer = (try? WebHarness.exchange(port: port, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
                                               timeout: 2)) ?? ""
            if !answer.hasPrefix("HTTP/1.1 200") { usleep(50_000) }
        }
        XCTAssertTrue(answer.hasSuffix("<p>instalado</p>"), answer)
    }
}

final class WebSocketFuzzTests: WebTestCase {
    override var extraConfig: [String: JSON] { ["maxLineBytes": 4096] }

    /// Seeded mutations of valid frame streams sent to the real daemon: whatever each connection gets (answers,
    /// a close, nothing), the daemon stays up, closes the connection when the peer is done, and serves others.
    func testMutatedFrameStreamsNeverHurtTheDaemon() throws {
        var random = SeededGenerator(seed: 6455)
        let seeds: [[UInt8]] = [
            RawWebSocket.frame(.text, Array(#"{"jsonrpc":"2.0","id":1,"method":"system.ping"}"#.utf8)),
            RawWebSocket.frame(.text, Array(#"{"jsonrpc":"2.0","id":2,"me"#.utf8), fin: false)
                + RawWebSocket.frame(.ping, [1, 2]) + RawWebSocket.frame(.continuation, Array(#"thod":"x"}"#.utf8)),
            RawWebSocket.frame(.text, Array(#"[{"jsonrpc":"2.0","id":3,"method":"auth.session"}]"#.utf8)),
            RawWebSocket.frame(.close, WebSocketFrame.closePayload(1000)),
        ]
        let rounds = Int(ProcessInfo.processInfo.environment["ATENDE_WS_FUZZ_ROUNDS"] ?? "") ?? 2000
        for _ in 0..<rounds {
            var bytes: [UInt8] = []
            for _ in 0..<(1 + random.next() % 4) { bytes += seeds[Int(random.next() % UInt64(seeds.count))] }
            for _ in 0..<(random.next() % 4) {
                let at = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 3 {
                case 0: bytes[at] = UInt8(truncatingIfNeeded: random.next())
                case 1: bytes[at] ^= 1 << UInt8(random.next() % 8)
                default: bytes.remove(at: at)
                }
                if bytes.isEmpty { bytes = [0x81] }
            }
            let socket = try RawWebSocket(port: port)
            try? socket.send(bytes)
            shutdown(socket.socket.fd, Int32(SHUT_WR))
            _ = WebHarness.readAll(socket.socket.fd, timeout: 5)  // until the daemon closes it
        }
        XCTAssertTrue(daemon.isRunning)
        XCTAssertEqual(try webSocket().call("system.ping")["pong"], true)
        XCTAssertEqual(try daemon.connect().call("system.ping")["pong"], true)
    }
}
