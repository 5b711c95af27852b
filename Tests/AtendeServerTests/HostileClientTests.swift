// HostileClientTests: clients that misbehave on purpose, over the real socket: thousands of idle connections, readers
// that never read, lines left half written (also exactly at the daemon's 64 KiB read size), abrupt hang-ups in the
// middle of requests, over-long lines, absurd nesting and absurd values. Each must end in a clear error or a clean
// close for that client alone, while a bystander keeps being served; nothing may be left half applied.

import AtendeClient
import AtendeProtocol
import Foundation
import Glibc
import XCTest

final class HostileClientTests: XCTestCase {
    private var daemon: TestDaemon!

    override func tearDown() {
        daemon = nil
    }

    /// A bystander's round trip: it must be answered while the hostile client does its worst.
    private func assertServed(_ bystander: RPCClient, _ what: String,
                              file: StaticString = #filePath, line: UInt = #line) {
        do {
            let pong = try bystander.call("system.ping", timeout: 20)
            XCTAssertEqual(pong["pong"], true, what, file: file, line: line)
        } catch {
            XCTFail("\(what): a bystander was not served: \(error)\n\(daemon.lastStderr.suffix(2000))",
                    file: file, line: line)
        }
    }

    private func line(_ text: String) -> [UInt8] { Array(text.utf8) + [10] }

    // MARK: - Idle connections

