// RobustnessTests: "bad input never crashes the daemon, never corrupts state". Every method of the roles table
// gets each of its params replaced by values of the wrong type or of absurd size; every answer must be a result
// or a client error (never -32603, which means the daemon failed), the daemon must stay up, and the store must
// still hold what it held. A seeded stream of broken lines then checks the framing side the same way.

import AtendeClient
import AtendeProtocol
import Foundation
import XCTest

final class RobustnessTests: XCTestCase {
    private static let weird: [JSON] = [
        nil, true, false, 0, -1, .int(Int64.max), .int(Int64.min), 1.5, 1e300, -0.0, "", " ", "\u{0}",
        "😀 ação", .string(String(repeating: "x", count: 100_000)), [], [[[[]]]], [:], ["a": ["b": nil]],
        ["phone": "11987654321"], "11987654321", "sales", "2026-11-26T13:05:09.120Z",
    ]

    func testWrongTypesAndSizesNeverFailTheDaemon() throws {
        let daemon = try TestDaemon()
        let admin = try daemon.admin()
        try admin.createDepartment("sales")
        try admin.createAttendant("ana", departments: ["sales"])
        try admin.call("settings.update", ["attendantsCanRemovePotentials": true])
        let bot = try daemon.bot()
        try bot.openChat("seed", department: "sales")
        var clients: [RolesTests.Caller: RPCClient] = [.admin: admin, .bot: bot]
        clients[.attendant] = try daemon.attendant(login: "ana")
        var calls = 0
        for row in RolesTests.table {
            guard let members = row.params?.objectValue, !members.isEmpty else { continue }
            let callers = row.allowed.subtracting([.unauthenticated])
            for caller in callers.sorted(by: { $0.rawValue < $1.rawValue }) {
                for key in members.keys.sorted() {
                    for value in Self.weird {
                        var changed = members
                        changed[key] = value
                        let params = JSON.object(changed)
                        let result = try clients[caller]!.callResult(row.method, params)
                        calls += 1
                        if case .failure(let error) = result {
                            XCTAssertNotEqual(error.code, -32603, "\(row.method) as \(caller) with \(key)="
                                + "\(value.text.prefix(60)): \(error) \(error.data?.text ?? "")")
                        }
                    }
                }
                // Params that are not an object at all.
                for params: JSON in [[1, 2], ["id"], []] {
                    let result = try clients[caller]!.callResult(row.method, params)
                    if case .failure(let error) = result { XCTAssertNotEqual(error.code, -32603, row.method) }
                }
            }
        }
        XCTAssertGreaterThan(calls, 1000, "the sweep ran")
        XCTAssertTrue(daemon.isRunning)
        XCTAssertEqual(try daemon.connect().call("system.ping")["pong"], true)
        XCTAssertEqual(try daemon.stop(), 0, "a clean stop after all that: \(daemon.lastStderr.suffix(2000))")
        try daemon.start()
        let again = try daemon.admin()
        XCTAssertNotNil(try again.call("department.list").list("departments").first { $0["id"] == "sales" })
        XCTAssertNotNil(try again.call("attendant.list").list("attendants").first { $0["login"] == "ana" })
    }

    /// JSON strings may hold U+0000; whatever the daemon accepts it must keep whole (a C string would stop there).
    func testTextsWithNulAreKeptWhole() throws {
        let daemon = try TestDaemon()
        let admin = try daemon.admin()
        try admin.createDepartment("sales")
        if case .success = try admin.callResult("attendant.create", ["name": "Ana\u{0} Souza", "login": "nul",
                                                                      "password": "Secret123",
                                                                      "departments": ["sales"]]) {
            let listed = try admin.call("attendant.list").list("attendants").first { $0["login"] == "nul" }
            XCTAssertEqual(listed?["name"], "Ana\u{0} Souza", "a name is never cut at a NUL")
        }
        let bot = try daemon.bot()
        let first = try bot.openChat("ext\u{0}1", department: "sales", name: "Zé\u{0}Silva")
        let second = try bot.openChat("ext\u{0}2", phone: "21987654321", department: "sales")
        XCTAssertNotEqual(first.id, second.id, "two external ids that differ after a NUL are two conversations")
        try bot.call("conversation.message", ["id": .int(first.id), "text": "a\u{0}b"])
        try daemon.restart()
        let again = try daemon.bot()
        XCTAssertEqual(try again.openChat("ext\u{0}2", phone: "21987654321", department: "sales").id, second.id)
        let stored = try again.call("conversation.get", ["id": .int(first.id)])
        XCTAssertEqual(stored["externalId"], "ext\u{0}1")
        XCTAssertEqual(stored["contact"]?["name"], "Zé\u{0}Silva")
        let history = try again.call("conversation.history", ["id": .int(first.id)]).list("messages")
        XCTAssertEqual(history.last?["text"], "a\u{0}b", "message text is stored whole")
    }

    func testSeededGarbageLinesNeverFailTheDaemon() throws {
        let daemon = try TestDaemon(["maxLineBytes": 65536])
        let admin = try daemon.admin()
        var generator = SeededGenerator(seed: 0xA7E9DE)
        let valid = Array(#"{"jsonrpc":"2.0","id":1,"method":"department.create","params":{"id":"x","name":"X"}}"#
            .utf8)
        for round in 0..<400 {
            var line: [UInt8]
            switch generator.next() % 3 {
            case 0:
                line = (0..<Int(generator.next() % 200)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
            case 1:
                line = valid
                for _ in 0..<Int(1 + generator.next() % 4) {
                    line[Int(generator.next() % UInt64(line.count))] = UInt8(truncatingIfNeeded: generator.next())
                }
            default:
                line = Array(valid.prefix(Int(generator.next() % UInt64(valid.count))))
            }
            line.removeAll { $0 == 10 }
            try admin.sendRaw(line + [10])
            // Answer or not (a mutated id may make it a notification), the connection must stay usable.
            if round % 50 == 49 {
                let marker = try admin.send("system.ping")
                XCTAssertEqual(try admin.result(for: marker)["pong"], true, "round \(round)")
            }
        }
        XCTAssertTrue(daemon.isRunning)
        XCTAssertEqual(try daemon.connect().call("system.ping")["pong"], true)
    }
}
