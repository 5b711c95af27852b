// DeskTests: the attend desk as values and frames: a `presence.changed` push changes the header at once (it used
// to change only when the attendant typed online/away), and a frame with emoji and wide text in names and
// messages keeps every line within the terminal's width (a row that wrapped pushed the header off the screen).

@testable import atendectl
import AtendeProtocol
import XCTest

final class DeskTests: XCTestCase {
    private let me: JSON = ["id": 2, "name": "Rui Lima", "login": "rui@example.com", "presence": "online",
                            "departments": ["vendas"], "maxChats": 5]

    func testPresenceChangedPushUpdatesTheHeader() {
        var desk = Desk(me: me)
        XCTAssertTrue(DeskScreen.header(desk, width: 80, now: 0).contains("ONLINE"))
        desk.apply(event: ["type": "presence.changed", "presence": "off-hours", "reason": "hours"])
        XCTAssertEqual(desk.presence, "off-hours")
        XCTAssertTrue(DeskScreen.header(desk, width: 80, now: 0).contains("OFF-HOURS"))
        desk.apply(event: ["type": "presence.changed", "presence": "online", "reason": "hours"])
        XCTAssertTrue(DeskScreen.header(desk, width: 80, now: 0).contains("ONLINE"))
        XCTAssertEqual(desk.notes.last?.text, "your presence is now online (working hours)")
        desk.apply(event: ["type": "presence.changed", "presence": "away", "reason": "presence.set"])
        XCTAssertEqual(desk.notes.last?.text, "your presence is now away (set in another window)")
        desk.apply(event: ["type": "presence.changed", "presence": "away", "reason": "missed-offers"])
        XCTAssertEqual(desk.notes.last?.text,
                       "you are now away (offers ran out unanswered); type online to take chats again")
    }

    /// A reload of the daemon that changes its `timezone` (`system.changed`) moves the desk's times to the new zone,
    /// unless the environment named one.
    func testSystemChangedMovesTimesToTheDaemonsNewZone() {
        TimeText.useZone(environment: [:])
        defer { TimeText.useZone(environment: [:]) }
        let at = "2026-12-04T15:00:00.000Z"
        XCTAssertEqual(TimeText.local(at), "2026-12-04 12:00:00 -03:00")
        var desk = Desk(me: me)
        desk.apply(event: ["type": "system.changed", "time": .string(at), "timezone": "America/Manaus"])
        XCTAssertEqual(TimeText.local(at), "2026-12-04 11:00:00 -04:00")
        TimeText.useZone(environment: ["ATENDE_TIMEZONE": "America/Sao_Paulo"])
        desk.apply(event: ["type": "system.changed", "time": .string(at), "timezone": "America/Manaus"])
        XCTAssertEqual(TimeText.local(at), "2026-12-04 12:00:00 -03:00", "the environment's zone wins")
    }

    func testAReplyFromAnotherSessionAnswersTheContactHereToo() {
        var desk = Desk(me: me)
        let chat: JSON = ["id": 3, "state": "assigned", "department": "vendas", "contact": ["phone": "+5511900000003"],
                          "assignedAt": "2026-12-04T15:00:00.000Z", "replyDueAt": "2026-12-04T15:05:00.000Z"]
        let now = TimeText.parse("2026-12-04T15:03:00.000Z")!
        desk.apply(event: ["type": "conversation.message", "conversation": chat,
                           "message": ["from": "contact", "text": "Oi", "at": "2026-12-04T15:01:00.000Z"]])
        XCTAssertTrue(desk.unread.contains(3))
        XCTAssertTrue(DeskScreen.chatLine(desk.assigned[0], desk: desk, width: 120, now: now).contains("reply within"))
        let answered: JSON = ["id": 3, "state": "assigned", "department": "vendas",
                              "contact": ["phone": "+5511900000003"], "assignedAt": "2026-12-04T15:00:00.000Z"]
        desk.apply(event: ["type": "conversation.replied", "conversation": answered,
                           "message": ["from": "attendant", "text": "Olá!", "at": "2026-12-04T15:02:00.000Z"]])
        XCTAssertFalse(desk.unread.contains(3))
        XCTAssertEqual(DeskScreen.waitingForReply(chat, desk: desk, now: now), "-", "answered")
        XCTAssertFalse(DeskScreen.chatLine(desk.assigned[0], desk: desk, width: 120, now: now).contains("reply within"),
                       "the reply clock stopped")
        XCTAssertTrue(desk.notes.last?.text.hasSuffix("you from another session: Olá!") ?? false)
    }

