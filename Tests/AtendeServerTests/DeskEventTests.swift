// DeskEventTests: what an attendant's desk needs from the daemon to show the truth. A `presence.changed` push
// when the daemon moves the attendant to or from off-hours (here by an admin changing its hours: a boundary timer
// does the same), `conversation.history {authors: true}` crediting each attendant message to the attendant
// who wrote it and listing transfers, while the history without `authors` stays as it was, a reply sent from
// one of the attendant's connections shown on its others (`conversation.replied`), and `department.changed` so
// that names follow a rename.

import AtendeClient
import AtendeProtocol
import XCTest

final class DeskEventTests: DaemonTestCase {
    func testADepartmentChangeIsPushedToAttendantsAndMonitors() throws {
        let ana = try staff("ana@names.example")
        let monitor = try daemon.admin()
        try monitor.call("monitor.subscribe")
        try admin.call("department.update", ["id": "sales", "name": "Vendas e trocas"])
        for client in [try XCTUnwrap(ana.client), monitor] {
            let pushed = try expectEvent(client, "department.changed")
            XCTAssertEqual(pushed["department"]?["name"], "Vendas e trocas")
            XCTAssertEqual(pushed["deleted"], false)
        }
        try admin.call("department.create", ["id": "extra", "name": "Extra"])
        XCTAssertEqual(try expectEvent(ana.client, "department.changed")["department"]?["id"], "extra")
        try admin.call("department.delete", ["id": "extra"])
        let deleted = try expectEvent(ana.client, "department.changed")
        XCTAssertEqual(deleted["department"]?["id"], "extra")
        XCTAssertEqual(deleted["deleted"], true)
    }

    func testWhatAnAttendantDoesOnOneConnectionReachesItsOthers() throws {
        try admin.call("department.create", ["id": "offers", "name": "Offers", "offerTimeout": 600, "wrapUp": 600])
        let ana = try staff("ana@devices.example", ["offers"])
        let desk = try XCTUnwrap(ana.client)
        let phone = try daemon.attendant(login: "ana@devices.example")
        // A presence choice.
        try phone.call("presence.set", ["presence": "away"])
        let away = try expectEvent(desk, "presence.changed")
        XCTAssertEqual(away["presence"], "away")
        XCTAssertEqual(away["reason"], "presence.set")
        try assertNoEvent(phone, "presence.changed", "the connection that chose has the answer")
        try phone.call("presence.set", ["presence": "online"])
        XCTAssertEqual(try expectEvent(desk, "presence.changed")["presence"], "online")
        // A decline, with someone else to take the chat.
        let bia = try staff("bia@devices.example", ["offers"], online: false)
        let chat = try bot.openChat("devices-1", department: "offers")
        XCTAssertEqual(chat["attendantId"]?.intValue, ana.id)
        let biaClient = try daemon.attendant(login: bia.login)
        try phone.call("conversation.decline", ["id": .int(chat.id)])
        let declined = try expectEvent(desk, "conversation.updated")["conversation"]
        XCTAssertEqual(declined?.id, chat.id)
        XCTAssertEqual(declined?["attendantId"]?.intValue, bia.id, "offered to bia now")
        try assertNoEvent(phone, "conversation.updated")
        // A wrap-up finished.
        try biaClient.call("conversation.decline", ["id": .int(chat.id)])
        XCTAssertEqual(try expectEvent(desk, "conversation.offered")["conversation"]?.id, chat.id, "back to ana")
        try desk.call("conversation.accept", ["id": .int(chat.id)])
        XCTAssertNotNil(try desk.call("conversation.close", ["id": .int(chat.id)])["wrapUpUntil"]?.stringValue)
        try phone.call("conversation.finishWrapUp", ["id": .int(chat.id)])
        let finished = try expectEvent(desk, "conversation.updated")["conversation"]
        XCTAssertEqual(finished?.id, chat.id)
        XCTAssertEqual(finished?["state"], "closed")
        XCTAssertNil(finished?["wrapUpUntil"], "the wrap-up is over")
    }

    func testAReplyIsPushedToTheAttendantsOtherConnectionsOnly() throws {
        let ana = try staff("ana@tabs.example")
        let phone = try daemon.attendant(login: "ana@tabs.example")
        let chat = try bot.openChat("tabs-1", department: "sales")
        XCTAssertEqual(chat["attendantId"]?.intValue, ana.id)
        let replied = try ana.client.call("conversation.reply", ["id": .int(chat.id), "text": "Olá!"])
        let pushed = try expectEvent(phone, "conversation.replied")
        XCTAssertEqual(pushed["conversation"]?.id, chat.id)
        XCTAssertEqual(pushed["message"]?["text"], "Olá!")
        XCTAssertEqual(pushed["message"]?["from"], "attendant")
        XCTAssertEqual(pushed["message"]?["id"], replied["message"]?["id"])
        try assertNoEvent(ana.client, "conversation.replied", "the connection that sent it has the answer")
        XCTAssertEqual(try expectEvent(bot, "conversation.reply")["message"]?["text"], "Olá!",
                       "the bots hear conversation.reply, as before")
    }

