// TransferTests: moving a chat to another department or straight to another attendant, by its attendant or an
// admin, and what the others may not do with a chat that is not theirs. A refused transfer leaves the chat
// where it was, which is checked after each refusal.

import AtendeClient
import AtendeProtocol
import Foundation
import XCTest

final class TransferTests: DaemonTestCase {
    override func setUpWithError() throws {
        try super.setUpWithError()
        try admin.createDepartment("support", name: "Support")
    }

    func testTransferToADepartment() throws {
        let ana = try staff("ana", ["sales", "support"])
        let bia = try staff("bia", ["support"])
        let chat = try bot.openChat("t-1", department: "sales", text: "oi")
        XCTAssertEqual(chat["attendantId"]?.intValue, ana.id)
        let moved = try ana.client.call("conversation.transfer", ["id": .int(chat.id), "department": "support"])
        XCTAssertEqual(moved["department"], "support")
        XCTAssertEqual(moved["attendantId"]?.intValue, bia.id,
                       "the transferring attendant is passed over when anyone else is eligible")
        XCTAssertEqual(try expectEvent(bia.client, "conversation.assigned")["conversation"]?.id, chat.id)
        XCTAssertEqual(try expectEvent(ana.client, "conversation.transferred")["conversation"]?.id, chat.id)
        XCTAssertEqual(try queue(ana.client).assigned, [])
        XCTAssertEqual(try queue(bia.client).assigned, [chat.id])
        // The chat is no longer ana's.
        assertError(1003, try ana.client.callResult("conversation.reply", ["id": .int(chat.id), "text": "x"]))
        assertError(1003, try ana.client.callResult("conversation.close", ["id": .int(chat.id)]))
        assertError(1003, try ana.client.callResult("conversation.history", ["id": .int(chat.id)]))
        assertError(1003, try ana.client.callResult("conversation.transfer", ["id": .int(chat.id),
                                                                            "department": "sales"]))
        // The history travels with the chat.
        XCTAssertEqual(try bia.client.call("conversation.history", ["id": .int(chat.id)]).list("messages").count, 1)
        try bia.client.call("conversation.reply", ["id": .int(chat.id), "text": "assumi"])
    }

    func testTransferredChatJoinsTheBackOfTheQueue() throws {
        let ana = try staff("ana", ["sales"])
        let bia = try staff("bia", ["support"])
        try bia.client.call("presence.set", ["presence": "away"])
        let waiting = try bot.openChat("t-w", phone: "11900000001", department: "support")
        XCTAssertEqual(waiting["state"], "queued")
        let chat = try bot.openChat("t-2", phone: "11900000002", department: "sales")
        XCTAssertEqual(chat["attendantId"]?.intValue, ana.id)
        let moved = try ana.client.call("conversation.transfer", ["id": .int(chat.id), "department": "support"])
        XCTAssertEqual(moved["state"], "queued", "nobody in support is online")
        XCTAssertNil(moved["attendantId"] ?? nil)
        XCTAssertEqual(try queue(bia.client).waiting, [waiting.id, chat.id])
        try bia.client.call("presence.set", ["presence": "online"])
        var got: [Int64] = []
        while got.count < 2 { got.append(try expectEvent(bia.client, "conversation.assigned")["conversation"]!.id) }
        XCTAssertEqual(Set(got), [waiting.id, chat.id])
    }

    func testTransferToAnAttendant() throws {
        let ana = try staff("ana", ["sales"])
        let caio = try staff("caio", ["sales"], ["maxChats": 2])
        let dora = try staff("dora", ["sales"], online: false)
        let eva = try staff("eva", ["support"])
        let chat = try bot.openChat("t-3", phone: "11900000003", department: "sales")
        let owner = chat["attendantId"]?.intValue
        XCTAssertTrue(owner == ana.id || owner == caio.id)
        let from = owner == ana.id ? ana : caio
        let to = owner == ana.id ? caio : ana
        let before = try conversation(chat.id)
        let refusals: [(String, JSON, Int?)] = [
            ("offline attendant", ["id": .int(chat.id), "attendantId": .int(dora.id)], 1010),
            ("attendant outside the department", ["id": .int(chat.id), "attendantId": .int(eva.id)], nil),
            ("unknown attendant", ["id": .int(chat.id), "attendantId": 999_999], 1004),
            ("unknown department", ["id": .int(chat.id), "department": "ghost"], 1004),
            ("neither", ["id": .int(chat.id)], -32602),
            ("unknown chat", ["id": 999_999, "department": "sales"], 1004),
        ]
        for (name, params, code) in refusals {
            let result = try from.client.callResult("conversation.transfer", params)
            if let code {
                assertError(code, result, name)
            } else if case .success(let value) = result {
                XCTFail("\(name): expected an error, got \(value)")
            }
            XCTAssertEqual(try conversation(chat.id), before, "\(name) changed the chat")
        }
        let moved = try from.client.call("conversation.transfer", ["id": .int(chat.id), "attendantId": .int(to.id)])
        XCTAssertEqual(moved["attendantId"]?.intValue, to.id)
        XCTAssertEqual(try expectEvent(to.client, "conversation.assigned")["conversation"]?.id, chat.id)
        XCTAssertEqual(try expectEvent(from.client, "conversation.transferred")["conversation"]?.id, chat.id)
        _ = eva
    }

