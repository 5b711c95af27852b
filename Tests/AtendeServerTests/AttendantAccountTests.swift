// AttendantAccountTests: contract v2's `attendant.unlock` (the login throttle of one attendant, shown by
// `attendant.get` as `lockedUntil`) and `attendant.delete` (refused with open chats; frees the login; closed chats
// keep the id, which no new attendant gets).

import AtendeClient
import AtendeProtocol
import XCTest

final class AttendantAccountTests: DaemonTestCase {
    private func failLogin(_ login: String) throws -> Int? {
        let client = try daemon.connect()
        if case .failure(let error) = try client.callResult("auth.login", ["login": .string(login),
                                                                            "password": "Wrong12345"]) {
            return error.code
        }
        return nil
    }

    func testUnlockClearsTheThrottleAndGetShowsTheLock() throws {
        let ana = try staff("ana@lock.example", online: false)
        XCTAssertNil(try attendant(ana.id)["lockedUntil"])
        for _ in 0..<5 { XCTAssertEqual(try failLogin(ana.login), 1001) }
        XCTAssertEqual(try failLogin(ana.login), 1029)
        let locked = try attendant(ana.id)
        XCTAssertNotNil(locked["lockedUntil"]?.stringValue, "\(locked)")
        XCTAssertEqual(try admin.call("attendant.unlock", ["id": .int(ana.id)]), ["ok": true])
        XCTAssertNil(try attendant(ana.id)["lockedUntil"])
        XCTAssertNoThrow(try daemon.attendant(login: ana.login))
        assertError(1004, try admin.callResult("attendant.unlock", ["id": 999]))
        assertInvalid("id", try admin.callResult("attendant.unlock", [:]))
        assertError(1003, try bot.callResult("attendant.unlock", ["id": .int(ana.id)]))
    }

    func testDeleteRefusesWithOpenChatsThenFreesTheLoginAndKeepsClosedChats() throws {
        let ana = try staff("ana@delete.example")
        let chat = try bot.openChat("d-1", department: "sales").id
        XCTAssertNotNil(try expectEvent(ana.client, "conversation.assigned"))
        assertError(1010, try admin.callResult("attendant.delete", ["id": .int(ana.id)]))
        XCTAssertEqual(try attendant(ana.id)["active"], true)
        try ana.client.call("conversation.close", ["id": .int(chat)])
        let monitor = try daemon.admin()
        try monitor.call("monitor.subscribe")
        XCTAssertEqual(try admin.call("attendant.delete", ["id": .int(ana.id)]), ["ok": true])
        // Other admin panels drop it from their lists at once.
        let gone = try expectEvent(monitor, "attendant.changed")
        XCTAssertEqual(gone["deleted"], true, "\(gone)")
        XCTAssertEqual(gone["attendant"], ["id": .int(ana.id)])
        assertError(1004, try admin.callResult("attendant.get", ["id": .int(ana.id)]))
        XCTAssertTrue(ana.client.isClosedByServer(timeout: 5), "its session ends")
        XCTAssertEqual(try conversation(chat)["attendantId"]?.intValue, ana.id)
        XCTAssertEqual(try admin.call("attendant.list").list("attendants").count, 0)
        // The login is free again, and the new attendant gets a new id.
        let again = try admin.createAttendant("ana@delete.example", departments: ["sales"])
        XCTAssertGreaterThan(again, ana.id)
        assertError(1004, try admin.callResult("attendant.delete", ["id": .int(ana.id)]))
        // After a restart the retired id is still not given out.
        try admin.call("attendant.delete", ["id": .int(again)])
        try daemon.restart()
        let admin2 = try daemon.admin()
        XCTAssertGreaterThan(try admin2.createAttendant("lia@delete.example", departments: ["sales"]), again)
    }
}
