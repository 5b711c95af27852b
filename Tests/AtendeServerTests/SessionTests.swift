// SessionTests: an attendant's session as routing sees it: presence away and online, going offline by logging
// out or hanging up (its chats stay its own), login throttling, inactive attendants, working hours with the
// restrictAccessToHours setting, and deactivation ending live sessions.

import AtendeClient
import AtendeProtocol
import Foundation
import XCTest

final class SessionTests: DaemonTestCase {
    func testAwayStopsAssignmentAndOnlineResumesAtOnce() throws {
        let ana = try staff("ana")
        XCTAssertEqual(try ana.client.call("presence.set", ["presence": "away"])["presence"], "away")
        XCTAssertEqual(try attendant(ana.id)["presence"], "away")
        let chat = try bot.openChat("p-1", department: "sales")
        XCTAssertEqual(chat["state"], "queued", "an away attendant gets no chats")
        XCTAssertEqual(try ana.client.call("presence.set", ["presence": "online"])["presence"], "online")
        XCTAssertEqual(try expectEvent(ana.client, "conversation.assigned")["conversation"]?.id, chat.id,
                       "waiting chats flow as soon as the attendant is online again")
        XCTAssertEqual(try conversation(chat.id)["attendantId"]?.intValue, ana.id)
        for bad: JSON in ["offline", "busy", "off-hours", "", 1] {
            assertInvalid("presence", try ana.client.callResult("presence.set", ["presence": bad]), "\(bad)")
        }
        XCTAssertEqual(try attendant(ana.id)["presence"], "online")
    }

    func testLogoutMakesOfflineAndChatsStay() throws {
        let ana = try staff("ana")
        let chat = try bot.openChat("p-2", department: "sales")
        XCTAssertEqual(chat["attendantId"]?.intValue, ana.id)
        XCTAssertEqual(try ana.client.call("auth.logout")["ok"], true)
        _ = ana.client.drainEvents()
        let offline = try attendant(ana.id)
        XCTAssertEqual(offline["presence"], "offline")
        XCTAssertEqual(offline["openChats"]?.intValue, 1, "its chats stay its own")
        XCTAssertNotNil(offline["lastSeenAt"]?.stringValue)
        XCTAssertEqual(try conversation(chat.id)["attendantId"]?.intValue, ana.id)
        XCTAssertEqual(try conversation(chat.id)["state"], "assigned")
        let next = try bot.openChat("p-3", phone: "21987654321", department: "sales")
        XCTAssertEqual(next["state"], "queued", "an offline attendant gets no chats")
        // Messages for its chat still reach the store while it is away; back online it finds everything.
        try bot.call("conversation.message", ["id": .int(chat.id), "text": "alô?"])
        try ana.client.call("auth.login", ["login": "ana", "password": "Secret123"])
        try expectEvent(ana.client, "conversation.assigned")
        XCTAssertEqual(Set(try queue(ana.client).assigned), [chat.id, next.id])
        XCTAssertEqual(try ana.client.call("conversation.history", ["id": .int(chat.id)]).list("messages").count, 1)
    }

    func testHangingUpMakesOfflineOnlyWhenTheLastConnectionCloses() throws {
        let ana = try staff("ana")
        let second = try daemon.attendant(login: "ana")
        let chat = try bot.openChat("p-4", department: "sales")
        XCTAssertEqual(chat["attendantId"]?.intValue, ana.id)
        // Both connections of the attendant receive its pushes.
        try expectEvent(ana.client, "conversation.assigned")
        try expectEvent(second, "conversation.assigned")
        daemon.disconnect(ana.client)
        try second.call("system.ping")
        XCTAssertEqual(try attendant(ana.id)["presence"], "online", "one connection is still open")
        daemon.disconnect(second)
        try eventually("ana goes offline") { try attendant(ana.id)["presence"] == "offline" }
        XCTAssertEqual(try conversation(chat.id)["attendantId"]?.intValue, ana.id, "its chats stay its own")
        XCTAssertEqual(try attendant(ana.id)["openChats"]?.intValue, 1)
        XCTAssertEqual(try bot.openChat("p-5", phone: "21987654321", department: "sales")["state"], "queued")
    }