    func testTransferToAnAttendantAtCapacity() throws {
        let ana = try staff("ana", ["sales"], ["maxChats": 1])
        let first = try bot.openChat("t-4", phone: "11900000004", department: "sales")
        XCTAssertEqual(first["attendantId"]?.intValue, ana.id)
        let bia = try staff("bia", ["sales"], ["maxChats": 1])
        let second = try bot.openChat("t-5", phone: "11900000005", department: "sales")
        XCTAssertEqual(second["attendantId"]?.intValue, bia.id)
        assertError(1012, try ana.client.callResult("conversation.transfer", ["id": .int(first.id),
                                                                            "attendantId": .int(bia.id)]))
        XCTAssertEqual(try conversation(first.id)["attendantId"]?.intValue, ana.id)
    }

    func testAdminMayTransferAnyChat() throws {
        let ana = try staff("ana", ["sales"])
        let bia = try staff("bia", ["support"])
        let chat = try bot.openChat("t-6", department: "sales")
        XCTAssertEqual(chat["attendantId"]?.intValue, ana.id)
        let moved = try admin.call("conversation.transfer", ["id": .int(chat.id), "department": "support",
                                                             "attendantId": .int(bia.id)])
        XCTAssertEqual(moved["attendantId"]?.intValue, bia.id)
        XCTAssertEqual(moved["department"], "support")
        try expectEvent(bia.client, "conversation.assigned")
    }

    func testIfWaitingMovesOnlyAChatThatStillWaits() throws {
        let ana = try staff("ana", ["sales"])
        try ana.client.call("presence.set", ["presence": "away"])
        let chat = try bot.openChat("t-9", department: "sales")
        XCTAssertEqual(chat["state"], "queued")
        try ana.client.call("conversation.take", ["id": .int(chat.id)])
        // The supervisor chose before ana took it: nothing moves.
        assertError(1010, try admin.callResult("conversation.transfer", ["id": .int(chat.id), "department": "support",
                                                                        "ifWaiting": true]))
        XCTAssertEqual(try admin.call("conversation.get", ["id": .int(chat.id)])["attendantId"]?.intValue, ana.id)
        XCTAssertEqual(try queue(ana.client).assigned, [chat.id])
        let waiting = try bot.openChat("t-10", department: "sales")
        let moved = try admin.call("conversation.transfer", ["id": .int(waiting.id), "department": "support",
                                                             "ifWaiting": true])
        XCTAssertEqual(moved["department"], "support")
        assertError(-32602, try admin.callResult("conversation.transfer", ["id": .int(waiting.id),
                                                                          "department": "sales", "ifWaiting": "yes"]))
    }

    func testOthersMayNotTouchAChatThatIsNotTheirs() throws {
        let ana = try staff("ana", ["sales"])
        let bia = try staff("bia", ["sales"])
        let chat = try bot.openChat("t-7", department: "sales")
        let owner = chat["attendantId"]?.intValue == ana.id ? ana : bia
        let other = owner.id == ana.id ? bia : ana
        let id = JSON.int(chat.id)
        assertError(1003, try other.client.callResult("conversation.reply", ["id": id, "text": "x"]))
        assertError(1003, try other.client.callResult("conversation.close", ["id": id]))
        assertError(1003, try other.client.callResult("conversation.transfer", ["id": id, "department": "support"]))
        assertError(1003, try other.client.callResult("conversation.history", ["id": id]))
        assertError(1003, try other.client.callResult("conversation.get", ["id": id]))
        assertError(1010, try other.client.callResult("conversation.take", ["id": id]))
        XCTAssertEqual(try conversation(chat.id)["state"], "assigned")
        XCTAssertEqual(try conversation(chat.id)["attendantId"]?.intValue, owner.id)
        // Waiting chats of one's departments and potentials may be read.
        let potential = try bot.openChat("t-8", phone: "11900000008")
        XCTAssertEqual(try other.client.call("conversation.get", ["id": .int(potential.id)]).id, potential.id)
        let waiting = try bot.openChat("t-9", phone: "11900000009", department: "vip")
        let seller = try staff("vip-seller", ["vip"])
        XCTAssertEqual(try seller.client.call("conversation.get", ["id": .int(waiting.id)]).id, waiting.id)
        assertError(1003, try other.client.callResult("conversation.get", ["id": .int(waiting.id)]),
                    "a waiting chat of a department one does not serve")
    }
}