    func testADeclineOrAWrapUpFinishedElsewhereLeavesThisDesk() {
        var desk = Desk(me: me)
        let offered: JSON = ["id": 4, "state": "offered", "attendantId": 2, "department": "vendas",
                             "contact": ["phone": "+5511900000004"], "offerExpiresAt": "2026-12-04T15:05:00.000Z"]
        desk.apply(event: ["type": "conversation.offered", "conversation": offered])
        XCTAssertEqual(desk.offers.count, 1)
        desk.apply(event: ["type": "conversation.updated", "conversation": offered])
        XCTAssertEqual(desk.offers.count, 1, "declined elsewhere but offered here again: it stays")
        let elsewhere: JSON = ["id": 4, "state": "offered", "attendantId": 9, "department": "vendas",
                               "contact": ["phone": "+5511900000004"]]
        desk.apply(event: ["type": "conversation.updated", "conversation": elsewhere])
        XCTAssertTrue(desk.offers.isEmpty, "declined from another session")
        desk.wrapping[5] = "2026-12-04T15:10:00.000Z"
        desk.apply(event: ["type": "conversation.updated", "conversation": [
            "id": 5, "state": "closed", "attendantId": 2, "contact": ["phone": "+5511900000005"]]])
        XCTAssertNil(desk.wrapping[5], "finished from another session")
    }

    func testFrameWithWideCharactersFitsTheWidth() {
        var desk = Desk(me: me)
        let chat: JSON = ["id": 3, "state": "assigned", "department": "vendas",
                          "assignedAt": "2026-12-04T15:00:00.000Z",
                          "contact": ["phone": "+5511987654321", "name": "Maria 😀 東京 Silva"]]
        desk.load(queue: ["assigned": [chat], "waiting": [chat.with("id", 4).with("state", "queued")]])
        desk.lastMessage[3] = ["from": "attendant", "at": "2026-12-04T15:00:00.000Z",
                               "text": "Olá! 😀 Posso ajudar? 👍🏽 東京タワーに行きたいです。よろしく"]
        desk.firstMessage[4] = ["from": "contact", "text": .string(String(repeating: "😀", count: 60))]
        desk.note("#3 you: " + String(repeating: "東京 ", count: 40))
        for columns in [40, 80, 120] {
            let frame = DeskScreen.frame(desk, input: ("reply 3 😀😀😀", 13), rows: 24, columns: columns,
                                         now: 1_764_860_000)
            let lines = visibleLines(frame)
            XCTAssertEqual(lines.count, 24)
            for line in lines { XCTAssertLessThanOrEqual(line.displayWidth, columns, line) }
            XCTAssertTrue(lines[0].contains("Rui Lima"), "the header stays on the first line")
        }
    }

    /// With chats in both lists, each under its column headings, the newest activity line is still on screen: the
    /// headings used to be left out of the count, and the frame's bottom (the newest lines) was cut to fit.
    func testNewestActivityStaysOnScreenWithBothListsShown() {
        var desk = Desk(me: me)
        let chat: JSON = ["id": 3, "state": "assigned", "department": "vendas",
                          "contact": ["phone": "+5511987654321", "name": "Maria"]]
        desk.load(queue: ["assigned": [chat, chat.with("id", 5)],
                          "waiting": [chat.with("id", 4).with("state", "queued")]])
        for index in 1...30 { desk.note("note \(index)") }
        let lines = visibleLines(DeskScreen.frame(desk, input: ("", 0), rows: 24, columns: 80, now: 1_764_860_000))
        XCTAssertEqual(lines.count, 24)
        XCTAssertTrue(lines.contains { $0.hasSuffix("note 30") }, lines.joined(separator: "\n"))
        XCTAssertTrue(lines[lines.count - 1].hasPrefix("> "), "the prompt is the last line")
    }

    /// A wrap-up the daemon ended by itself (its time ran out: no push says so) leaves the desk with a note, and
    /// the slot count drops; one still running shows its seconds left.
    func testAWrapUpThatRanOutLeavesTheDesk() {
        var desk = Desk(me: me)
        let now = 1_764_860_000.0
        desk.load(wrapping: ["conversations": [["id": 7, "wrapUpUntil": "2025-12-04T14:53:50.000Z"],
                                               ["id": 8, "wrapUpUntil": "2025-12-04T14:54:35.000Z"],
                                               ["id": 9, "wrapUpUntil": "2025-12-04T14:53:19.000Z"]]], now: now)
        XCTAssertEqual(desk.wrapping.count, 2, "one over by this clock (the daemon's is behind) is left out")
        let header = visibleLines(DeskScreen.frame(desk, input: ("", 0), rows: 24, columns: 80, now: now))[1]
        XCTAssertTrue(header.contains("My chats 2/5") && header.contains("#7 30s, #8 1m 15s"), header)

        desk.expireWrapUps(now: now + 29)
        XCTAssertEqual(desk.wrapping.count, 2, "not over yet")
        XCTAssertFalse(desk.needsRefresh)
        desk.expireWrapUps(now: now + 30)
        XCTAssertEqual(Array(desk.wrapping.keys), [8])
        XCTAssertTrue(desk.needsRefresh, "the lists are read again: a waiting chat may come now")
        XCTAssertEqual(desk.notes.last?.text, "wrap-up of #7 is over: the slot is free")
    }
}

extension JSON {
    /// A copy with member `key` set.
    func with(_ key: String, _ value: JSON) -> JSON {
        var object = objectValue ?? [:]
        object[key] = value
        return .object(object)
    }
}
