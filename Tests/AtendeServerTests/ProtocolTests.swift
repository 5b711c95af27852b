// ProtocolTests: the transport half of the contract, end to end against the real daemon: line framing, pipelining
// order, batches, notifications, the JSON-RPC error codes, the line limit and parse errors. Bad bytes are sent raw
// so the daemon sees exactly what a broken client would send.

import AtendeClient
import AtendeProtocol
import Foundation
import Glibc
import XCTest

final class ProtocolTests: XCTestCase {
    private var daemon: TestDaemon!

    override func setUpWithError() throws {
        daemon = try TestDaemon(["maxLineBytes": 4096])
    }

    override func tearDown() {
        daemon = nil
    }

    private func line(_ client: RPCClient, _ text: String) throws {
        try client.sendRaw(Array(text.utf8) + [10])
    }

    // MARK: - System methods

    func testPingAndVersionWorkBeforeAuthentication() throws {
        let client = try daemon.connect()
        let pong = try client.call("system.ping")
        XCTAssertEqual(pong["pong"], true)
        XCTAssertNotNil(pong["time"]?.stringValue)
        XCTAssertTrue(pong["time"]?.stringValue?.hasSuffix("Z") ?? false, "time is UTC ISO-8601: \(pong)")
        XCTAssertEqual(pong["timezone"]?.stringValue, "America/Sao_Paulo", "the config's zone (the default)")
        let version = try client.call("system.version")
        XCTAssertEqual(version["protocol"]?.intValue, 1)
        XCTAssertNotNil(version["name"]?.stringValue)
        XCTAssertNotNil(version["version"]?.stringValue)
    }

    func testPingNamesTheConfiguredTimeZone() throws {
        let other = try TestDaemon(["timezone": "America/Manaus"])
        XCTAssertEqual(try other.connect().call("system.ping")["timezone"]?.stringValue, "America/Manaus")
    }

