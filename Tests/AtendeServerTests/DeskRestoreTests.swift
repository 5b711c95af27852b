// What a desk needs to stay right without a reload, and to come back right after one: `settings.changed` reaches
// logged-in attendants (over the Unix socket and the WebSocket) when an admin flips a permission they act on, and
// `conversation.wrapping` gives a reloaded desk its running wrap-ups, before and after a daemon restart.

import AtendeClient
import AtendeProtocol
import Foundation
import XCTest

final class SettingsPushTests: DaemonTestCase {
    func testPermissionChangesReachLoggedInAttendants() throws {
        let ana = try staff("ana", ["sales"])
        let bia = try staff("bia", ["vip"])
        let passive = try daemon.connect()
        try passive.call("auth.login", ["login": "ana", "password": .string(TestDaemon.password), "passive": true])
        let updated = try admin.call("settings.update", ["attendantsCanRemovePotentials": true])
        for client in [ana.client!, bia.client!] {
            let event = try expectEvent(client, "settings.changed")
            XCTAssertEqual(event["settings"], updated, "the whole Settings, as settings.get answers")
            XCTAssertEqual(event["settings"]?["attendantsCanRemovePotentials"], true)
        }
        try assertNoEvent(passive, "settings.changed", "a passive login gets no pushes")
        try assertNoEvent(admin, "settings.changed", "admins are not told")
        // What the switch allows follows at once.
        let potential = try bot.openChat("p-1")
        assertOK(try ana.client.callResult("potentials.remove", ["id": .int(potential.id)]))

        try admin.call("settings.update", ["attendantsCanViewBotContacts": false])
        XCTAssertEqual(try expectEvent(ana.client, "settings.changed")["settings"]?["attendantsCanViewBotContacts"],
                       false)
        assertError(1003, try ana.client.callResult("contacts.list"))

        // Settings the desk does not act on, or a write that changes nothing, say nothing.
        try admin.call("settings.update", ["maxMissedOffers": 5, "attendantsCanViewBotContacts": false])
        try admin.call("settings.update", ["restrictAccessToHours": false])
        try assertNoEvent(ana.client, "settings.changed")
        // A refused update changes nothing and tells nobody.
        assertInvalid("maxMissedOffers", try admin.callResult("settings.update",
            ["attendantsCanRemovePotentials": false, "maxMissedOffers": -1]))
        try assertNoEvent(ana.client, "settings.changed")
        XCTAssertEqual(try admin.call("settings.get")["attendantsCanRemovePotentials"], true)
    }
}

final class WrappingListTests: DaemonTestCase {
    func testARunningWrapUpIsListedForItsAttendantAcrossARestart() throws {
        try admin.call("department.create", ["id": "wrap", "name": "Wrap", "wrapUp": 900])
        let ana = try staff("ana", ["wrap"], ["maxChats": 2])
        let bia = try staff("bia", ["sales"])
        XCTAssertEqual(try ana.client.call("conversation.wrapping"), ["conversations": []])
        let first = try bot.openChat("w-1", phone: "11900000021", department: "wrap")
        let second = try bot.openChat("w-2", phone: "11900000022", department: "wrap")
        XCTAssertEqual([first, second].map { $0["attendantId"]?.intValue }, [ana.id, ana.id])
        let closed = try [first, second].map { try ana.client.call("conversation.close", ["id": .int($0.id)]) }
        let listed = try ana.client.call("conversation.wrapping").list("conversations")
        XCTAssertEqual(listed, closed, "the chats as conversation.close answered them, wrapUpUntil included")
        XCTAssertTrue(listed.allSatisfy { $0["state"] == "closed" && $0["wrapUpUntil"]?.stringValue != nil })
        XCTAssertEqual(try bia.client.call("conversation.wrapping").list("conversations"), [],
                       "each attendant sees its own")
        assertError(1003, try admin.callResult("conversation.wrapping"))
        assertInvalid("x", try ana.client.callResult("conversation.wrapping", ["x": 1]))

        try daemon.restart()
        let again = try daemon.attendant(login: "ana")
        XCTAssertEqual(try again.call("conversation.wrapping").list("conversations"), closed,
                       "wrap-ups and their deadlines survive a restart")
        XCTAssertEqual(try again.call("conversation.finishWrapUp", ["id": .int(first.id)]), ["ok": true])
        XCTAssertEqual(try again.call("conversation.wrapping").list("conversations").map(\.id), [second.id])
    }
}

final class WebSettingsPushTests: WebTestCase {
    func testAnAttendantsWebSocketHearsThePermissionChange() throws {
        let admin = try webAdmin()
        try admin.createDepartment("sales")
        try admin.createAttendant("ana@example.com", departments: ["sales"])
        let desk = try webSocket()
        try desk.call("auth.login", ["login": "ana@example.com", "password": .string(TestDaemon.password)])
        try admin.call("settings.update", ["attendantsCanRemovePotentials": true])
        let event = try expectEvent(desk, "settings.changed")
        XCTAssertEqual(event["settings"]?["attendantsCanRemovePotentials"], true)
    }
}
