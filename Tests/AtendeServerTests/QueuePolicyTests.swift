// QueuePolicyTests: contract v2's queue policy over the socket: `priority` on open, `conversation.setPriority`,
// department `priorityStep` and `serviceLevel`, `conversation.position`, the bots' `conversation.queued` push,
// `conversation.list`, `firstReplyAt`, and bad input refused with -32602 naming the field and nothing applied.
// Priorities and steps survive a restart. "vip" is a manual department, so its chats stay in the queue.

import AtendeClient
import AtendeProtocol
import AtendeTestSupport
import Foundation
import XCTest

final class QueuePolicyTests: DaemonTestCase {
    private func open(_ externalId: String, _ department: String, priority: Int? = nil,
                      phone: String = "11987654321") throws -> JSON {
        var params: JSONObject = ["externalId": .string(externalId), "contact": ["phone": .string(phone)],
                                  "department": .string(department)]
        if let priority { params["priority"] = .int(Int64(priority)) }
        return try bot.call("conversation.open", .object(params))
    }

    private func position(_ id: Int64, _ client: RPCClient? = nil) throws -> JSON {
        try (client ?? bot).call("conversation.position", ["id": .int(id)])
    }

    func testPriorityOrdersTheQueueAndSetPriorityMovesAChat() throws {
        let vera = try staff("vera", ["vip"])
        let first = try open("p-1", "vip")
        let second = try open("p-2", "vip", phone: "11987654322")
        let urgent = try open("p-3", "vip", priority: 2, phone: "11987654323")
        XCTAssertEqual(first["priority"], 0, "priority is always present, 0 by default")
        XCTAssertEqual(urgent["priority"], 2)
        XCTAssertEqual(try queue(vera.client).waiting, [urgent.id, first.id, second.id])
        XCTAssertEqual(try position(urgent.id)["position"], 1)
        XCTAssertEqual(try position(second.id)["position"], 3)
        XCTAssertEqual(try position(second.id)["waiting"], 3)

        let moved = try bot.call("conversation.setPriority", ["id": .int(second.id), "priority": 9])
        XCTAssertEqual(moved["priority"], 9)
        XCTAssertEqual(moved["queuedAt"], second["queuedAt"], "its queue time is kept")
        XCTAssertEqual(try queue(vera.client).waiting, [second.id, urgent.id, first.id])
        XCTAssertEqual(try admin.call("conversation.setPriority", ["id": .int(second.id), "priority": 0])["priority"],
                       0, "admins may set it too")
        XCTAssertEqual(try queue(vera.client).waiting, [urgent.id, first.id, second.id])

        // Bad input: -32602 naming the field, nothing applied.
        for bad: JSON in [10, -1] {
            let error = assertError(-32602, try bot.callResult("conversation.setPriority",
                                                               ["id": .int(first.id), "priority": bad]))
            XCTAssertEqual(error?.data?["field"]?.stringValue, "priority")
            let opened = assertError(-32602, try bot.callResult("conversation.open", [
                "externalId": "p-bad", "contact": ["phone": "11987654329"], "department": "vip", "priority": bad]))
            XCTAssertEqual(opened?.data?["field"]?.stringValue, "priority")
        }
        XCTAssertEqual(try queue(vera.client).waiting, [urgent.id, first.id, second.id])
        XCTAssertEqual(try conversation(first.id)["priority"], 0)
        assertError(1004, try bot.callResult("conversation.setPriority", ["id": 999_999, "priority": 1]))
        try vera.client.call("conversation.take", ["id": .int(urgent.id)])
        assertError(1010, try bot.callResult("conversation.setPriority", ["id": .int(urgent.id), "priority": 1]),
                    "an assigned chat does not wait")
        assertError(1010, try bot.callResult("conversation.position", ["id": .int(urgent.id)]))
        assertError(1003, try vera.client.callResult("conversation.setPriority", ["id": .int(first.id), "priority": 1]))
    }

