// PostgresRefusalTests: a statement PostgreSQL refuses (here a CHECK constraint added behind the daemon's back, a
// real refusal no validation of ours foresees) fails only the turn that sent it: its requests get -32603, nothing
// of it is kept or pushed, the leader keeps serving (a lost connection alone stops it, exit 75), later turns
// commit, and the routing state is what the database holds, before and after a restart.

import AtendeClient
import AtendeProtocol
import AtendeTestSupport
import Foundation
import XCTest

final class PostgresRefusalTests: XCTestCase {
    func testARefusedStatementFailsOnlyItsTurnAndTheLeaderKeepsServing() throws {
        let server = try XCTUnwrap(TestPostgres.shared, "PostgreSQL is not installed (make deps installs it)")
        let uri = try server.freshDatabase()
        let database = String(uri.dropFirst("postgresql:///".count).prefix { $0 != "?" })
        let daemon = try TestDaemon(["database": .string(uri), "durability": "full"])
        let admin = try daemon.admin()
        try admin.createDepartment("waiting", strategy: "manual")
        try admin.createAttendant("ana@example.com", departments: ["waiting"])
        let ana = try daemon.attendant(login: "ana@example.com")
        let bot = try daemon.bot()
        let kept = try bot.openChat("kept-1", phone: "11987650001", department: "waiting", text: "hello")
        let refusedText = "refused by PostgreSQL"
        try server.psql("ALTER TABLE messages ADD CONSTRAINT refuse_test CHECK (text <> '\(refusedText)')",
                        database: database)
        try assertNoEvent(ana, "nothing")  // a round trip: what the turns before pushed has arrived
        _ = ana.drainEvents()

        // One turn (a batch is read and committed together): a chat opened, and a message PostgreSQL refuses.
        let batch = """
            [{"jsonrpc":"2.0","id":1,"method":"conversation.open","params":{"externalId":"refused-chat",\
            "contact":{"phone":"11987650002"},"department":"waiting","text":"opened beside the refused one"}},\
            {"jsonrpc":"2.0","id":2,"method":"conversation.message","params":{"id":\(kept.id),\
            "text":"\(refusedText)"}}]
            """
        try bot.sendRaw(Array((batch + "\n").utf8))
        let answers = try bot.nextResponse().arrayValue ?? []
        XCTAssertEqual(answers.count, 2, "\(answers)")
        for answer in answers {
            XCTAssertEqual(answer["error"]?["code"]?.intValue, -32603, "\(answer)")
        }
        // The failure is answered by the loop, which rebuilds its state before it reads what comes after.
        XCTAssertEqual(try ana.call("queue.list").list("waiting").map(\.id), [kept.id])
        try eventually("the refused turn counted as a failed commit") {
            try metricValue("atende_failed_commits_total", from: admin) == 1
        }
        XCTAssertTrue(daemon.isRunning, "the leader stops only when its connection is lost:\n\(daemon.lastStderr)")

        // It keeps serving, and later turns commit.
        try bot.call("conversation.message", ["id": .int(kept.id), "text": "after"])
        let next = try bot.openChat("kept-2", phone: "11987650003", department: "waiting", text: "hi")
        XCTAssertNotEqual(next.id, -1)

        // Nothing of the refused turn: not in the queue, not stored, not pushed.
        func checkState(_ context: String) throws {
            let attendant = try daemon.attendant(login: "ana@example.com")
            let admin = try daemon.admin()
            let waiting = try attendant.call("queue.list").list("waiting").map(\.id)
            XCTAssertEqual(waiting, [kept.id, next.id], context)
            let history = try admin.call("conversation.history", ["id": .int(kept.id)])
            let texts = history.list("messages").compactMap { $0["text"]?.stringValue }
            XCTAssertEqual(texts, ["hello", "after"], context)
            XCTAssertEqual(try server.psql("SELECT external_id FROM conversations ORDER BY id", database: database)
                .split(separator: "\n"), ["kept-1", "kept-2"], context)
            XCTAssertEqual(try server.psql("SELECT count(*) FROM messages WHERE text <> 'hi' AND text <> 'hello' "
                                           + "AND text <> 'after'", database: database)
                .trimmingCharacters(in: .whitespacesAndNewlines), "0", context)
        }
        try checkState("after the refusal")
        let pushed = ana.drainEvents().filter { $0.text.contains("refused-chat") || $0.text.contains("beside") }
        XCTAssertEqual(pushed.count, 0, "the refused turn's pushes left: \(pushed)")

        let process = try XCTUnwrap(daemon.process)
        XCTAssertTrue(process.isRunning)
        try daemon.restart()
        try checkState("after a restart")
    }

    /// A statement first sent behind the refused one in its turn was never prepared (PostgreSQL skips the rest of
    /// a refused transaction): it is prepared again when a later turn uses it.
    func testAStatementFirstSentInARefusedTurnWorksInLaterTurns() throws {
        let server = try XCTUnwrap(TestPostgres.shared, "PostgreSQL is not installed (make deps installs it)")
        let uri = try server.freshDatabase()
        let database = String(uri.dropFirst("postgresql:///".count).prefix { $0 != "?" })
        let daemon = try TestDaemon(["database": .string(uri)])
        let admin = try daemon.admin()
        try admin.createDepartment("kept")
        try server.psql("ALTER TABLE departments ADD CONSTRAINT refuse_test CHECK (name <> 'Refused')",
                        database: database)
        let batch = """
            [{"jsonrpc":"2.0","id":1,"method":"department.create","params":{"id":"refused","name":"Refused"}},\
            {"jsonrpc":"2.0","id":2,"method":"settings.update","params":{"restrictAccessToHours":false}}]
            """
        try admin.sendRaw(Array((batch + "\n").utf8))
        let answers = try admin.nextResponse().arrayValue ?? []
        XCTAssertEqual(answers.map { $0["error"]?["code"]?.intValue }, [-32603, -32603], "\(answers)")
        try eventually("the refused turn counted as a failed commit") {
            try metricValue("atende_failed_commits_total", from: admin) == 1
        }
        XCTAssertEqual(try admin.call("settings.get")["restrictAccessToHours"], true, "the refused turn's setting")
        for value in [false, true, false] {
            let updated = try admin.call("settings.update", ["restrictAccessToHours": .bool(value)])
            XCTAssertEqual(updated["restrictAccessToHours"], .bool(value))
        }
        XCTAssertEqual(try metricValue("atende_failed_commits_total", from: admin), 1)
        XCTAssertEqual(try admin.call("department.list").list("departments").compactMap { $0["id"]?.stringValue },
                       ["kept"])
        try daemon.restart()
        let again = try daemon.admin()
        XCTAssertEqual(try again.call("settings.get")["restrictAccessToHours"], false)
        XCTAssertEqual(try again.call("department.list").list("departments").compactMap { $0["id"]?.stringValue },
                       ["kept"])
    }
}
