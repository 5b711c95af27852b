// DeskTextTests: the small rules of the desk and of `top` as tables: who a history line credits, how a transfer
// reads, how long a contact has waited for a reply, the time left to reply, and the reconnection backoff.

@testable import atendectl
import AtendeProtocol
import XCTest

final class DeskTextTests: XCTestCase {
    func testHistoryCreditsTheWriter() {
        let byAna: JSON = ["from": "attendant", "text": "Oi", "attendant": ["id": 1, "name": "Ana Souza"]]
        let byGone: JSON = ["from": "attendant", "text": "Oi", "attendant": ["id": 7, "name": nil]]
        let table: [(JSON, Int64?, String)] = [
            (byAna, 1, "you"), (byAna, 2, "Ana Souza, attendant"), (byGone, 2, "attendant 7"),
            (["from": "attendant", "text": "Oi"], 2, "attendant"),
        ]
        for (message, me, label) in table { XCTAssertEqual(ConversationText.author(message, me: me), label) }
    }

    func testTransfersRead() {
        let toRui: JSON = ["at": "2026-12-04T15:00:00.000Z", "by": ["id": 1, "name": "Ana Souza"],
                           "from": ["id": 1, "name": "Ana Souza"], "toDepartment": nil,
                           "toAttendant": ["id": 2, "name": "Rui Lima"]]
        XCTAssertTrue(ConversationText.transfer(toRui, me: 2).hasSuffix("transferred by Ana Souza to you"))
        let byAdmin: JSON = ["at": "2026-12-04T15:00:00.000Z", "by": nil, "from": ["id": 2, "name": "Rui Lima"],
                             "toDepartment": "suporte", "toAttendant": nil]
        XCTAssertTrue(ConversationText.transfer(byAdmin, me: 2)
            .hasSuffix("transferred by an admin from you to the suporte queue"))
    }

    func testWaitingForAReplyCountsFromTheContactsLastMessage() {
        var desk = Desk(me: ["id": 2, "name": "Rui Lima"])
        let chat: JSON = ["id": 3, "assignedAt": "2026-12-04T15:00:00.000Z"]
        let now = TimeText.parse("2026-12-04T15:10:00.000Z")!
        XCTAssertEqual(DeskScreen.waitingForReply(chat, desk: desk, now: now), "10m 00s", "no message known yet")
        desk.lastMessage[3] = ["from": "contact", "at": "2026-12-04T15:08:30.000Z"]
        XCTAssertEqual(DeskScreen.waitingForReply(chat, desk: desk, now: now), "1m 30s")
        desk.lastMessage[3] = ["from": "attendant", "at": "2026-12-04T15:09:00.000Z"]
        XCTAssertEqual(DeskScreen.waitingForReply(chat, desk: desk, now: now), "-", "answered")
    }

    func testAChatLineShowsTheTimeLeftToReply() {
        let desk = Desk(me: ["id": 2, "name": "Rui Lima"])
        let now = TimeText.parse("2026-12-04T15:10:00.000Z")!
        let due: JSON = ["id": 3, "state": "assigned", "contact": ["phone": "+5511900000003"],
                         "assignedAt": "2026-12-04T15:09:00.000Z", "replyDueAt": "2026-12-04T15:11:30.000Z"]
        XCTAssertTrue(DeskScreen.chatLine(due, desk: desk, width: 120, now: now).contains("[reply within 1m 30s]"))
        let late = TimeText.parse("2026-12-04T15:11:30.000Z")!
        XCTAssertFalse(DeskScreen.chatLine(due, desk: desk, width: 120, now: late).contains("reply within"),
                       "the clock ran out: the daemon takes the chat back")
        let answered: JSON = ["id": 3, "state": "assigned", "contact": ["phone": "+5511900000003"],
                              "assignedAt": "2026-12-04T15:09:00.000Z"]
        XCTAssertFalse(DeskScreen.chatLine(answered, desk: desk, width: 120, now: now).contains("reply within"))
    }

    func testReconnectionBacksOff() {
        XCTAssertEqual((0..<8).map(Reconnection.delay(afterFailures:)), [0.5, 1, 2, 4, 8, 10, 10, 10])
        var state = Reconnection(reason: "server closed the connection", now: 100)
        XCTAssertFalse(state.due(now: 100.4))
        XCTAssertTrue(state.due(now: 100.5))
        state.failed("No such file or directory", now: 101)
        XCTAssertEqual(state.nextTry, 102)
        XCTAssertTrue(state.status(now: 101).contains("reconnecting in 1s (attempt 2)"), state.status(now: 101))
        XCTAssertTrue(state.status(now: 101).contains("No such file or directory"))
    }
}