    func testQueuedPushPositionEstimateAndOpensAt() throws {
        let chat = try open("q-1", "vip")
        let pushed = try expectEvent(bot, "conversation.queued")
        XCTAssertEqual(pushed["conversation"]?.id, chat.id)
        XCTAssertEqual(pushed["position"], 1)
        XCTAssertTrue(pushed["estimatedWaitSeconds"]?.isNull == true, "nobody can take vip chats")
        XCTAssertTrue(pushed["opensAt"]?.isNull == true, "nobody serves vip at all: no opening to announce")
        let standing = try position(chat.id, admin)
        XCTAssertEqual(standing["waiting"], 1)
        XCTAssertTrue(standing["estimatedWaitSeconds"]?.isNull == true)

        // Someone who can take vip chats: an estimate (the 60 s target before any answer), no opensAt.
        _ = try staff("vera", ["vip"])
        XCTAssertEqual(try position(chat.id)["estimatedWaitSeconds"]?.intValue.map { $0 <= 60 }, true)
        XCTAssertTrue(try position(chat.id)["opensAt"]?.isNull == true)

        // An attendant whose hours are over: opensAt is when they start again.
        let nobody: JSON = ["timezone": "America/Sao_Paulo", "week": ["mon": [["00:00", "00:01"]]]]
        try admin.createDepartment("night", name: "Night")
        _ = try admin.createAttendant("owl", departments: ["night"], ["hours": nobody])
        let late = try open("q-2", "night", phone: "11987654322")
        let event = try expectEvent(bot, "conversation.queued")
        XCTAssertEqual(event["conversation"]?.id, late.id)
        let opensAt = try XCTUnwrap(event["opensAt"]?.stringValue)
        XCTAssertTrue(opensAt.hasSuffix("T03:00:00.000Z"), "Monday 00:00 in São Paulo is 03:00 UTC: \(opensAt)")

        // A chat assigned at once was answered rather than queued: no push.
        _ = try staff("ana")
        let answered = try open("q-3", "sales", phone: "11987654323")
        XCTAssertEqual(answered["state"], "assigned")
        try assertNoEvent(bot, "conversation.queued")
    }

    func testPrioritiesAndStepsSurviveARestart() throws {
        XCTAssertEqual(try admin.call("department.update", ["id": "vip", "priorityStep": 60])["priorityStep"], 60)
        let first = try open("r-1", "vip")
        let second = try open("r-2", "vip", priority: 1, phone: "11987654322")
        let before = try admin.call("conversation.position", ["id": .int(second.id)])
        try daemon.restart()
        admin = try daemon.admin()
        bot = try daemon.bot()
        let department = try admin.call("department.list").list("departments").first { $0["id"] == "vip" }
        XCTAssertEqual(department?["priorityStep"], 60)
        XCTAssertEqual(department?["serviceLevel"], 60)
        XCTAssertEqual(try conversation(second.id)["priority"], 1)
        XCTAssertEqual(try position(second.id)["position"], before["position"])
        XCTAssertEqual(try position(first.id)["position"], 2, "one level is worth 60 s here: the second goes first")
    }

    func testDepartmentPolicyBadInputChangesNothing() throws {
        for (field, value) in [("priorityStep", -1), ("priorityStep", 86_401), ("serviceLevel", 0),
                               ("serviceLevel", 3601)] as [(String, Int64)] {
            let error = assertError(-32602, try admin.callResult("department.update",
                                                                 ["id": "sales", "name": "Renamed",
                                                                  .init(field): .int(value)]))
            XCTAssertEqual(error?.data?["field"]?.stringValue, field)
            let created = assertError(-32602, try admin.callResult("department.create",
                                                                   ["id": "new", "name": "New",
                                                                    .init(field): .int(value)]))
            XCTAssertEqual(created?.data?["field"]?.stringValue, field)
        }
        let sales = try admin.call("department.list").list("departments").first { $0["id"] == "sales" }
        XCTAssertEqual(sales?["name"], "Sales")
        XCTAssertEqual(sales?["priorityStep"], 600)
        XCTAssertEqual(try admin.call("department.list").list("departments").count, 2)
        let made = try admin.call("department.create", ["id": "new", "name": "New", "serviceLevel": 20,
                                                        "priorityStep": 0])
        XCTAssertEqual(made["serviceLevel"], 20)
        XCTAssertEqual(made["priorityStep"], 0)
    }