    func testLoginThrottling() throws {
        try staff("ana", online: false)
        try staff("bia", online: false)
        let client = try daemon.connect()
        for attempt in 1...5 {
            let wrong: JSON = ["login": "ana", "password": .string("Wrong\(attempt)abc")]
            assertError(1001, try client.callResult("auth.login", wrong), "attempt \(attempt)")
        }
        let refused = assertError(1029, try client.callResult("auth.login", ["login": "ana", "password": "Secret123"]),
                                  "the right password is refused while throttled")
        let retryAfter = refused?.data?["retryAfter"]?.intValue ?? 0
        XCTAssertTrue((1...900).contains(retryAfter), "retryAfter \(retryAfter)")
        assertError(1029, try daemon.connect().callResult("auth.login", ["login": "ANA", "password": "Secret123"]),
                    "throttling is per login (ignoring case), not per connection")
        assertError(1001, try client.callResult("queue.list"), "still not logged in")
        assertOK(try daemon.connect().callResult("auth.login", ["login": "bia", "password": "Secret123"]),
                 "other logins are not affected")
    }

    func testTenFailuresOnOneConnectionCloseItsDoor() throws {
        try staff("ana", online: false)
        let client = try daemon.connect()
        for index in 0..<10 {
            let wrong: JSON = ["login": .string("nobody\(index)"), "password": "Wrong1234"]
            assertError(1001, try client.callResult("auth.login", wrong), "attempt \(index + 1)")
        }
        assertError(1029, try client.callResult("auth.login", ["login": "ana", "password": "Secret123"]),
                    "a connection with 10 failures is throttled for every login")
        assertOK(try daemon.connect().callResult("auth.login", ["login": "ana", "password": "Secret123"]),
                 "other connections are not")
    }

    func testLoggingInAsSomeoneElseEndsTheFirstSession() throws {
        let ana = try staff("ana")
        let bia = try staff("bia", online: false)
        let me = try ana.client.call("auth.login", ["login": "bia", "password": "Secret123"])
        XCTAssertEqual(me.id, bia.id)
        XCTAssertEqual(try attendant(ana.id)["presence"], "offline", "ana's only connection became bia's")
        XCTAssertEqual(try attendant(bia.id)["presence"], "online")
        let chat = try bot.openChat("s-1", department: "sales")
        XCTAssertEqual(chat["attendantId"]?.intValue, bia.id)
    }

    func testFourFailuresDoNotThrottle() throws {
        try staff("ana", online: false)
        let client = try daemon.connect()
        for _ in 1...4 {
            assertError(1001, try client.callResult("auth.login", ["login": "ana", "password": "Wrong1234"]))
        }
        assertOK(try client.callResult("auth.login", ["login": "ana", "password": "Secret123"]))
    }

    func testInactiveAttendantCannotLogInAndGetsNoChats() throws {
        let ana = try staff("ana", ["sales"], ["active": false], online: false)
        XCTAssertEqual(try attendant(ana.id)["active"], false)
        assertError(1003, try daemon.connect().callResult("auth.login", ["login": "ana", "password": "Secret123"]))
        assertError(1001, try daemon.connect().callResult("auth.login", ["login": "ana", "password": "Wrong1234"]),
                    "a wrong password is still just wrong")
        let chat = try bot.openChat("i-1", department: "sales")
        XCTAssertEqual(chat["state"], "queued")
        try admin.call("attendant.update", ["id": .int(ana.id), "active": true])
        let session = try daemon.attendant(login: "ana")
        XCTAssertEqual(try expectEvent(session, "conversation.assigned")["conversation"]?.id, chat.id)
    }

    func testLoginOutsideWorkingHoursIsRefused() throws {
        let ana = try staff("ana", ["sales"], ["hours": hoursExcludingNow()], online: false)
        assertError(1011, try daemon.connect().callResult("auth.login", ["login": "ana", "password": "Secret123"]))
        XCTAssertEqual(try attendant(ana.id)["presence"], "offline")
        // Another time zone works the same way.
        let tokyo = try staff("kenji", ["sales"], ["hours": hoursExcludingNow(timeZone: "Asia/Tokyo")], online: false)
        assertError(1011, try daemon.connect().callResult("auth.login", ["login": "kenji", "password": "Secret123"]))
        _ = tokyo
    }

    func testWithoutRestrictionAnOffHoursAttendantLogsInButGetsNoChats() throws {
        try admin.call("settings.update", ["restrictAccessToHours": false])
        let ana = try staff("ana", ["sales", "vip"], ["hours": hoursExcludingNow()])
        XCTAssertEqual(try attendant(ana.id)["presence"], "off-hours")
        let chat = try bot.openChat("h-1", department: "sales")
        XCTAssertEqual(chat["state"], "queued", "outside its hours an attendant gets no chats")
        let manual = try bot.openChat("h-2", phone: "21987654321", department: "vip")
        assertError(1011, try ana.client.callResult("conversation.take", ["id": .int(manual.id)]))
        XCTAssertEqual(try conversation(manual.id)["state"], "queued")
        // Giving it hours that cover now makes it eligible at once.
        try admin.call("attendant.update", ["id": .int(ana.id), "hours": "always"])
        XCTAssertEqual(try expectEvent(ana.client, "conversation.assigned")["conversation"]?.id, chat.id)
        XCTAssertEqual(try attendant(ana.id)["presence"], "online")
    }

