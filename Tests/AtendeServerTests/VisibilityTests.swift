// VisibilityTests: the two account settings that decide what attendants may do with the bot's data:
// removing potentials (attendantsCanRemovePotentials, off by default) and reading the bot's contact agenda
// (attendantsCanViewBotContacts, on by default). Settings must apply to sessions that are already open.

import AtendeClient
import AtendeProtocol
import Foundation
import XCTest

final class VisibilityTests: DaemonTestCase {
    func testPotentialsListAndRemove() throws {
        let ana = try staff("ana")
        let first = try bot.openChat("pot-1", phone: "11900000001")
        let second = try bot.openChat("pot-2", phone: "11900000002")
        let third = try bot.openChat("pot-3", phone: "11900000003")
        let queued = try bot.openChat("pot-q", phone: "11900000004", department: "vip")
        for client in [ana.client!, bot!, admin!] {
            XCTAssertEqual(try client.call("potentials.list").list("potentials").map(\.id),
                           [first.id, second.id, third.id], "oldest first")
        }
        XCTAssertEqual(try ana.client.call("potentials.list", ["limit": 1]).list("potentials").map(\.id), [first.id])
        assertError(1003, try ana.client.callResult("potentials.remove", ["id": .int(first.id)]),
                    "attendantsCanRemovePotentials is off by default")
        XCTAssertEqual(try conversation(first.id)["state"], "potential")
        // The setting applies to the open session at once.
        try admin.call("settings.update", ["attendantsCanRemovePotentials": true])
        let removed = try ana.client.call("potentials.remove", ["id": .int(first.id)])
        XCTAssertEqual(removed["state"], "removed")
        let closed = try expectEvent(bot, "conversation.closed")
        XCTAssertEqual(closed["conversation"]?.id, first.id)
        XCTAssertEqual(closed["conversation"]?["state"], "removed")
        XCTAssertEqual(try bot.call("potentials.list").list("potentials").map(\.id), [second.id, third.id])
        assertError(1010, try ana.client.callResult("potentials.remove", ["id": .int(first.id)]), "already removed")
        assertError(1010, try ana.client.callResult("potentials.remove", ["id": .int(queued.id)]), "not a potential")
        assertError(1004, try ana.client.callResult("potentials.remove", ["id": 999_999]))
        // Admins may always remove; turning the setting off again stops attendants at once.
        try admin.call("settings.update", ["attendantsCanRemovePotentials": false])
        assertError(1003, try ana.client.callResult("potentials.remove", ["id": .int(second.id)]))
        XCTAssertEqual(try admin.call("potentials.remove", ["id": .int(second.id)])["state"], "removed")
        XCTAssertEqual(try bot.call("potentials.list").list("potentials").map(\.id), [third.id])
        // A removed potential is routed no more.
        assertError(1010, try bot.callResult("conversation.route", ["id": .int(first.id), "department": "sales"]))
    }

    /// A logged-in attendant hears `potentials.changed` with the new number whenever it changes (a contact
    /// arrives, is routed or removed), so a desk shows the list without polling.
    func testAttendantsHearThePotentialsChange() throws {
        let ana = try staff("ana")
        let first = try bot.openChat("pc-1", phone: "11900000011")
        try eventually("ana hears the first potential") {
            try expectEvent(ana.client, "potentials.changed")["potentials"] == 1
        }
        _ = try bot.openChat("pc-2", phone: "11900000012")
        XCTAssertEqual(try expectEvent(ana.client, "potentials.changed")["potentials"], 2)
        try bot.call("conversation.route", ["id": .int(first.id), "department": "vip"])
        XCTAssertEqual(try expectEvent(ana.client, "potentials.changed")["potentials"], 1, "routed: no longer one")
        try bot.call("conversation.message", ["id": .int(first.id), "text": "ainda aqui"])
        try assertNoEvent(ana.client, "potentials.changed", "a message changes no potential")
        // One contact leaves and another arrives in one turn (a batch): the number is the same, the list is not.
        let second = try bot.call("potentials.list").list("potentials")[0].id
        let answers = try daemon.batch(bot, [
            ("conversation.route", ["id": .int(second), "department": "vip"]),
            ("conversation.open", ["externalId": "pc-3", "contact": ["phone": "11900000013"]]),
        ])
        XCTAssertEqual(answers.count, 2)
        XCTAssertEqual(try expectEvent(ana.client, "potentials.changed")["potentials"], 1, "another one, still one")
    }