    func testConversationListPagesNewestFirstWithReplyWaits() throws {
        let ana = try staff("ana")
        var ids: [Int64] = []
        for index in 0..<5 {
            ids.append(try open("l-\(index)", index < 3 ? "vip" : "sales", phone: "1198765432\(index)").id)
        }
        try expectEvent(ana.client, "conversation.assigned")
        try expectEvent(ana.client, "conversation.assigned")
        let replied = try ana.client.call("conversation.reply", ["id": .int(ids[3]), "text": "olá"])
        let firstReply = try XCTUnwrap(replied["conversation"]?["firstReplyAt"]?.stringValue)
        try ana.client.call("conversation.reply", ["id": .int(ids[3]), "text": "de novo"])
        XCTAssertEqual(try conversation(ids[3])["firstReplyAt"]?.stringValue, firstReply, "the first reply is kept")
        try ana.client.call("conversation.close", ["id": .int(ids[4])])

        let all = try admin.call("conversation.list").list("conversations")
        XCTAssertEqual(all.map(\.id), ids.reversed())
        XCTAssertTrue(all.allSatisfy { $0["replyWaitSeconds"]?.intValue != nil })
        let page = try admin.call("conversation.list", ["limit": 2, "before": .int(ids[3])]).list("conversations")
        XCTAssertEqual(page.map(\.id), [ids[2], ids[1]])
        XCTAssertEqual(try admin.call("conversation.list", ["state": "closed"]).list("conversations").map(\.id),
                       [ids[4]])
        XCTAssertEqual(try admin.call("conversation.list", ["department": "vip", "state": "queued"])
            .list("conversations").map(\.id), [ids[2], ids[1], ids[0]])
        XCTAssertEqual(try admin.call("conversation.list", ["attendantId": .int(ana.id)])
            .list("conversations").map(\.id), [ids[4], ids[3]])
        let error = assertError(-32602, try admin.callResult("conversation.list", ["state": "lost"]))
        XCTAssertEqual(error?.data?["field"]?.stringValue, "state")
        assertError(1003, try bot.callResult("conversation.list"))
    }
}

/// Overflow and wait alerts over the socket: they are timers of at least 10 s, so these tests wait that long.
final class QueueOverflowTests: DaemonTestCase {
    func testAChatOverflowsKeepingItsQueueTimeAndTheBotsAreAlerted() throws {
        try admin.call("department.create", ["id": "night", "name": "Night", "strategy": "manual",
                                             "overflow": ["after": 10, "department": "vip"], "waitAlert": 10])
        let listed = try admin.call("department.list").list("departments").first { $0["id"] == "night" }
        XCTAssertEqual(listed?["overflow"], ["after": 10, "department": "vip"])
        XCTAssertEqual(listed?["waitAlert"], 10)
        XCTAssertTrue(try admin.call("department.list").list("departments").first { $0["id"] == "vip" }?["overflow"]?
            .isNull == true, "overflow is always present, null by default")
        let chat = try bot.call("conversation.open", ["externalId": "o-1", "contact": ["phone": "11987654321"],
                                                      "department": "night", "priority": 3])
        try expectEvent(bot, "conversation.queued")
        let alert = try expectEvent(bot, "conversation.waitExceeded", timeout: 30)
        XCTAssertEqual(alert["conversation"]?.id, chat.id)
        XCTAssertGreaterThanOrEqual(alert["waitedSeconds"]?.intValue ?? 0, 10)
        let joined = try expectEvent(bot, "conversation.queued", timeout: 30)
        XCTAssertEqual(joined["conversation"]?["department"], "vip", "joining the overflow queue is announced")
        let moved = try conversation(chat.id)
        XCTAssertEqual(moved["department"], "vip")
        XCTAssertEqual(moved["overflowedFrom"], "night")
        XCTAssertEqual(moved["queuedAt"], chat["queuedAt"], "queuedAt is kept")
        XCTAssertEqual(moved["priority"], 3, "priority is kept")
        try assertNoEvent(bot, "conversation.waitExceeded", "vip has no wait alert")
    }

