// ServiceLevelTests: `stats.get {since}` and the metrics' service-level figures. A scripted day of chats is
// written into the database with known timestamps while the daemon is stopped, so every figure is known by hand
// (and must be the same after a restart: they come from stored timestamps); a live run checks that chats routed
// now are counted, and the same figures appear as Prometheus gauges.

import AtendeClient
import AtendeCore
import AtendeProtocol
import AtendeStore
import Foundation
import XCTest

final class ServiceLevelTests: DaemonTestCase {
    private func at(_ text: String) -> Instant { Instant(iso8601: text)! }

    /// Chats of 2026-11-26 in São Paulo (-03:00), one the evening before, and a potential.
    private func writeScriptedDay(ana: Int64, bia: Int64) throws {
        try daemon.stop()
        let store = try Store(path: daemon.databasePath, durability: .normal)
        func row(_ id: Int64, _ department: String?, _ state: ConversationState, queued: String?,
                 assigned: String? = nil, reply: String? = nil, closed: String? = nil,
                 attendant: Int64? = nil) throws {
            var c = Conversation(id: id, externalId: "day-\(id)", contactPhone: "+55119876543\(id % 100)",
                                 department: department, state: state, attendantId: attendant,
                                 openedAt: at(queued ?? "2026-11-26T08:00:00-03:00"),
                                 queuedAt: queued.map(at), assignedAt: assigned.map(at), closedAt: closed.map(at),
                                 queueSeq: id)
            c.firstReplyAt = reply.map(at)  // the first queue and assignment times are written from these
            try store.saveConversation(c, new: true)
        }
        // sales (target 60 s): answered in 30 s, in 120 s, abandoned, answered in exactly 60 s and still open.
        try row(101, "sales", .closed, queued: "2026-11-26T09:00:00-03:00", assigned: "2026-11-26T09:00:30-03:00",
                reply: "2026-11-26T09:01:00-03:00", closed: "2026-11-26T09:10:30-03:00", attendant: ana)
        try row(102, "sales", .closed, queued: "2026-11-26T10:00:00-03:00", assigned: "2026-11-26T10:02:00-03:00",
                reply: "2026-11-26T10:03:00-03:00", closed: "2026-11-26T10:12:00-03:00", attendant: ana)
        try row(103, "sales", .closed, queued: "2026-11-26T11:00:00-03:00", closed: "2026-11-26T11:05:00-03:00")
        try row(104, "sales", .assigned, queued: "2026-11-26T12:00:00-03:00",
                assigned: "2026-11-26T12:01:00-03:00", attendant: bia)
        // The evening before `since`, and a potential that never queued: not counted.
        try row(105, "sales", .closed, queued: "2026-11-25T23:50:00-03:00", assigned: "2026-11-25T23:59:00-03:00",
                closed: "2026-11-26T00:30:00-03:00", attendant: ana)
        try row(106, nil, .removed, queued: nil, closed: "2026-11-26T09:00:00-03:00")
        // vip: one chat, closed by the bot before anyone took it.
        try row(107, "vip", .closed, queued: "2026-11-26T13:00:00-03:00", closed: "2026-11-26T13:30:00-03:00")
        try store.commit()
        try daemon.start()
        admin = try daemon.admin()
        bot = try daemon.bot()
    }

    func testAScriptedDayGivesTheFiguresKnownByHand() throws {
        try skipOnPostgres("it writes rows into the SQLite file")
        let ana = try staff("ana", online: false)
        let bia = try staff("bia", online: false)
        try writeScriptedDay(ana: ana.id, bia: bia.id)
        for round in ["before", "after a restart"] {
            let stats = try admin.call("stats.get", ["since": "2026-11-26T00:00:00-03:00"])
            let sales = try XCTUnwrap(stats["departments"]?["sales"])
            XCTAssertEqual(sales["served"], 3, round)
            XCTAssertEqual(sales["abandoned"], 1, round)
            XCTAssertEqual(sales["serviceLevel"]?.doubleValue, 0.5, "2 of 4 within 60 s (\(round))")
            XCTAssertEqual(sales["avgAnswerSeconds"]?.doubleValue, 70, "(30 + 120 + 60) / 3 (\(round))")
            XCTAssertEqual(sales["avgFirstReplySeconds"]?.doubleValue, 120, "(60 + 180) / 2 (\(round))")
            XCTAssertEqual(sales["avgHandleSeconds"]?.doubleValue, 600, round)
            XCTAssertEqual(sales["waiting"], 0, "the v1 members are still there")
            XCTAssertEqual(sales["assigned"], 1)
            let vip = try XCTUnwrap(stats["departments"]?["vip"])
            XCTAssertEqual(vip["served"], 0)
            XCTAssertEqual(vip["abandoned"], 1)
            XCTAssertEqual(vip["serviceLevel"]?.doubleValue, 0)
            XCTAssertTrue(vip["avgAnswerSeconds"]?.isNull == true, round)
            let people = try XCTUnwrap(stats["attendants"])
            XCTAssertEqual(people["\(ana.id)"]?["handled"], 2, round)
            XCTAssertEqual(people["\(ana.id)"]?["avgFirstReplySeconds"]?.doubleValue, 45, "(30 + 60) / 2")
            XCTAssertEqual(people["\(ana.id)"]?["avgHandleSeconds"]?.doubleValue, 600)
            XCTAssertEqual(people["\(ana.id)"]?["offers"]?["accepted"], 0)
            XCTAssertEqual(people["\(bia.id)"]?["handled"], 1)
            XCTAssertTrue(people["\(bia.id)"]?["avgHandleSeconds"]?.isNull == true, "its chat is still open")

            // A later `since` leaves the morning out.
            let afternoon = try admin.call("stats.get", ["since": "2026-11-26T11:30:00-03:00"])
            XCTAssertEqual(afternoon["departments"]?["sales"]?["served"], 1)
            XCTAssertEqual(afternoon["departments"]?["sales"]?["serviceLevel"]?.doubleValue, 1)
            try daemon.restart()
            admin = try daemon.admin()
        }
        let error = assertError(-32602, try admin.callResult("stats.get", ["since": "yesterday"]))
        XCTAssertEqual(error?.data?["field"]?.stringValue, "since")
    }

