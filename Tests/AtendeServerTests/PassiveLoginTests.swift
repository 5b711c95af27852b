// PassiveLoginTests: `auth.login {passive: true}` (contract v2) acts as the attendant without counting for its
// presence or eligibility: waiting chats are not routed to it, its end changes nothing, and it gets no pushes.

import AtendeClient
import AtendeProtocol
import XCTest

final class PassiveLoginTests: DaemonTestCase {
    private func passive(_ login: String) throws -> RPCClient {
        let client = try daemon.connect()
        let me = try client.call("auth.login", ["login": .string(login), "password": .string(TestDaemon.password),
                                                "passive": true])
        XCTAssertEqual(me["login"]?.stringValue, login)
        return client
    }

    func testPassiveLoginGetsNoChatsAndLeavesPresenceAlone() throws {
        let ana = try staff("ana@passive.example", online: false)
        let chat = try bot.openChat("p-1", department: "sales").id
        let client = try passive(ana.login)
        XCTAssertEqual(try attendant(ana.id)["presence"]?.stringValue, "offline")
        XCTAssertEqual(try conversation(chat)["state"]?.stringValue, "queued")
        let seen = try queue(client)
        XCTAssertEqual(seen.assigned, [])
        XCTAssertEqual(seen.waiting, [chat])
        // It may still act as the attendant: take by hand, then close.
        XCTAssertEqual(try client.call("conversation.take", ["id": .int(chat)])["state"]?.stringValue, "assigned")
        daemon.disconnect(client)
        XCTAssertEqual(try attendant(ana.id)["presence"]?.stringValue, "offline")
        XCTAssertEqual(try attendant(ana.id)["openChats"]?.intValue, 1)
    }

    func testPassiveConnectionBesideALiveOneChangesNothingWhenItEnds() throws {
        let ana = try staff("eva@passive.example")
        let client = try passive(ana.login)
        assertError(1010, try client.callResult("presence.set", ["presence": "away"]))
        daemon.disconnect(client)
        let chat = try bot.openChat("p-2", department: "sales").id
        XCTAssertNotNil(try expectEvent(ana.client, "conversation.assigned"))
        XCTAssertEqual(try conversation(chat)["attendantId"]?.intValue, ana.id)
        XCTAssertEqual(try attendant(ana.id)["presence"]?.stringValue, "online")
    }

    func testPassiveMustBeABoolean() throws {
        let ana = try staff("rui@passive.example", online: false)
        let client = try daemon.connect()
        assertInvalid("passive", try client.callResult("auth.login", [
            "login": .string(ana.login), "password": .string(TestDaemon.password), "passive": "yes"]))
    }
}