    func testContactsListFollowsTheSetting() throws {
        let ana = try staff("ana")
        let saved = try bot.call("contact.save", ["phone": "(11) 98765-4321", "name": "Zé Silva", "city": "Recife",
                                                  "tags": ["vip", "late payer"], "score": 7])
        XCTAssertEqual(saved["phone"], "+5511987654321")
        XCTAssertEqual(saved["name"], "Zé Silva")
        XCTAssertEqual(saved["city"], "Recife", "other members are kept as they were sent")
        XCTAssertEqual(saved["tags"], ["vip", "late payer"])
        XCTAssertEqual(saved["score"]?.intValue, 7)
        XCTAssertNotNil(saved["updatedAt"]?.stringValue)
        try bot.call("contact.save", ["phone": "21 3456-7890", "name": "Maria Lima"])
        for client in [ana.client!, bot!, admin!] {
            let contacts = try client.call("contacts.list").list("contacts")
            XCTAssertEqual(Set(contacts.compactMap { $0["phone"]?.stringValue }), ["+5511987654321", "+552134567890"])
        }
        let found = try ana.client.call("contacts.list", ["query": "Maria"]).list("contacts")
        XCTAssertEqual(found.compactMap { $0["name"]?.stringValue }, ["Maria Lima"])
        for written in ["(21) 3456-7890", "+55 21 3456-7890", "3456"] {
            XCTAssertEqual(try ana.client.call("contacts.list", ["query": .string(written)]).list("contacts")
                .compactMap { $0["name"]?.stringValue }, ["Maria Lima"], "a phone as people write it: \(written)")
        }
        // The phone is the key: saving again updates.
        let renamed = try bot.call("contact.save", ["phone": "+5511987654321", "name": "José Silva"])
        XCTAssertEqual(renamed["name"], "José Silva")
        XCTAssertEqual(try bot.call("contacts.list").list("contacts").count, 2)
        // The setting applies to the open session at once.
        try admin.call("settings.update", ["attendantsCanViewBotContacts": false])
        assertError(1003, try ana.client.callResult("contacts.list"))
        assertError(1003, try ana.client.callResult("contacts.list", ["query": "Maria"]))
        XCTAssertEqual(try bot.call("contacts.list").list("contacts").count, 2, "the bot always sees its agenda")
        XCTAssertEqual(try admin.call("contacts.list").list("contacts").count, 2)
        try admin.call("settings.update", ["attendantsCanViewBotContacts": true])
        XCTAssertEqual(try ana.client.call("contacts.list").list("contacts").count, 2)
    }

    func testContactSaveValidation() throws {
        assertInvalid("phone", try bot.callResult("contact.save", ["phone": "not a phone", "name": "Zé Silva"]))
        assertInvalid("phone", try bot.callResult("contact.save", ["name": "Zé Silva"]))
        assertInvalid("name", try bot.callResult("contact.save", ["phone": "11987654321"]))
        var many: JSONObject = ["phone": "11987654321", "name": "Zé"]
        for index in 0..<51 { many["k\(index)"] = .int(Int64(index)) }
        assertError(-32602, try bot.callResult("contact.save", .object(many)), "more than 50 extra members")
        let huge: JSON = ["phone": "11987654321", "name": "Zé", "notes": .string(String(repeating: "n", count: 17000))]
        assertError(-32602, try bot.callResult("contact.save", huge), "extra members over 16 KiB")
        // Nested 33 deep: the request is within 64 levels, but its answer in contacts.list would not be.
        func nested(_ depth: Int) -> JSON { depth == 0 ? .int(1) : .array([nested(depth - 1)]) }
        assertInvalid("d", try bot.callResult("contact.save", ["phone": "11987654321", "name": "Zé", "d": nested(33)]))
        XCTAssertEqual(try bot.call("contacts.list").list("contacts").count, 0, "refused saves change nothing")
        try bot.call("contact.save", ["phone": "11987654321", "name": "Zé", "d": nested(32)])
        XCTAssertEqual(try bot.call("contacts.list").list("contacts").first?["d"]?.nesting, 32)
    }
}