    func testThousandsOfIdleConnectionsLeaveOthersServedAndLeakNothing() throws {
        let limit = raiseOpenFileLimit()
        let count = min(environmentInt("ATENDE_IDLE_CONNECTIONS", 2000), limit - 300)
        daemon = try TestDaemon(["maxConnections": .int(Int64(count + 20))])
        let started = Date()
        let bystander = try daemon.admin()
        try bystander.createDepartment("sales")
        let baseline = daemon.openDescriptors
        var idle: [RPCClient] = []
        for index in 0..<count {
            let client = try RPCClient(socketPath: daemon.socketPath)
            // Some say something first: half a line, or a login that then sits idle.
            if index % 7 == 0 { try client.sendRaw(Array(#"{"jsonrpc":"2.0","id":1,"met"#.utf8)) }
            if index % 11 == 0 { try client.sendRaw(line(#"{"jsonrpc":"2.0","id":2,"method":"auth.bot"}"#)) }
            idle.append(client)
        }
        assertServed(bystander, "with \(count) idle connections")
        let bot = try daemon.bot()
        for index in 0..<50 { try bot.openChat("idle-\(index)", department: "sales") }
        XCTAssertEqual(try bystander.call("stats.get")["departments"]?["sales"]?["waiting"]?.intValue, 50)
        // Past maxConnections a newcomer gets one error line and is closed; the rest go on.
        var extras: [RPCClient] = []
        var refused = 0
        for _ in 0..<30 {
            let extra = try RPCClient(socketPath: daemon.socketPath)
            extras.append(extra)
            try? extra.sendRaw(line(#"{"jsonrpc":"2.0","id":1,"method":"system.ping"}"#))
            let response = try extra.nextResponse(timeout: 20)
            if response["result"] != nil { continue }
            XCTAssertEqual(response["error"]?["code"]?.intValue, -32603, "\(response)")
            XCTAssertTrue(extra.isClosedByServer(timeout: 10), "a refused connection is closed")
            refused += 1
        }
        XCTAssertGreaterThanOrEqual(refused, 10, "connections over maxConnections must be refused with an error line")
        extras.removeAll()
        // Every idle connection is still alive and answers.
        for (index, client) in idle.enumerated() where index % 7 != 0 {
            XCTAssertEqual(try client.call("system.ping", timeout: 20)["pong"], true, "idle connection \(index)")
        }
        idle.removeAll()
        var descriptors = daemon.openDescriptors
        let deadline = Date().addingTimeInterval(30)
        while descriptors > baseline + 10 && Date() < deadline {
            usleep(50_000)
            descriptors = daemon.openDescriptors
        }
        XCTAssertLessThanOrEqual(descriptors, baseline + 10, "descriptors of closed connections leak")
        assertServed(bystander, "after the idle connections left")
        print("HostileClientTests: \(count) idle connections handled in \(Int(-started.timeIntervalSinceNow)) s")
    }

    // MARK: - Slow readers

    func testReaderThatNeverReadsDoesNotHoldUpOthers() throws {
        daemon = try TestDaemon()
        let bystander = try daemon.admin()
        let slow = try daemon.connect()
        // About 1 MiB of answers: far more than the socket buffers hold, well under maxOutputBytes.
        let pings = (1...12_000).map { #"{"jsonrpc":"2.0","id":\#($0),"method":"system.version"}"# }
        let sending = DispatchGroup()
        sendInBackground(slow.fd, Array((pings.joined(separator: "\n") + "\n").utf8), group: sending)
        XCTAssertEqual(sending.wait(timeout: .now() + 30), .success, "the daemon stopped reading the slow reader")
        assertServed(bystander, "while a client leaves 1 MiB of answers unread")
        assertOK(try bystander.callResult("department.list", timeout: 20))
        // When it finally reads, everything is there, in order.
        for id in 1...12_000 {
            let response = try slow.nextResponse(timeout: 30)
            guard response["id"]?.intValue == Int64(id) else {
                return XCTFail("answer \(id) out of order or missing: \(response.text.prefix(200))")
            }
        }
    }

    func testReaderOverTheOutputLimitIsDisconnectedAlone() throws {
        daemon = try TestDaemon(["maxOutputBytes": 65536])
        let bystander = try daemon.admin()
        let slow = try daemon.connect()
        let pings = (1...20_000).map { #"{"jsonrpc":"2.0","id":\#($0),"method":"system.version"}"# }
        let sending = DispatchGroup()
        sendInBackground(slow.fd, Array((pings.joined(separator: "\n") + "\n").utf8), group: sending)
        XCTAssertEqual(sending.wait(timeout: .now() + 30), .success, "the daemon neither read nor dropped the client")
        assertServed(bystander, "while a client overflows its output limit")
        var answers = 0
        while (try? slow.nextResponse(timeout: 20)) != nil { answers += 1 }
        XCTAssertLessThan(answers, 20_000, "a reader past maxOutputBytes must be disconnected")
        XCTAssertTrue(daemon.isRunning)
        assertServed(bystander, "after the slow reader was dropped")
    }

    // MARK: - Half-written lines

    func testHalfWrittenLinesDoNotBlockOthers() throws {
        daemon = try TestDaemon()
        let bystander = try daemon.connect()
        let partial = try daemon.connect()
        try partial.sendRaw(Array(#"{"jsonrpc":"2.0","id":1,"meth"#.utf8))
        assertServed(bystander, "while a line is half written")
        try partial.sendRaw(line(#"od":"system.ping"}"#))
        XCTAssertEqual(try partial.result(for: 1)["pong"], true, "the line completes later and is answered")
        // The daemon reads 64 KiB at a time: a half line of exactly that size (and twice it) must not stall it.
        // The daemon is paused while the bytes are queued, so it finds them all at once, as on a busy machine.
        for size in [65536, 131_072, 65535, 65537] {
            let client = try daemon.connect()
            try client.call("system.ping")
            let head = #"{"jsonrpc":"2.0","id":7,"method":"system.ping","params":{"pad":""#
            try daemon.pause()
            try client.sendRaw(Array(head.utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: size - head.utf8.count))
            kill(daemon.pid, SIGCONT)
            assertServed(bystander, "while \(size) bytes of a line wait for the rest")
            try client.sendRaw(line(#""}}"#))
            assertInvalid("pad", try client.callResult("system.ping", ["pad": 1]), "the connection still works")
            let first = try client.response(for: 7, timeout: 20)
            XCTAssertEqual(first["error"]?["data"]?["field"], "pad",
                           "the long line is answered: \(first.text.prefix(200))")
        }
    }

    // MARK: - Abrupt disconnects

    func testAbruptDisconnectsMidRequestLeaveNothingHalfDone() throws {
        try skipOnPostgres("it reads the SQLite file")
        daemon = try TestDaemon()
        let admin = try daemon.admin()
        try admin.createDepartment("sales")
        try admin.createAttendant("ana@example.com", departments: ["sales"])
        let attendant = try daemon.attendant(login: "ana@example.com")
        let bot = try daemon.bot()
        let chat = try bot.openChat("kept", department: "sales")
        XCTAssertEqual(chat["state"], "assigned")
        for index in 0..<60 {
            let client = try daemon.bot()
            let open = #"{"jsonrpc":"2.0","id":1,"method":"conversation.open","params":{"externalId":"gone-\#(index)","#
                + #""contact":{"phone":"11987654321"},"text":"first-\#(index)"}}"#
            switch index % 4 {
            case 0: try client.sendRaw(line(open))
            case 1: try client.sendRaw(Array(open.utf8.prefix(40)))
            case 2:
                // Many pipelined requests, then gone without reading: the answers have nowhere to go.
                try client.sendRaw(Array(String(repeating: open + "\n", count: 300).utf8))
            default:
                try client.sendRaw(line(#"{"jsonrpc":"2.0","id":1,"method":"auth.login","params":"#
                                        + #"{"login":"ana@example.com","password":"Wrong1234"}}"#))
            }
            daemon.disconnect(client)
        }
        assertServed(admin, "after 60 abrupt hang-ups")
        // An attendant that vanishes goes offline; its chat stays its own.
        daemon.disconnect(attendant)
        var presence = ""
        let deadline = Date().addingTimeInterval(20)
        while presence != "offline" && Date() < deadline {
            presence = try admin.call("attendant.list").list("attendants").first?["presence"]?.stringValue ?? ""
            if presence != "offline" { usleep(20_000) }
        }
        XCTAssertEqual(presence, "offline")
        XCTAssertEqual(try admin.call("conversation.get", ["id": .int(chat.id)])["attendantId"]?.intValue,
                       chat["attendantId"]?.intValue)
        // Each open that reached the daemon happened wholly (with its first message) or not at all.
        let reader = try daemon.readOnlyDatabase()
        let rows = try reader.rows("""
            SELECT c.external_id, (SELECT count(*) FROM messages m WHERE m.conversation_id = c.id)
            FROM conversations c WHERE c.external_id LIKE 'gone-%'
            """)
        for row in rows {
            XCTAssertEqual(row[1], "1", "conversation \(row[0] ?? "?") without exactly one first message")
        }
        XCTAssertEqual(try reader.int("SELECT count(*) FROM messages WHERE text LIKE 'first-%'"), rows.count)
        XCTAssertTrue(daemon.isRunning)
    }

    // MARK: - Over-long lines

    func testOverLongLineClosesOnlyThatConnection() throws {
        daemon = try TestDaemon()
        let bystander = try daemon.connect()
        let before = daemon.residentKB
        let flood = try daemon.connect()
        let piece = [UInt8](repeating: UInt8(ascii: "z"), count: 256 * 1024)
        var closed = false
        for _ in 0..<64 where !closed {
            do { try flood.sendRaw(piece) } catch { closed = true }
        }
        let response = try? flood.nextResponse(timeout: 20)
        XCTAssertEqual(response?["error"]?["code"]?.intValue, -32600, "\(response?.text ?? "no answer")")
        XCTAssertTrue(closed || flood.isClosedByServer(timeout: 20),
                      "a line over maxLineBytes must close the connection")
        assertServed(bystander, "after a 16 MiB line")
        XCTAssertLessThan(daemon.residentKB, before + 64 * 1024, "the daemon buffered the over-long line")
    }

    // MARK: - Nesting and absurd values

    func testDeepNestingIsRefusedWithoutHarm() throws {
        daemon = try TestDaemon()
        let client = try daemon.connect()
        let deep: [(String, String)] = [
            ("500k arrays", String(repeating: "[", count: 500_000)),
            ("200k objects", String(repeating: #"{"a":"#, count: 200_000)),
            ("closed 100k arrays", String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)),
            ("deep params", #"{"jsonrpc":"2.0","id":1,"method":"system.ping","params":{"a":"#
                + String(repeating: "[", count: 300_000) + "}}"),
            ("deep in a batch", "[" + String(repeating: "{\"x\":", count: 100_000) + "]"),
        ]
        for (name, text) in deep {
            try client.sendRaw(line(text))
            let response = try client.nextResponse(timeout: 20)
            XCTAssertEqual(response["error"]?["code"]?.intValue, -32700, "\(name): \(response.text.prefix(200))")
        }
        XCTAssertTrue(daemon.isRunning, "deep nesting crashed the daemon:\n\(daemon.lastStderr)")
        // The limit is 64 levels: the envelope and params are 2, so 62 more arrays still parse.
        let within = #"{"jsonrpc":"2.0","id":2,"method":"system.ping","params":{"a":"#
            + String(repeating: "[", count: 62) + String(repeating: "]", count: 62) + "}}"
        try client.sendRaw(line(within))
        XCTAssertEqual(try client.response(for: 2)["error"]?["code"]?.intValue, -32602, "64 levels are allowed")
        let beyond = within.replacingOccurrences(of: "\"id\":2", with: "\"id\":3")
            .replacingOccurrences(of: "\"a\":[", with: "\"a\":[[").replacingOccurrences(of: "]}}", with: "]]}}")
        try client.sendRaw(line(beyond))
        XCTAssertEqual(try client.nextResponse()["error"]?["code"]?.intValue, -32700, "65 levels are not")
    }

    func testAbsurdValuesGetClearErrors() throws {
        daemon = try TestDaemon()
        let admin = try daemon.admin()
        try admin.createDepartment("sales")
        let bot = try daemon.bot()
        let chat = try bot.openChat("absurd", department: "sales")
        let huge = String(repeating: "é", count: 400_000)
        // Two characters as Swift counts them (grapheme clusters), 300,002 Unicode scalars, 600 KB.
        let stacked = "Ab" + String(repeating: "\u{301}", count: 300_000)
        let cases: [(String, String, JSON, String)] = [
            ("huge text", "conversation.message", ["id": .int(chat.id), "text": .string(huge)], "text"),
            ("text of 80 KB in 40,000 letters", "conversation.message",
             ["id": .int(chat.id), "text": .string(String(repeating: "é", count: 40_000))], "text"),
            ("stacked marks in a text", "conversation.message", ["id": .int(chat.id), "text": .string(stacked)], "text"),
            ("stacked marks in a department name", "department.create", ["id": "gc", "name": .string(stacked)], "name"),
            ("stacked marks in an externalId", "conversation.open",
             ["externalId": .string(stacked), "contact": ["phone": "11987654321"]], "externalId"),
            ("stacked marks in a contact name", "conversation.open",
             ["externalId": "gc-1", "contact": ["phone": "11987654321", "name": .string(stacked)]], "contact.name"),
            ("huge externalId", "conversation.open", ["externalId": .string(huge), "contact": ["phone": "11987654321"]],
             "externalId"),
            ("id 1e300", "conversation.get", ["id": 1e300], "id"),
            ("id -2^63", "conversation.get", ["id": .int(Int64.min)], "id"),
            ("negative limit", "conversation.history", ["id": .int(chat.id), "limit": -1], "limit"),
            ("huge limit", "conversation.history", ["id": .int(chat.id), "limit": 1e18], "limit"),
            ("score 1e9", "conversation.rate", ["id": .int(chat.id), "score": 1_000_000_000], "score"),
            ("NUL in name", "department.create", ["id": "nul", "name": "a\u{0}b"], "name"),
        ]
        for (name, method, params, field) in cases {
            let client = method == "department.create" ? admin : bot
            let result = try client.callResult(method, params)
            if case .failure(let error) = result, error.code == 1004, field == "id" { continue }
            assertInvalid(field, result, name)
        }
        for raw in [#"{"jsonrpc":"2.0","id":1e400,"method":"system.ping"}"#,
                    #"{"jsonrpc":"2.0","id":1,"method":"system.ping","params":{"a":"\ud800"}}"#] {
            try bot.sendRaw(line(raw))
            let code = try bot.nextResponse()["error"]?["code"]?.intValue
            XCTAssertTrue(code == -32700 || code == -32602, "\(raw): \(code.map(String.init) ?? "nil")")
        }
        // Invalid UTF-8 (a broken pair, an overlong NUL, an encoded surrogate, a byte that never starts a character)
        // inside a text that would otherwise be stored.
        let head = Array(#"{"jsonrpc":"2.0","id":9,"method":"conversation.message","#.utf8)
            + Array(#""params":{"id":\#(chat.id),"text":""#.utf8)
        for bad: [UInt8] in [[0xC3, 0x28], [0xC0, 0x80], [0xED, 0xA0, 0x80], [0xFF], [0xF4, 0x90, 0x80, 0x80]] {
            try bot.sendRaw(head + bad + Array(#""}}"#.utf8) + [10])
            XCTAssertEqual(try bot.nextResponse()["error"]?["code"]?.intValue, -32700, "bytes \(bad)")
        }
        XCTAssertEqual(try admin.call("department.list").list("departments").count, 1)
        XCTAssertEqual(try bot.call("conversation.history", ["id": .int(chat.id)]).list("messages").count, 0)
    }
}
