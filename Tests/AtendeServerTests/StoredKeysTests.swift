// What the store holds is still found after a restart, now that `conversation.open` skips the store for keys the
// daemon knows it never wrote (StoredKeys): the external id of a closed chat opens that same closed chat (open is
// idempotent), and a returning contact goes back to its last attendant, both read from the store at start and
// both noted while the daemon runs.

import AtendeClient
import AtendeProtocol
import Foundation
import XCTest

final class StoredKeysTests: DaemonTestCase {
    private func reconnect() throws {
        try daemon.restart()
        admin = try daemon.admin()
        bot = try daemon.bot()
    }

    func testClosedChatsAndLastAttendantsAreFoundAfterARestart() throws {
        var ana = try staff("ana")
        let first = try bot.openChat("sk-1", phone: "11988887777", department: "sales")
        XCTAssertEqual(first["attendantId"]?.intValue, ana.id)
        try bot.call("conversation.close", ["id": .int(first.id)])
        try reconnect()
        ana = Staff(id: ana.id, login: ana.login, client: try daemon.attendant(login: "ana"))
        // Bia is idle with no chats: least-busy alone would pick her.
        let bia = try staff("bia")
        let again = try bot.call("conversation.open", ["externalId": "sk-1", "contact": ["phone": "11988887777"],
                                                        "department": "sales"])
        XCTAssertEqual(again.id, first.id, "the same external id opens the same (closed) chat")
        XCTAssertEqual(again["state"]?.stringValue, "closed")
        let returning = try bot.openChat("sk-2", phone: "11988887777", department: "sales")
        XCTAssertEqual(returning["attendantId"]?.intValue, ana.id, "the same phone returns to ana")
        // Noted while running, without a restart: bia's contact, and the chat just opened.
        let other = try bot.openChat("sk-3", phone: "11933334444", department: "sales")
        XCTAssertEqual(other["attendantId"]?.intValue, bia.id)
        try bot.call("conversation.close", ["id": .int(other.id)])
        try bot.call("conversation.close", ["id": .int(returning.id)])
        XCTAssertEqual(try bot.call("conversation.open", ["externalId": "sk-3", "contact": ["phone": "11933334444"],
                                                           "department": "sales"]).id, other.id)
        let back = try bot.openChat("sk-4", phone: "11933334444", department: "sales")
        XCTAssertEqual(back["attendantId"]?.intValue, bia.id, "the contact returns to bia")
    }
}