    func testHoursCoveringNowAllowLogin() throws {
        let zone = "America/Sao_Paulo"
        let today = weekday(in: zone)
        let names = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
        let index = names.firstIndex(of: today)!
        // Today and both neighbours all day, so a run across midnight still falls inside.
        var week: JSONObject = [:]
        for offset in [-1, 0, 1] { week[names[(index + offset + 7) % 7]] = [["00:00", "24:00"]] }
        try staff("ana", ["sales"], ["hours": ["timezone": .string(zone), "week": .object(week)]], online: false)
        let session = try daemon.attendant(login: "ana")
        XCTAssertEqual(try session.call("presence.set", ["presence": "online"])["presence"], "online")
    }

    func testDeactivationEndsSessions() throws {
        let ana = try staff("ana")
        let second = try daemon.attendant(login: "ana")
        let chat = try bot.openChat("d-1", department: "sales")
        XCTAssertEqual(chat["attendantId"]?.intValue, ana.id)
        let updated = try admin.call("attendant.update", ["id": .int(ana.id), "active": false])
        XCTAssertEqual(updated["active"], false)
        for client in [ana.client!, second] {
            let ended = try expectEvent(client, "session.ended")
            XCTAssertEqual(ended["reason"], "deactivated")
            XCTAssertTrue(client.isClosedByServer(timeout: 10), "the connection is closed after session.ended")
        }
        let after = try attendant(ana.id)
        XCTAssertEqual(after["presence"], "offline")
        XCTAssertEqual(after["openChats"]?.intValue, 1, "its open chats stay assigned to it")
        XCTAssertEqual(try conversation(chat.id)["attendantId"]?.intValue, ana.id)
        XCTAssertEqual(try bot.openChat("d-2", phone: "21987654321", department: "sales")["state"], "queued")
        assertError(1003, try daemon.connect().callResult("auth.login", ["login": "ana", "password": "Secret123"]))
    }

    /// The attendant's request read in the same turn as its deactivation, after it, is refused: the session ends
    /// only once the turn commits, and nothing of the attendant's may run in between.
    func testRequestInTheTurnOfItsOwnDeactivationIsRefused() throws {
        let ana = try staff("ana")
        let chat = try bot.openChat("same-turn", department: "sales")
        XCTAssertEqual(chat["attendantId"]?.intValue, ana.id)
        // Both lines wait while the daemon is stopped, so one turn reads them, the deactivation first (Linux's
        // epoll hands back ready descriptors in the order they became ready).
        try daemon.pause()
        var resumed = false
        defer { if !resumed { kill(daemon.pid, SIGCONT) } }
        let update = try admin.send("attendant.update", ["id": .int(ana.id), "active": false])
        usleep(50_000)
        let close = try ana.client.send("conversation.close", ["id": .int(chat.id)])
        kill(daemon.pid, SIGCONT)
        resumed = true
        XCTAssertEqual(try admin.result(for: update)["active"], false)
        let refused = try ana.client.response(for: .int(close))
        XCTAssertEqual(refused["error"]?["code"]?.intValue, Int64(RPCErrorCode.forbidden), refused.text)
        XCTAssertEqual(refused["error"]?["message"], "forbidden: attendant is inactive")
        XCTAssertEqual(try expectEvent(ana.client, "session.ended")["reason"], "deactivated")
        XCTAssertTrue(ana.client.isClosedByServer(timeout: 10))
        let after = try conversation(chat.id)
        XCTAssertEqual(after["state"], "assigned", "the refused close changed nothing")
        XCTAssertEqual(after["attendantId"]?.intValue, ana.id)
    }

    func testPresenceIsComputedInLists() throws {
        let ana = try staff("ana")
        let bia = try staff("bia", online: false)
        try ana.client.call("presence.set", ["presence": "away"])
        let listed = try admin.call("attendant.list").list("attendants")
        XCTAssertEqual(listed.first { $0.id == ana.id }?["presence"], "away")
        XCTAssertEqual(listed.first { $0.id == bia.id }?["presence"], "offline")
        XCTAssertEqual(try admin.call("stats.get")["departments"]?["sales"]?["attendantsOnline"]?.intValue, 0,
                       "away is not online")
    }
}