    func testARestartKeepsTheOverflowDeadline() throws {
        try admin.call("department.create", ["id": "late", "name": "Late", "strategy": "manual",
                                             "overflow": ["after": 10, "department": "vip"]])
        let chat = try bot.openChat("o-2", department: "late")
        try daemon.restart()
        admin = try daemon.admin()
        try eventually("the chat overflowed after the restart", timeout: 30) {
            try conversation(chat.id)["department"] == "vip"
        }
        XCTAssertEqual(try conversation(chat.id)["overflowedFrom"], "late")
    }

    /// A wait alert that fell due while the daemon was down is applied at start, before any bot can be connected:
    /// it is held for the first bot that comes (it is sent once per chat per department, so none may miss it).
    func testAWaitAlertDueWhileTheDaemonWasDownReachesTheFirstBot() throws {
        try admin.call("department.create", ["id": "slow", "name": "Slow", "strategy": "manual", "waitAlert": 10])
        let chat = try bot.openChat("o-3", department: "slow")
        daemon.kill()
        Thread.sleep(forTimeInterval: 11)
        try daemon.start()
        admin = try daemon.admin()
        // The first bot's turn fails (a write the store refuses behind the daemon's back): the alert sent in it is
        // dropped with the turn's pushes and held again; the bot's login wrote nothing and stands, so the alert
        // reaches it with a later turn.
        if testsRunOnPostgres {
            let server = try XCTUnwrap(TestPostgres.shared)
            let uri = try XCTUnwrap(daemon.config["database"]?.stringValue)
            let database = String(uri.dropFirst("postgresql:///".count).prefix { $0 != "?" })
            _ = try server.psql("SET lock_timeout = '10s'; ALTER TABLE conversations "
                                + "ADD CONSTRAINT refuse_test CHECK (external_id <> 'refused')", database: database)
        } else {
            _ = try SQLiteReader(path: daemon.databasePath, readOnly: false).rows("""
                CREATE TRIGGER refuse_test BEFORE INSERT ON conversations WHEN NEW.external_id = 'refused'
                BEGIN SELECT RAISE(ABORT, 'refused by the test'); END
                """)
        }
        let failing = try daemon.connect()
        let answers = try daemon.batch(failing, [("auth.bot", nil), ("conversation.open", [
            "externalId": "refused", "contact": ["phone": "11987650009"], "department": "slow"])])
        XCTAssertEqual(answers[1]?["result"]?["role"], "bot", "\(answers[1]?.text ?? "-")")
        XCTAssertEqual(answers[2]?["error"]?["code"]?.intValue, -32603, "\(answers[2]?.text ?? "-")")
        try failing.call("system.ping")  // a turn that commits
        let alert = try expectEvent(failing, "conversation.waitExceeded", timeout: 10)
        XCTAssertEqual(alert["conversation"]?.id, chat.id)
        XCTAssertGreaterThanOrEqual(alert["waitedSeconds"]?.intValue ?? 0, 10)
        try assertNoEvent(try daemon.bot(), "conversation.waitExceeded", "once per chat per department")
    }

    func testBadOverflowsAreRefusedAndChangeNothing() throws {
        let cases: [(JSON, String)] = [
            (["after": 10, "department": "sales"], "overflow.department"),
            (["after": 10, "department": "ghost"], "overflow.department"),
            (["after": 5, "department": "vip"], "overflow.after"),
            (["department": "vip"], "overflow.after"),
            (["after": 10, "department": "vip", "then": "x"], "overflow.then"),
        ]
        for (overflow, field) in cases {
            let error = assertError(-32602, try admin.callResult("department.update",
                                                                 ["id": "sales", "name": "Renamed",
                                                                  "overflow": overflow]))
            XCTAssertEqual(error?.data?["field"]?.stringValue, field, "\(overflow)")
        }
        let error = assertError(-32602, try admin.callResult("department.update", ["id": "sales", "waitAlert": 9]))
        XCTAssertEqual(error?.data?["field"]?.stringValue, "waitAlert")
        let sales = try admin.call("department.list").list("departments").first { $0["id"] == "sales" }
        XCTAssertEqual(sales?["name"], "Sales")
        XCTAssertTrue(sales?["overflow"]?.isNull == true)
        XCTAssertTrue(sales?["waitAlert"]?.isNull == true)
    }
}