    /// A chat moved off an attendant (a transfer, a supervisor's move) still counts as handled by it: moving
    /// chats never lowers anyone's count; one that comes back is counted once.
    func testAChatHandedOnStillCountsForWhoHeldIt() throws {
        let ana = try staff("ana")
        let bia = try staff("bia", online: false)
        let chat = try bot.openChat("moved-1", department: "sales")
        try expectEvent(ana.client, "conversation.assigned")
        let biaSession = try daemon.attendant(login: "bia")  // online now, to be transferred to
        func handled() throws -> [Int64: Int64] {
            let people = try admin.call("stats.get")["attendants"]?.objectValue ?? [:]
            return Dictionary(uniqueKeysWithValues: people.compactMap { key, value in
                Int64(key).map { ($0, value["handled"]?.intValue ?? -1) } })
        }
        XCTAssertEqual(try handled(), [ana.id: 1])
        try admin.call("conversation.transfer", ["id": .int(chat.id), "attendantId": .int(bia.id)])
        XCTAssertEqual(try handled(), [ana.id: 1, bia.id: 1], "ana keeps her count")
        try admin.call("conversation.transfer", ["id": .int(chat.id), "attendantId": .int(ana.id)])
        XCTAssertEqual(try handled(), [ana.id: 1, bia.id: 1], "back with ana: once each")
        _ = biaSession
    }

    /// A chat only offered to an attendant, then transferred, was never handled by it.
    func testAnOfferTransferredAwayIsNotCountedAsHandled() throws {
        _ = try admin.call("department.update", ["id": "sales", "offerTimeout": 60])
        let ana = try staff("ana")
        let bia = try staff("bia", online: false)
        let chat = try bot.openChat("offered-1", department: "sales")
        try expectEvent(ana.client, "conversation.offered")
        let biaSession = try daemon.attendant(login: "bia")
        try admin.call("conversation.transfer", ["id": .int(chat.id), "attendantId": .int(bia.id)])
        let people = try admin.call("stats.get")["attendants"]
        XCTAssertEqual(people?["\(bia.id)"]?["handled"], 1)
        XCTAssertNotEqual(people?["\(ana.id)"]?["handled"], 1, "ana was only offered it")
        let history = try admin.call("conversation.history", ["id": .int(chat.id), "authors": true])
        XCTAssertEqual(history["transfers"]?.arrayValue?.first?["from"], .null, "taken from nobody: it was offered")
        _ = biaSession
    }

    func testTodaysChatsAreCountedAndExportedAsMetrics() throws {
        let ana = try staff("ana")
        let chat = try bot.openChat("live-1", department: "sales")
        try expectEvent(ana.client, "conversation.assigned")
        try ana.client.call("conversation.reply", ["id": .int(chat.id), "text": "olá"])
        try ana.client.call("conversation.close", ["id": .int(chat.id)])
        let gone = try bot.openChat("live-2", phone: "11987654322", department: "vip")
        try bot.call("conversation.close", ["id": .int(gone.id)])

        let stats = try admin.call("stats.get")
        let sales = try XCTUnwrap(stats["departments"]?["sales"])
        XCTAssertEqual(sales["served"], 1)
        XCTAssertEqual(sales["abandoned"], 0)
        XCTAssertEqual(sales["serviceLevel"]?.doubleValue, 1)
        XCTAssertNotNil(sales["avgFirstReplySeconds"]?.doubleValue)
        XCTAssertNotNil(sales["avgHandleSeconds"]?.doubleValue)
        XCTAssertEqual(stats["departments"]?["vip"]?["abandoned"], 1)
        XCTAssertEqual(stats["attendants"]?["\(ana.id)"]?["handled"], 1)

        let text = try admin.call("metrics.get")["text"]?.stringValue ?? ""
        XCTAssertTrue(text.contains("atende_served_conversations{department=\"sales\"} 1\n"), text)
        XCTAssertTrue(text.contains("atende_abandoned_conversations{department=\"vip\"} 1\n"))
        XCTAssertTrue(text.contains("atende_service_level_ratio{department=\"sales\"} 1\n"))
        XCTAssertTrue(text.contains("atende_service_level_ratio{department=\"vip\"} 0\n"))
        XCTAssertTrue(text.contains("atende_attendant_handled_conversations{attendant=\"\(ana.id)\"} 1\n"))
    }
}