    func testResponseEchoesStringAndNumberIds() throws {
        let client = try daemon.connect()
        try line(client, #"{"jsonrpc":"2.0","id":"abc","method":"system.ping"}"#)
        let first = try client.nextResponse()
        XCTAssertEqual(first["id"], "abc")
        XCTAssertEqual(first["jsonrpc"], "2.0")
        XCTAssertEqual(first["result"]?["pong"], true)
        try line(client, #"{"jsonrpc":"2.0","id":77,"method":"system.ping"}"#)
        XCTAssertEqual(try client.nextResponse()["id"]?.intValue, 77)
    }

    // MARK: - Framing

    func testCRLFAndBlankLinesAreAccepted() throws {
        let client = try daemon.connect()
        try client.sendRaw(Array("\n\r\n   \n{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"system.ping\"}\r\n".utf8))
        let response = try client.nextResponse()
        XCTAssertEqual(response["id"]?.intValue, 1)
        XCTAssertEqual(response["result"]?["pong"], true)
    }

    func testRequestSplitAcrossWritesIsReassembled() throws {
        let client = try daemon.connect()
        let bytes = Array(#"{"jsonrpc":"2.0","id":5,"method":"system.version"}"#.utf8) + [10]
        for byte in bytes {
            try client.sendRaw([byte])
        }
        XCTAssertEqual(try client.nextResponse()["id"]?.intValue, 5)
    }

    func testLineOverLimitGetsInvalidRequestAndCloses() throws {
        let client = try daemon.connect()
        let padding = String(repeating: "x", count: 5000)
        try line(client, #"{"jsonrpc":"2.0","id":1,"method":"system.ping","params":{"pad":"\#(padding)"}}"#)
        let response = try client.nextResponse()
        XCTAssertEqual(response["error"]?["code"]?.intValue, -32600, "\(response)")
        XCTAssertTrue(client.isClosedByServer(timeout: 5), "connection must be closed after an over-long line")
        // The daemon lives on.
        XCTAssertEqual(try daemon.connect().call("system.ping")["pong"], true)
    }

    func testPartialLineOverLimitIsRefusedWithoutWaitingForNewline() throws {
        let client = try daemon.connect()
        try client.sendRaw(Array(String(repeating: "y", count: 6000).utf8))
        let response = try client.nextResponse(timeout: 10)
        XCTAssertEqual(response["error"]?["code"]?.intValue, -32600, "\(response)")
        XCTAssertTrue(client.isClosedByServer(timeout: 5))
    }

    func testLineJustUnderLimitIsServed() throws {
        let client = try daemon.connect()
        let head = #"{"jsonrpc":"2.0","id":1,"method":"system.ping","params":{"pad":""#
        let tail = #""}}"#
        let padding = String(repeating: "z", count: 4096 - head.utf8.count - tail.utf8.count)
        let text = head + padding + tail
        XCTAssertEqual(text.utf8.count, 4096)
        try line(client, text)
        let response = try client.nextResponse()
        // The line is within the limit, so it is read as a request: an unknown param, not a framing error.
        XCTAssertEqual(response["error"]?["code"]?.intValue, -32602, "\(response)")
        XCTAssertEqual(response["error"]?["data"]?["field"], "pad")
        XCTAssertFalse(client.isClosedByServer(timeout: 0.3))
    }

    // MARK: - Pipelining

    func testPipelinedResponsesComeInRequestOrder() throws {
        let admin = try daemon.admin()
        // A mix of fast reads, writes, errors and requests that do off-loop work (password hashing).
        var lines: [String] = []
        var expected: [(id: Int, ok: Bool)] = []
        for index in 1...60 {
            let request: String
            var ok = true
            switch index % 6 {
            case 0:
                request = #""method":"system.ping""#
            case 1:
                request = #""method":"department.create","params":{"id":"d\#(index)","name":"Dept \#(index)"}"#
            case 2:
                request = #""method":"no.such.method""#
                ok = false
            case 3:
                request = #""method":"attendant.create","params":{"name":"Ana Souza","login":"a\#(index)@x.com","#
                    + #""password":"Secret123","departments":["d1"]}"#
            case 4:
                request = #""method":"auth.login","params":{"login":"nobody\#(index)","password":"Wrong1234"}"#
                ok = false
            default:
                request = #""method":"department.list""#
            }
            lines.append(#"{"jsonrpc":"2.0","id":\#(index),\#(request)}"#)
            expected.append((index, ok))
        }
        try admin.sendRaw(Array((lines.joined(separator: "\n") + "\n").utf8))
        for (id, ok) in expected {
            let response = try admin.nextResponse()
            XCTAssertEqual(response["id"]?.intValue, Int64(id), "responses must come in request order")
            XCTAssertEqual(response["result"] != nil, ok, "request \(id): \(response)")
        }
        try line(admin, #"{"jsonrpc":"2.0","id":"last","method":"system.ping"}"#)
        XCTAssertEqual(try admin.nextResponse()["id"], "last", "exactly one response per request")
        // Failed logins on the connection leave it an admin.
        XCTAssertNotNil(try admin.call("department.list")["departments"]?.arrayValue)
    }

    // MARK: - Notifications

    func testNotificationsRunButGetNoAnswer() throws {
        let admin = try daemon.admin()
        try admin.notify("department.create", ["id": "quiet", "name": "Quiet"])
        try admin.notify("no.such.method")
        try admin.notify("department.create", ["id": "BAD ID", "name": "x"])
        try line(admin, #"{"jsonrpc":"2.0","id":9,"method":"system.ping"}"#)
        let next = try admin.nextResponse()
        XCTAssertEqual(next["id"]?.intValue, 9, "a notification must not be answered, even when it fails: \(next)")
        let departments = try admin.call("department.list").list("departments").compactMap { $0["id"]?.stringValue }
        XCTAssertEqual(departments, ["quiet"], "the notification must have run")
    }

    // MARK: - Batches

    func testBatchIsAnsweredWithOneArray() throws {
        let client = try daemon.connect()
        try line(client, """
            [{"jsonrpc":"2.0","id":1,"method":"system.ping"},\
            {"jsonrpc":"2.0","method":"system.ping"},\
            {"jsonrpc":"2.0","id":2,"method":"system.version"},\
            {"jsonrpc":"2.0","id":3,"method":"nope"},\
            42,\
            {"jsonrpc":"1.0","id":4,"method":"system.ping"}]
            """)
        let answer = try client.nextResponse()
        guard let items = answer.arrayValue else { return XCTFail("batch answer must be an array: \(answer)") }
        XCTAssertEqual(items.count, 5, "one answer per member with an id, and one per invalid member: \(answer)")
        func item(_ id: JSON) -> JSON? { items.first { $0["id"] == id } }
        XCTAssertEqual(item(1)?["result"]?["pong"], true)
        XCTAssertEqual(item(2)?["result"]?["protocol"]?.intValue, 1)
        XCTAssertEqual(item(3)?["error"]?["code"]?.intValue, -32601)
        XCTAssertEqual(item(4)?["error"]?["code"]?.intValue, -32600)
        XCTAssertEqual(item(.null)?["error"]?["code"]?.intValue, -32600, "the bare 42 is an invalid request")
        XCTAssertEqual(items.compactMap { $0["id"]?.intValue }, [1, 2, 3, 4], "batch answers keep request order")
    }

    func testEmptyBatchIsInvalidRequest() throws {
        let client = try daemon.connect()
        try line(client, "[]")
        let response = try client.nextResponse()
        XCTAssertEqual(response["error"]?["code"]?.intValue, -32600, "\(response)")
        XCTAssertEqual(response["id"], .null)
        XCTAssertEqual(try client.call("system.ping")["pong"], true, "the connection stays usable")
    }

    func testBatchOfNotificationsIsNotAnswered() throws {
        let admin = try daemon.admin()
        try line(admin, """
            [{"jsonrpc":"2.0","method":"department.create","params":{"id":"b1","name":"B one"}},\
            {"jsonrpc":"2.0","method":"system.ping"}]
            """)
        try line(admin, #"{"jsonrpc":"2.0","id":"after","method":"system.ping"}"#)
        XCTAssertEqual(try admin.nextResponse()["id"], "after")
        XCTAssertEqual(try admin.call("department.list").list("departments").count, 1)
    }

    func testBatchOverOneThousandIsRefused() throws {
        let member = #"{"jsonrpc":"2.0","id":1,"method":"system.ping"}"#
        let big = TestDaemon.batchLine(Array(repeating: member, count: 1001))
        let roomy = try TestDaemon()  // the default 1 MiB line limit
        let wide = try roomy.connect()
        try wide.sendRaw(Array(big.utf8) + [10])
        let response = try wide.nextResponse()
        XCTAssertEqual(response["error"]?["code"]?.intValue, -32600, "\(response)")
        let allowed = TestDaemon.batchLine(Array(repeating: member, count: 1000))
        try wide.sendRaw(Array(allowed.utf8) + [10])
        XCTAssertEqual(try wide.nextResponse().arrayValue?.count, 1000)
    }

    func testBatchMembersRunInOrderAndSeeEachOthersWrites() throws {
        let admin = try daemon.admin()
        try line(admin, """
            [{"jsonrpc":"2.0","id":1,"method":"department.create","params":{"id":"seq","name":"Seq"}},\
            {"jsonrpc":"2.0","id":2,"method":"department.create","params":{"id":"seq","name":"Seq"}},\
            {"jsonrpc":"2.0","id":3,"method":"department.list"}]
            """)
        let items = try admin.nextResponse().arrayValue ?? []
        XCTAssertEqual(items.count, 3)
        XCTAssertNotNil(items.first { $0["id"] == 1 }?["result"])
        XCTAssertEqual(items.first { $0["id"] == 2 }?["error"]?["code"]?.intValue, 1009)
        XCTAssertEqual(items.first { $0["id"] == 3 }?["result"]?["departments"]?.arrayValue?.count, 1)
    }

    func testBatchWaitsForALoginBeforeItsNextMember() throws {
        let admin = try daemon.admin()
        try admin.createDepartment("sales")
        try admin.createAttendant("ana", departments: ["sales"])
        let client = try daemon.connect()
        try line(client, """
            [{"jsonrpc":"2.0","id":1,"method":"auth.login","params":{"login":"ana","password":"Secret123"}},\
            {"jsonrpc":"2.0","id":2,"method":"queue.list"},\
            {"jsonrpc":"2.0","id":3,"method":"auth.logout"},\
            {"jsonrpc":"2.0","id":4,"method":"queue.list"}]
            """)
        let items = try client.nextResponse().arrayValue ?? []
        XCTAssertEqual(items.compactMap { $0["id"]?.intValue }, [1, 2, 3, 4])
        XCTAssertEqual(items.first { $0["id"] == 1 }?["result"]?["login"], "ana")
        XCTAssertNotNil(items.first { $0["id"] == 2 }?["result"]?["waiting"], "the login is in effect: \(items)")
        XCTAssertEqual(items.first { $0["id"] == 4 }?["error"]?["code"]?.intValue, 1001, "the logout too")
    }

    // MARK: - Errors

    func testParseErrorsAnswerWithNullIdAndKeepTheConnection() throws {
        let client = try daemon.connect()
        let deep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        let bad: [(String, [UInt8])] = [
            ("truncated", Array(#"{"jsonrpc":"2.0","id":1,"#.utf8)),
            ("garbage", Array("hello".utf8)),
            ("trailing comma", Array(#"{"jsonrpc":"2.0","id":1,"method":"system.ping",}"#.utf8)),
            ("nesting over 64",
             Array(#"{"jsonrpc":"2.0","id":1,"method":"system.ping","params":{"a":\#(deep)}}"#.utf8)),
            ("invalid UTF-8", Array(#"{"jsonrpc":"2.0","id":1,"method":"system.ping","params":{"a":""#.utf8)
                + [0xC3, 0x28] + Array(#""}}"#.utf8)),
            ("control character", Array(#"{"jsonrpc":"2.0","id":1,"method":"system.ping","params":{"a":""#.utf8)
                + [0x01] + Array(#""}}"#.utf8)),
            ("huge number", Array(#"{"jsonrpc":"2.0","id":1e400,"method":"system.ping"}"#.utf8)),
            ("single quotes", Array("{'jsonrpc':'2.0'}".utf8)),
        ]
        for (name, bytes) in bad {
            try client.sendRaw(bytes + [10])
            let response = try client.nextResponse()
            XCTAssertEqual(response["error"]?["code"]?.intValue, -32700, "\(name): \(response)")
            XCTAssertEqual(response["id"], .null, "\(name)")
        }
        XCTAssertEqual(try client.call("system.ping")["pong"], true)
    }

    /// A request that names a member twice, in its envelope or anywhere in its params, is refused (-32700, the
    /// key named) and does nothing: which of the two a reader takes is not defined, so neither is taken.
    func testDuplicateKeysAreRefusedAndChangeNothing() throws {
        let admin = try daemon.admin()
        let lines = [
            #"{"jsonrpc":"2.0","id":1,"method":"system.ping","method":"department.create","params":{"id":"a"}}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"department.create","params":{"id":"b","name":"B","id":"c"}}"#,
            #"{"jsonrpc":"2.0","id":3,"method":"department.create","params":{"id":"d","strategy":"least_busy","#
                + #""name":"D","name":"E"}}"#,
        ]
        for text in lines {
            try line(admin, text)
            let response = try admin.nextResponse()
            XCTAssertEqual(response["error"]?["code"]?.intValue, -32700, "\(text): \(response)")
            XCTAssertTrue(response["error"]?["message"]?.stringValue?.contains("duplicate key") ?? false, "\(response)")
        }
        let departments = try admin.call("department.list")["departments"]?.arrayValue ?? []
        XCTAssertEqual(departments.count, 0, "nothing was created: \(departments)")
    }

    func testInvalidRequests() throws {
        let client = try daemon.connect()
        let cases: [(String, String, JSON)] = [
            ("wrong version", #"{"jsonrpc":"1.0","id":1,"method":"system.ping"}"#, 1),
            ("no version", #"{"id":2,"method":"system.ping"}"#, 2),
            ("no method", #"{"jsonrpc":"2.0","id":3}"#, 3),
            ("method not a string", #"{"jsonrpc":"2.0","id":4,"method":5}"#, 4),
            ("params a number", #"{"jsonrpc":"2.0","id":5,"method":"system.ping","params":5}"#, 5),
            ("params a string", #"{"jsonrpc":"2.0","id":6,"method":"system.ping","params":"x"}"#, 6),
            ("not an object", #""system.ping""#, .null),
            ("id an object", #"{"jsonrpc":"2.0","id":{},"method":"system.ping"}"#, .null),
        ]
        for (name, text, id) in cases {
            try line(client, text)
            let response = try client.nextResponse()
            XCTAssertEqual(response["error"]?["code"]?.intValue, -32600, "\(name): \(response)")
            XCTAssertEqual(response["id"], id, "\(name): \(response)")
        }
        XCTAssertEqual(try client.call("system.ping")["pong"], true)
    }

    func testUnknownMethodAndUnknownParam() throws {
        let client = try daemon.connect()
        let unknown = assertError(-32601, try client.callResult("system.reboot"))
        XCTAssertNotNil(unknown)
        // Unknown methods are unknown for every role: -32601 comes before any role check.
        assertError(-32601, try client.callResult("department.explode", ["id": "x"]))
        assertInvalid("bogus", try client.callResult("system.ping", ["bogus": 1]))
        let admin = try daemon.admin()
        assertInvalid("colour", try admin.callResult("department.create", ["id": "a", "name": "A", "colour": "red"]))
        XCTAssertEqual(try admin.call("department.list").list("departments").count, 0)
    }

    func testTooManyConnectionsGetOneErrorLineAndAreClosed() throws {
        let small = try TestDaemon(["maxConnections": 2])
        let first = try small.connect()
        let second = try small.connect()
        XCTAssertEqual(try first.call("system.ping")["pong"], true)
        XCTAssertEqual(try second.call("system.ping")["pong"], true)
        let third = try small.connect()
        let response = try third.nextResponse(timeout: 10)
        XCTAssertEqual(response["error"]?["code"]?.intValue, -32603, "\(response)")
        XCTAssertTrue(third.isClosedByServer(timeout: 5))
        XCTAssertEqual(try first.call("system.ping")["pong"], true, "existing connections are unaffected")
    }

    /// Each code of the contract's error table, produced once through the public protocol.
    func testEveryErrorCodeOfTheContract() throws {
        let throttling = try TestDaemon(["defaultMaxChats": 1])
        let admin = try throttling.admin()
        let client = try throttling.connect()
        try client.sendRaw(Array("{oops\n".utf8))
        XCTAssertEqual(try client.nextResponse()["error"]?["code"]?.intValue, -32700)
        try line(client, #"{"jsonrpc":"2.0","id":1}"#)
        XCTAssertEqual(try client.nextResponse()["error"]?["code"]?.intValue, -32600)
        assertError(-32601, try client.callResult("nope"))
        assertError(-32602, try admin.callResult("department.create", ["id": "x"]))
        assertError(1001, try client.callResult("department.list"))
        let bot = try throttling.bot()
        assertError(1003, try bot.callResult("department.create", ["id": "x", "name": "X"]))
        assertError(1004, try admin.callResult("attendant.get", ["id": 999_999]))
        try admin.createDepartment("sales")
        assertError(1009, try admin.callResult("department.create", ["id": "sales", "name": "Sales"]))
        let open = try bot.openChat("e-1", department: "sales")
        assertError(1010, try bot.callResult("conversation.rate", ["id": .int(open.id), "score": 5]))
        try admin.createAttendant("night", departments: ["sales"], ["hours": hoursExcludingNow()])
        assertError(1011, try throttling.connect().callResult("auth.login",
                                                               ["login": "night", "password": "Secret123"]))
        try admin.createAttendant("busy", departments: ["sales"], ["maxChats": 1])
        let busy = try throttling.attendant(login: "busy")
        XCTAssertNotNil(try busy.nextEvent(ofType: "conversation.assigned", timeout: 10))
        try bot.openChat("e-2", phone: "21987654321", department: "sales")
        let waiting = try busy.call("queue.list").list("waiting")
        XCTAssertEqual(waiting.count, 1)
        assertError(1012, try busy.callResult("conversation.take", ["id": .int(waiting.first?.id ?? -1)]))
        let guesser = try throttling.connect()
        for _ in 0..<5 {
            assertError(1001, try guesser.callResult("auth.login", ["login": "busy", "password": "Wrong1234"]))
        }
        let throttled = assertError(1029, try guesser.callResult("auth.login", ["login": "busy",
                                                                              "password": "Wrong1234"]))
        XCTAssertGreaterThan(throttled?.data?["retryAfter"]?.intValue ?? 0, 0)
    }
}

extension TestDaemon {
    /// A JSON array line joining `members`.
    static func batchLine(_ members: [String]) -> String { "[" + members.joined(separator: ",") + "]" }
}