    func testPresenceChangedIsPushedWhenHoursEndAndStartAgain() throws {
        try admin.call("settings.update", ["restrictAccessToHours": false])
        let ana = try staff("ana@desk.example")
        try admin.call("attendant.update", ["id": .int(ana.id), "hours": hoursExcludingNow()])
        let ended = try XCTUnwrap(try expectEvent(ana.client, "presence.changed"))
        XCTAssertEqual(ended["presence"]?.stringValue, "off-hours")
        XCTAssertEqual(ended["reason"]?.stringValue, "hours")
        try admin.call("attendant.update", ["id": .int(ana.id), "hours": "always"])
        let started = try XCTUnwrap(try expectEvent(ana.client, "presence.changed"))
        XCTAssertEqual(started["presence"]?.stringValue, "online")
        // The attendant's own presence.set is answered, not pushed.
        try ana.client.call("presence.set", ["presence": "away"])
        try assertNoEvent(ana.client, "presence.changed")
    }

    func testPresenceChangedIsPushedWhenTheHoursTimerEndsTheShift() throws {
        // Hours that end three seconds from now (São Paulo local time, to the second): the daemon's boundary
        // timer, not a request, moves the attendant to off-hours.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "America/Sao_Paulo")!
        let end = Date().addingTimeInterval(3)
        let parts = calendar.dateComponents([.hour, .minute, .second], from: end)
        let (hour, minute, second) = (parts.hour!, parts.minute!, parts.second!)
        try XCTSkipIf(hour == 0 && minute == 0 && second < 10, "too close to midnight for a same-day shift")
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let shift: JSON = [["00:00", .string("\(two(hour)):\(two(minute)):\(two(second))")]]
        let hours: JSON = ["timezone": "America/Sao_Paulo",
                           "week": .object([weekday(of: end, in: "America/Sao_Paulo"): shift])]
        let ana = try staff("ana@timer.example", ["sales"], ["hours": hours])
        XCTAssertEqual(try attendant(ana.id)["presence"]?.stringValue, "online")
        let ended = try XCTUnwrap(try expectEvent(ana.client, "presence.changed", timeout: 15))
        XCTAssertEqual(ended["presence"]?.stringValue, "off-hours")
        XCTAssertEqual(ended["reason"]?.stringValue, "hours")
    }

    func testHistoryWithAuthorsCreditsEachAttendantAndListsTransfers() throws {
        let ana = try staff("ana@authors.example")
        let rui = try staff("rui@authors.example", online: false)
        let chat = try bot.openChat("a-1", department: "sales").id
        XCTAssertNotNil(try expectEvent(ana.client, "conversation.assigned"))
        try ana.client.call("conversation.reply", ["id": .int(chat), "text": "Oi, sou a Ana"])
        let ruiClient = try daemon.attendant(login: rui.login)
        try ana.client.call("conversation.transfer", ["id": .int(chat), "attendantId": .int(rui.id)])
        try ruiClient.call("conversation.reply", ["id": .int(chat), "text": "Aqui é o Rui"])
        let plain = try ruiClient.call("conversation.history", ["id": .int(chat)])
        XCTAssertEqual(plain.objectValue?.keys.sorted(), ["messages"])
        XCTAssertNil(plain.list("messages").first?["attendant"], "without authors the v1 answer")
        let full = try ruiClient.call("conversation.history", ["id": .int(chat), "authors": true])
        let messages = full.list("messages")
        XCTAssertEqual(messages.map { $0["attendant"]?["id"]?.intValue }, [ana.id, rui.id])
        XCTAssertEqual(messages.first?["attendant"]?["name"]?.stringValue, "Ana Souza")
        let transfers = full.list("transfers")
        XCTAssertEqual(transfers.count, 1)
        XCTAssertEqual(transfers.first?["by"]?["id"]?.intValue, ana.id)
        XCTAssertEqual(transfers.first?["from"]?["id"]?.intValue, ana.id)
        XCTAssertEqual(transfers.first?["toAttendant"]?["id"]?.intValue, rui.id)
        XCTAssertEqual(transfers.first?["byAdmin"], .null, "an attendant's transfer")
        assertInvalid("authors", try ruiClient.callResult("conversation.history", ["id": .int(chat), "authors": 1]))

        // An admin account's transfer names it (byAdmin); an admin without an account (the socket's uid) is null.
        let account = try admin.call("admin.create", ["name": "Bruna Lima", "login": "bruna", "password": "Painel2026x"])
        let bruna = try daemon.connect()
        try bruna.call("auth.login", ["login": "bruna", "password": "Painel2026x"])
        try bruna.call("conversation.transfer", ["id": .int(chat), "attendantId": .int(ana.id)])
        try admin.call("conversation.transfer", ["id": .int(chat), "attendantId": .int(rui.id)])
        let moves = try ruiClient.call("conversation.history", ["id": .int(chat), "authors": true]).list("transfers")
        XCTAssertEqual(moves.count, 3)
        XCTAssertEqual(moves[1]["by"], .null)
        XCTAssertEqual(moves[1]["byAdmin"], ["id": account["id"] ?? .null, "name": "Bruna Lima"])
        XCTAssertEqual(moves[2]["byAdmin"], .null, "an admin with no account")
    }
}
