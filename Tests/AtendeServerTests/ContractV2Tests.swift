// ContractV2Tests: a conformance check of "Contract v2: additions" against the real daemon, written from the
// contract's own sentences rather than from the code: each new method's params, result shape and error codes, the
// new members of Department, Conversation, Attendant and Settings with their defaults and ranges, the new events
// and their members, stats' service-level figures and the queue order rule. Every refused call is followed by a
// read that shows nothing changed. Waits are for pushes or states, never measured times. Admin accounts, passive
// login, attendant.delete/unlock and the effects of overflow and waitAlert are not on this branch yet; their
// out-of-range values are still checked here, since a refusal naming the member is what the contract asks.

import AtendeClient
import AtendeProtocol
import Foundation
import Glibc
import XCTest

extension Result {
    /// The error of a failure, or nil.
    fileprivate var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

final class ContractV2Tests: DaemonTestCase {
    override var configOverrides: [String: JSON] { ["presenceGrace": 1] }

    // MARK: - Steps

    private func open(_ externalId: String, _ department: String?, priority: Int? = nil,
                      phone: String = "11987654321") throws -> JSON {
        var params: JSONObject = ["externalId": .string(externalId), "contact": ["phone": .string(phone)]]
        if let department { params["department"] = .string(department) }
        if let priority { params["priority"] = .int(Int64(priority)) }
        return try bot.call("conversation.open", .object(params))
    }

    private func department(_ id: String) throws -> JSON? {
        try admin.call("department.list").list("departments").first { $0["id"]?.stringValue == id }
    }

    private func createDepartment(_ id: String, _ settings: JSONObject = [:]) throws -> JSON {
        var params: JSONObject = ["id": .string(id), "name": .string("Department \(id)")]
        for (key, value) in settings { params[key] = value }
        return try admin.call("department.create", .object(params))
    }

    private func settings() throws -> JSON { try admin.call("settings.get") }

    /// The ids of the department's waiting chats in queue order, as an attendant of it sees them.
    private func waiting(_ client: RPCClient) throws -> [Int64] { try queue(client).waiting }

    // MARK: - Department routing settings

    func testDepartmentRoutingSettingsHaveTheirDefaultsAndAreAlwaysPresent() throws {
        let created = try createDepartment("plain")
        let expected: [(String, JSON)] = [
            ("offerTimeout", .null), ("replyTimeout", .null), ("wrapUp", 0), ("priorityStep", 600),
            ("serviceLevel", 60),
        ]
        for listed in [created, try department("plain")!, try department("sales")!] {
            for (member, value) in expected {
                XCTAssertEqual(listed[member], value, "\(member) in \(listed)")
            }
        }
    }

    func testDepartmentRoutingSettingsAcceptTheirRangeEnds() throws {
        let accepted: [(String, JSON)] = [
            ("offerTimeout", 5), ("offerTimeout", 3600), ("offerTimeout", .null),
            ("replyTimeout", 10), ("replyTimeout", 86400), ("replyTimeout", .null),
            ("wrapUp", 0), ("wrapUp", 900),
            ("priorityStep", 0), ("priorityStep", 86400),
            ("serviceLevel", 1), ("serviceLevel", 3600),
        ]
        for (member, value) in accepted {
            let updated = assertOK(try admin.callResult("department.update", ["id": "sales", member: value]),
                                   "\(member) = \(value)")
            XCTAssertEqual(updated?[member], value, "\(member) = \(value) is returned")
            XCTAssertEqual(try department("sales")?[member], value, "\(member) = \(value) is listed")
        }
    }

    func testDepartmentRoutingSettingsOutOfRangeAreRefusedNamingTheMemberAndChangeNothing() throws {
        let refused: [(String, JSON)] = [
            ("offerTimeout", 4), ("offerTimeout", 3601), ("offerTimeout", 0), ("offerTimeout", "30"),
            ("replyTimeout", 9), ("replyTimeout", 86401),
            ("wrapUp", -1), ("wrapUp", 901),
            ("overflow", ["after": 9, "department": "vip"]), ("overflow", ["after": 86401, "department": "vip"]),
            ("overflow", ["after": 60, "department": "nowhere"]), ("overflow", ["after": 60]),
            ("overflow", ["department": "vip"]), ("overflow", 60),
            ("waitAlert", 9), ("waitAlert", 86401),
            ("priorityStep", -1), ("priorityStep", 86401),
            ("serviceLevel", 0), ("serviceLevel", 3601),
        ]
        let before = try department("sales")
        for (member, value) in refused {
            let updated = assertError(-32602, try admin.callResult("department.update",
                                                                    ["id": "sales", member: value]),
                                      "update \(member) = \(value)")
            XCTAssertTrue(updated?.data?["field"]?.stringValue?.hasPrefix(member) == true,
                          "field of \(member) = \(value): \(updated?.data?.text ?? "nil")")
            let created = assertError(-32602, try admin.callResult("department.create", [
                "id": "fresh", "name": "Fresh", member: value]), "create \(member) = \(value)")
            XCTAssertTrue(created?.data?["field"]?.stringValue?.hasPrefix(member) == true,
                          "field of \(member) = \(value): \(created?.data?.text ?? "nil")")
        }
        // Overflow to itself: the department exists, but a queue cannot overflow into itself.
        let itself = assertError(-32602, try admin.callResult("department.update", [
            "id": "sales", "overflow": ["after": 60, "department": "sales"]]))
        XCTAssertTrue(itself?.data?["field"]?.stringValue?.hasPrefix("overflow") == true)
        let created = assertError(-32602, try admin.callResult("department.create", [
            "id": "fresh", "name": "Fresh", "overflow": ["after": 60, "department": "fresh"]]))
        XCTAssertTrue(created?.data?["field"]?.stringValue?.hasPrefix("overflow") == true)
        XCTAssertEqual(try department("sales"), before, "refused updates change nothing")
        XCTAssertNil(try department("fresh"), "refused creations create nothing")
    }

    // MARK: - Conversation members and the queue order

    func testConversationHasPriorityAlwaysAndTheOptionalMembersOnlyWhenSet() throws {
        let chat = try open("m-1", "vip")
        XCTAssertEqual(chat["priority"], 0)
        XCTAssertEqual(chat["state"], "queued")
        for member in ["offeredAt", "offerExpiresAt", "firstReplyAt", "wrapUpUntil", "overflowedFrom"] {
            XCTAssertTrue(chat[member] == nil || chat[member] == .null, "\(member) unset in \(chat)")
        }
        let potential = try open("m-2", nil, phone: "11987654322")
        XCTAssertEqual(potential["priority"], 0, "a potential has a priority too")
        XCTAssertEqual(try open("m-3", "vip", priority: 9, phone: "11987654323")["priority"], 9)
        for bad: JSON in [10, -1, "1", 1.5] {
            let error = assertError(-32602, try bot.callResult("conversation.open", [
                "externalId": "m-bad", "contact": ["phone": "11987654329"], "department": "vip", "priority": bad]))
            XCTAssertEqual(error?.data?["field"]?.stringValue, "priority")
        }
        XCTAssertTrue(try admin.call("conversation.list", ["limit": 100]).list("conversations")
            .allSatisfy { $0["externalId"] != "m-bad" }, "a refused open opens nothing")
    }

    func testOfferAndWrapUpMembersAppearWhileSet() throws {
        _ = try createDepartment("offers", ["offerTimeout": 600, "wrapUp": 900])
        let ana = try staff("ana", ["offers"])
        let chat = try open("w-1", "offers")
        XCTAssertEqual(chat["state"], "offered")
        XCTAssertEqual(chat["attendantId"]?.intValue, ana.id)
        XCTAssertNotNil(chat["offeredAt"]?.stringValue)
        XCTAssertNotNil(chat["offerExpiresAt"]?.stringValue)
        XCTAssertTrue(chat["assignedAt"] == nil || chat["assignedAt"] == .null, "an offer is no assignment")
        XCTAssertEqual(try attendant(ana.id)["openChats"], 1, "an offer counts in openChats")
        let offered = try expectEvent(ana.client, "conversation.offered")
        XCTAssertEqual(offered["conversation"]?.id, chat.id)
        XCTAssertEqual(offered["conversation"]?["offerExpiresAt"], chat["offerExpiresAt"])

        let accepted = try ana.client.call("conversation.accept", ["id": .int(chat.id)])
        XCTAssertEqual(accepted["state"], "assigned")
        XCTAssertNotNil(accepted["assignedAt"]?.stringValue)
        try ana.client.call("conversation.reply", ["id": .int(chat.id), "text": "olá"])
        XCTAssertNotNil(try conversation(chat.id)["firstReplyAt"]?.stringValue)

        try ana.client.call("conversation.close", ["id": .int(chat.id)])
        let closed = try conversation(chat.id)
        XCTAssertEqual(closed["state"], "closed")
        XCTAssertNotNil(closed["wrapUpUntil"]?.stringValue, "wrap-up running")
        let wrapping = try attendant(ana.id)
        XCTAssertEqual(wrapping["wrappingChats"], 1)
        XCTAssertEqual(wrapping["openChats"], 0)

        XCTAssertEqual(try ana.client.call("conversation.finishWrapUp", ["id": .int(chat.id)]), ["ok": true])
        XCTAssertEqual(try attendant(ana.id)["wrappingChats"], 0)
        let finished = try conversation(chat.id)
        XCTAssertTrue(finished["wrapUpUntil"] == nil || finished["wrapUpUntil"] == .null, "\(finished)")
    }

    func testAttendantAlwaysHasWrappingChats() throws {
        let ana = try staff("ana", online: false)
        XCTAssertEqual(try attendant(ana.id)["wrappingChats"], 0)
        let listed = try admin.call("attendant.list").list("attendants")
        XCTAssertFalse(listed.isEmpty)
        XCTAssertTrue(listed.allSatisfy { $0["wrappingChats"] == 0 }, "\(listed)")
    }

    func testQueueOrderIsQueuedAtLessPriorityTimesStepThenQueuedAt() throws {
        let vera = try staff("vera", ["vip"])
        let first = try open("o-1", "vip")
        let second = try open("o-2", "vip", priority: 9, phone: "11987654322")
        let third = try open("o-3", "vip", priority: 1, phone: "11987654323")
        XCTAssertEqual(try waiting(vera.client), [second.id, third.id, first.id], "step 600: priority first")

        // Step 0: every key is queuedAt, so the order is FIFO whatever the priorities.
        try admin.call("department.update", ["id": "vip", "priorityStep": 0])
        XCTAssertEqual(try waiting(vera.client), [first.id, second.id, third.id], "step 0: FIFO")
        XCTAssertEqual(try bot.call("conversation.position", ["id": .int(first.id)])["position"], 1)
        XCTAssertEqual(try bot.call("conversation.position", ["id": .int(third.id)])["position"], 3)

        // Back to a step: the priorities apply again, from the chats' own queuedAt.
        try admin.call("department.update", ["id": "vip", "priorityStep": 86400])
        XCTAssertEqual(try waiting(vera.client), [second.id, third.id, first.id])
        try bot.call("conversation.setPriority", ["id": .int(first.id), "priority": 9])
        XCTAssertEqual(try waiting(vera.client), [first.id, second.id, third.id],
                       "equal priority: the earlier queuedAt first")
    }

    // MARK: - conversation.setPriority and conversation.position

    func testSetPriorityAndPositionShapesRolesAndRefusals() throws {
        let vera = try staff("vera", ["vip"])
        let chat = try open("s-1", "vip")
        let other = try open("s-2", "vip", phone: "11987654322")
        let set = try bot.call("conversation.setPriority", ["id": .int(chat.id), "priority": 3])
        XCTAssertEqual(set["id"]?.intValue, chat.id)
        XCTAssertEqual(set["priority"], 3)
        XCTAssertEqual(set["state"], "queued", "the result is the Conversation")
        XCTAssertEqual(try admin.call("conversation.setPriority", ["id": .int(chat.id), "priority": 2])["priority"], 2)

        let position = try bot.call("conversation.position", ["id": .int(other.id)])
        XCTAssertEqual(Set(position.objectValue?.keys ?? []),
                       ["position", "waiting", "estimatedWaitSeconds", "opensAt"])
        XCTAssertEqual(position["position"], 2)
        XCTAssertEqual(position["waiting"], 2)
        XCTAssertEqual(try admin.call("conversation.position", ["id": .int(chat.id)])["position"], 1)

        for bad: JSON in [10, -1, "2", .null] {
            let error = assertError(-32602, try bot.callResult("conversation.setPriority",
                                                               ["id": .int(other.id), "priority": bad]))
            XCTAssertEqual(error?.data?["field"]?.stringValue, "priority")
        }
        assertError(1004, try bot.callResult("conversation.setPriority", ["id": 999_999, "priority": 1]))
        assertError(1004, try bot.callResult("conversation.position", ["id": 999_999]))
        assertError(1003, try vera.client.callResult("conversation.setPriority", ["id": .int(chat.id), "priority": 1]))
        assertError(1003, try vera.client.callResult("conversation.position", ["id": .int(chat.id)]))
        XCTAssertEqual(try conversation(other.id)["priority"], 0, "refusals change nothing")
        XCTAssertEqual(try conversation(chat.id)["priority"], 2)

        try vera.client.call("conversation.take", ["id": .int(chat.id)])
        let assigned = assertError(1010, try bot.callResult("conversation.setPriority",
                                                            ["id": .int(chat.id), "priority": 5]))
        XCTAssertEqual(assigned?.data?["field"], "id")
        XCTAssertEqual(assertError(1010, try bot.callResult("conversation.position", ["id": .int(chat.id)]))?
            .data?["field"], "id")
        XCTAssertEqual(try conversation(chat.id)["priority"], 2)
        try vera.client.call("conversation.close", ["id": .int(chat.id)])
        assertError(1010, try bot.callResult("conversation.setPriority", ["id": .int(chat.id), "priority": 5]))
        XCTAssertEqual(try conversation(chat.id)["priority"], 2)
    }

    func testAPriorityThatMovesAChatBehindTheHeadIsAnnounced() throws {
        _ = try createDepartment("line", ["strategy": "manual"])
        let vera = try staff("vera", ["line"])
        let first = try open("r-1", "line", priority: 2)
        let second = try open("r-2", "line", phone: "11987654322")
        let third = try open("r-3", "line", phone: "11987654323")
        try eventually("vera heard of all three") { try expectEvent(vera.client, "queue.changed")["waiting"] == 3 }
        XCTAssertEqual(try waiting(vera.client), [first.id, second.id, third.id])
        try bot.call("conversation.setPriority", ["id": .int(third.id), "priority": 1])
        let changed = try expectEvent(vera.client, "queue.changed")
        XCTAssertEqual(changed["waiting"], 3, "same count, same head, another order")
        XCTAssertEqual(try waiting(vera.client), [first.id, third.id, second.id])
        try bot.call("conversation.setPriority", ["id": .int(third.id), "priority": 1])
        try assertNoEvent(vera.client, "queue.changed", "setting the priority it has moves nothing")
    }

    func testAPriorityStepThatReordersTheQueueIsAnnounced() throws {
        _ = try createDepartment("flat", ["strategy": "manual", "priorityStep": 0])
        let vera = try staff("vera", ["flat"])
        let first = try open("s-1", "flat")
        let urgent = try open("s-2", "flat", priority: 1, phone: "11987654322")
        try eventually("vera heard of both") { try expectEvent(vera.client, "queue.changed")["waiting"] == 2 }
        XCTAssertEqual(try waiting(vera.client), [first.id, urgent.id], "a step of 0: arrival order")
        try admin.call("department.update", ["id": "flat", "priorityStep": 600])
        XCTAssertEqual(try expectEvent(vera.client, "queue.changed")["waiting"], 2)
        XCTAssertEqual(try waiting(vera.client), [urgent.id, first.id])
        try admin.call("department.update", ["id": "flat", "priorityStep": 900])
        try assertNoEvent(vera.client, "queue.changed", "a larger step leaves this order as it is")
    }

    // MARK: - conversation.list

    func testConversationListFiltersPagesNewestFirstAndIsForAdmins() throws {
        let ana = try staff("ana")
        let one = try open("l-1", "sales")
        let two = try open("l-2", "vip", phone: "11987654322")
        let three = try open("l-3", nil, phone: "11987654323")
        let all = try admin.call("conversation.list")
        XCTAssertEqual(all.objectValue?.keys, ["conversations"])
        XCTAssertEqual(all.list("conversations").map(\.id), [three.id, two.id, one.id], "newest id first")
        let ids = { (params: JSON) throws -> [Int64] in
            try self.admin.call("conversation.list", params).list("conversations").map(\.id)
        }
        XCTAssertEqual(try ids(["state": "assigned"]), [one.id])
        XCTAssertEqual(try ids(["state": "queued"]), [two.id])
        XCTAssertEqual(try ids(["state": "potential"]), [three.id])
        XCTAssertEqual(try ids(["department": "vip"]), [two.id])
        XCTAssertEqual(try ids(["attendantId": .int(ana.id)]), [one.id])
        XCTAssertEqual(try ids(["limit": 2]), [three.id, two.id])
        XCTAssertEqual(try ids(["limit": 2, "before": .int(two.id)]), [one.id], "before pages by id")
        XCTAssertEqual(try ids(["before": .int(one.id)]), [])

        assertError(1003, try bot.callResult("conversation.list"))
        assertError(1003, try ana.client.callResult("conversation.list"))
        assertInvalid("state", try admin.callResult("conversation.list", ["state": "waiting"]))
        assertInvalid("limit", try admin.callResult("conversation.list", ["limit": "2"]))
        assertInvalid("before", try admin.callResult("conversation.list", ["before": "x"]))
        assertInvalid("attendantId", try admin.callResult("conversation.list", ["attendantId": "x"]))
        assertInvalid("department", try admin.callResult("conversation.list", ["department": 3]))
    }

    // MARK: - accept, decline, finishWrapUp refusals

    func testAcceptDeclineAndFinishWrapUpRefuseWhatIsNotTheirs() throws {
        _ = try createDepartment("offers", ["offerTimeout": 600])
        let ana = try staff("ana", ["offers"])
        let chat = try open("a-1", "offers")
        try expectEvent(ana.client, "conversation.offered")
        assertError(1004, try ana.client.callResult("conversation.accept", ["id": 999_999]))
        assertInvalid("id", try ana.client.callResult("conversation.accept", ["id": "x"]))
        assertInvalid("id", try ana.client.callResult("conversation.decline", [:]))
        assertError(1003, try bot.callResult("conversation.accept", ["id": .int(chat.id)]), "attendants only")
        assertError(1003, try admin.callResult("conversation.decline", ["id": .int(chat.id)]), "attendants only")
        XCTAssertEqual(try conversation(chat.id)["state"], "offered", "refusals change nothing")

        XCTAssertEqual(try ana.client.call("conversation.decline", ["id": .int(chat.id)]), ["ok": true])
        let again = try expectEvent(ana.client, "conversation.offered")
        XCTAssertEqual(again["conversation"]?.id, chat.id, "nobody else is eligible, so ana is offered it again")
        XCTAssertEqual(try ana.client.call("conversation.accept", ["id": .int(chat.id)])["state"], "assigned")
        assertError(1010, try ana.client.callResult("conversation.accept", ["id": .int(chat.id)]), "no longer offered")
        assertError(1010, try ana.client.callResult("conversation.finishWrapUp", ["id": .int(chat.id)]),
                    "an open chat has no wrap-up")
        XCTAssertEqual(try conversation(chat.id)["state"], "assigned")
    }

    // MARK: - Settings and hours

    func testSettingsRequeueMissedOffersAndHolidays() throws {
        let initial = try settings()
        XCTAssertEqual(initial["requeueOnOffline"], "unanswered")
        XCTAssertEqual(initial["maxMissedOffers"], 2)
        XCTAssertEqual(initial["holidays"], [])
        for value: JSON in ["none", "all", "unanswered"] {
            XCTAssertEqual(try admin.call("settings.update", ["requeueOnOffline": value])["requeueOnOffline"], value)
        }
        XCTAssertEqual(try admin.call("settings.update", ["maxMissedOffers": 0])["maxMissedOffers"], 0)
        let holidays: JSON = [["date": "2026-12-25", "name": "Natal"]]
        XCTAssertEqual(try admin.call("settings.update", ["holidays": holidays])["holidays"], holidays)
        let before = try settings()
        let refused: [(String, JSON)] = [
            ("requeueOnOffline", "some"), ("requeueOnOffline", 1), ("maxMissedOffers", -1),
            ("maxMissedOffers", "2"), ("holidays", "2026-12-25"), ("holidays", [["date": "2026-13-01", "name": "X"]]),
            ("holidays", [["date": "2026-12-25"]]), ("holidays", [["name": "Natal"]]),
        ]
        for (member, value) in refused {
            // A valid member beside the bad one shows that nothing is partly applied.
            var params: JSONObject = member == "maxMissedOffers" ? ["requeueOnOffline": "all"] : ["maxMissedOffers": 5]
            params[member] = value
            let error = assertError(-32602, try admin.callResult("settings.update", .object(params)),
                                    "\(member) = \(value)")
            XCTAssertTrue(error?.data?["field"]?.stringValue?.hasPrefix(member) == true,
                          "\(member): \(error?.data?.text ?? "nil")")
        }
        XCTAssertEqual(try settings(), before, "a refused update applies nothing, not even its valid members")
    }

    func testHoursTakeExceptions() throws {
        let hours: JSON = ["timezone": "America/Sao_Paulo", "week": ["mon": [["08:00", "12:00"]]],
                           "exceptions": [["date": "2026-12-24", "intervals": [["08:00", "10:00"]]],
                                          ["date": "2026-12-31", "intervals": []]]]
        let id = try admin.createAttendant("ana", departments: ["sales"], ["hours": hours])
        let shown = try attendant(id)["hours"]
        XCTAssertEqual(shown?["exceptions"]?.arrayValue?.count, 2, "\(shown?.text ?? "nil")")
        XCTAssertEqual(shown?["exceptions"]?.arrayValue?.first?["date"], "2026-12-24")
        XCTAssertEqual(shown?["exceptions"]?.arrayValue?.last?["intervals"], [])
        let bad: [JSON] = [
            [["date": "2026-02-30", "intervals": []]], [["date": "2026-12-24", "intervals": [["10:00", "09:00"]]]],
            [["date": "2026-12-24"]], "x",
        ]
        for exceptions in bad {
            var wrong = hours.objectValue!
            wrong["exceptions"] = exceptions
            let error = assertError(-32602, try admin.callResult("attendant.update",
                                                                  ["id": .int(id), "hours": .object(wrong)]))
            XCTAssertTrue(error?.data?["field"]?.stringValue?.hasPrefix("hours") == true,
                          "\(error?.data?.text ?? "nil")")
        }
        XCTAssertEqual(try attendant(id)["hours"], shown, "refused hours change nothing")
    }

    func testConfigPresenceGraceRange() throws {
        let cases: [(JSON, Bool)] = [(0, true), (3600, true), (-1, false), (3601, false), ("60", false)]
        for (value, ok) in cases {
            let trial = try TestDaemon(["presenceGrace": value], start: false)
            if ok {
                XCTAssertNoThrow(try trial.start(), "presenceGrace \(value)")
                _ = try? trial.stop()
            } else {
                let status = try trial.wait(try trial.launch())
                XCTAssertEqual(status, 78, "presenceGrace \(value)")
                XCTAssertTrue(trial.lastStderr.contains("presenceGrace"), trial.lastStderr)
            }
        }
    }

    // MARK: - Events

    func testQueuedAndAssignedEventsToBots() throws {
        let chat = try open("e-1", "vip")
        let queued = try expectEvent(bot, "conversation.queued")
        XCTAssertEqual(queued["conversation"]?.id, chat.id)
        XCTAssertEqual(queued["position"], 1)
        for member in ["estimatedWaitSeconds", "opensAt"] {
            XCTAssertNotNil(queued[member], "\(member) always present: \(queued)")
        }
        let vera = try staff("vera", ["vip"])
        try vera.client.call("conversation.take", ["id": .int(chat.id)])
        let assigned = try expectEvent(bot, "conversation.assigned")
        XCTAssertEqual(assigned["conversation"]?.id, chat.id)
        XCTAssertEqual(assigned["attendant"], ["id": .int(vera.id), "name": "Ana Souza"])
    }

    func testRevokedRescindedWhenTheBotClosesAnOffer() throws {
        _ = try createDepartment("offers", ["offerTimeout": 600])
        let ana = try staff("ana", ["offers"])
        let chat = try open("r-1", "offers")
        try expectEvent(ana.client, "conversation.offered")
        try bot.call("conversation.close", ["id": .int(chat.id)])
        let revoked = try expectEvent(ana.client, "conversation.revoked")
        XCTAssertEqual(revoked["conversation"]?.id, chat.id)
        XCTAssertEqual(revoked["reason"], "rescinded")
        XCTAssertEqual(try attendant(ana.id)["openChats"], 0)
    }

    func testExpiredOffersRevokeAndTurnTheAttendantAway() throws {
        _ = try createDepartment("offers", ["offerTimeout": 5])
        try admin.call("settings.update", ["maxMissedOffers": 1])
        let ana = try staff("ana", ["offers"])
        let chat = try open("x-1", "offers")
        let offered = try expectEvent(ana.client, "conversation.offered")
        XCTAssertNotNil(offered["conversation"]?["offerExpiresAt"]?.stringValue)
        let revoked = try expectEvent(ana.client, "conversation.revoked", timeout: 30)
        XCTAssertEqual(revoked["reason"], "offer-expired")
        XCTAssertEqual(revoked["conversation"]?.id, chat.id)
        let changed = try expectEvent(ana.client, "presence.changed", timeout: 30)
        XCTAssertEqual(changed["presence"], "away")
        XCTAssertEqual(changed["reason"], "missed-offers")
        XCTAssertEqual(try attendant(ana.id)["presence"], "away")
        XCTAssertEqual(try conversation(chat.id)["state"], "queued")
        let queued = try expectEvent(bot, "conversation.queued")
        XCTAssertEqual(queued["conversation"]?.id, chat.id, "back in its queue: it joins it again")
        XCTAssertEqual(queued["conversation"]?["queuedAt"], chat["queuedAt"])
        XCTAssertEqual(queued["position"], 1)
        let stats = try admin.call("stats.get")
        XCTAssertEqual(stats["attendants"]?[String(ana.id)]?["offers"]?["expired"], 1)
    }

    // MARK: - Capacity, wrap-up, reply timeouts and going offline

    func testWrapUpHoldsTheSlotUntilFinishedAndOnlyItsAttendantFinishesIt() throws {
        _ = try createDepartment("wrap", ["wrapUp": 900])
        let ana = try staff("ana", ["wrap"], ["maxChats": 1])
        let bia = try staff("bia", ["sales"], online: false)
        let first = try open("u-1", "wrap")
        XCTAssertEqual(first["attendantId"]?.intValue, ana.id)
        try bot.call("conversation.close", ["id": .int(first.id)])
        XCTAssertNotNil(try conversation(first.id)["wrapUpUntil"]?.stringValue, "a bot's close starts a wrap-up too")
        XCTAssertEqual(try attendant(ana.id)["wrappingChats"], 1)
        let second = try open("u-2", "wrap", phone: "11987654322")
        XCTAssertEqual(second["state"], "queued", "openChats + wrappingChats reach maxChats")

        let other = try daemon.attendant(login: bia.login)
        XCTAssertNotNil(try other.callResult("conversation.finishWrapUp", ["id": .int(first.id)]).failure,
                        "not its chat")
        assertError(1003, try bot.callResult("conversation.finishWrapUp", ["id": .int(first.id)]))
        assertError(1004, try ana.client.callResult("conversation.finishWrapUp", ["id": 999_999]))
        XCTAssertEqual(try attendant(ana.id)["wrappingChats"], 1, "refusals change nothing")
        XCTAssertEqual(try conversation(second.id)["state"], "queued")
        daemon.disconnect(other)

        XCTAssertEqual(try ana.client.call("conversation.finishWrapUp", ["id": .int(first.id)]), ["ok": true])
        try expectEvent(ana.client, "conversation.assigned")
        XCTAssertEqual(try conversation(second.id)["attendantId"]?.intValue, ana.id, "the freed slot takes the next")
        XCTAssertNotNil(try ana.client.callResult("conversation.finishWrapUp", ["id": .int(first.id)]).failure,
                        "no wrap-up left to finish")
    }

    func testAReplyTimeoutTakesTheChatBackToItsPlace() throws {
        _ = try createDepartment("slow", ["replyTimeout": 10])
        let ana = try staff("ana", ["slow"])
        let chat = try open("rt-1", "slow")
        XCTAssertEqual(chat["attendantId"]?.intValue, ana.id)
        try expectEvent(ana.client, "conversation.assigned")
        let bia = try staff("bia", ["slow"])
        let revoked = try expectEvent(ana.client, "conversation.revoked", timeout: 60)
        XCTAssertEqual(revoked["reason"], "reply-timeout")
        XCTAssertEqual(revoked["conversation"]?.id, chat.id)
        try expectEvent(bia.client, "conversation.assigned")
        let moved = try conversation(chat.id)
        XCTAssertEqual(moved["attendantId"]?.intValue, bia.id, "ana is passed over while bia is eligible")
        XCTAssertEqual(moved["queuedAt"], chat["queuedAt"], "its original place")
    }

    func testRequeueOnOfflineUnansweredTakesBackOnlyChatsWithoutAReply() throws {
        let ana = try staff("ana")
        let answered = try open("off-1", "sales")
        let unanswered = try open("off-2", "sales", phone: "11987654322")
        XCTAssertEqual([answered, unanswered].map { $0["attendantId"]?.intValue }, [ana.id, ana.id])
        try ana.client.call("conversation.reply", ["id": .int(answered.id), "text": "olá"])
        daemon.disconnect(ana.client)
        try eventually("the unanswered chat is back in its queue") {
            try conversation(unanswered.id)["state"] == "queued"
        }
        let back = try conversation(unanswered.id)
        XCTAssertEqual(back["queuedAt"], unanswered["queuedAt"])
        XCTAssertEqual(try expectEvent(bot, "conversation.queued")["conversation"]?.id, unanswered.id,
                       "the bots hear it joined its queue again")
        XCTAssertEqual(try conversation(answered.id)["state"], "assigned")
        XCTAssertEqual(try conversation(answered.id)["attendantId"]?.intValue, ana.id)
    }

    func testRequeueOnOfflineAllTakesBackEveryChat() throws {
        XCTAssertEqual(try admin.call("settings.update", ["requeueOnOffline": "all"])["requeueOnOffline"], "all")
        let ana = try staff("ana")
        let answered = try open("all-1", "sales")
        try ana.client.call("conversation.reply", ["id": .int(answered.id), "text": "olá"])
        daemon.disconnect(ana.client)
        try eventually("the answered chat is back in its queue too") {
            try conversation(answered.id)["state"] == "queued"
        }
    }

    func testOffersGoBackAtOnceWhenTheLastConnectionCloses() throws {
        _ = try createDepartment("offers", ["offerTimeout": 3600])
        let ana = try staff("ana", ["offers"])
        let chat = try open("g-1", "offers")
        XCTAssertEqual(chat["state"], "offered")
        daemon.disconnect(ana.client)
        try eventually("the offer is back in its queue") {
            try conversation(chat.id)["state"] == "queued"
        }
        let back = try conversation(chat.id)
        XCTAssertTrue(back["attendantId"] == nil || back["attendantId"] == .null, "\(back)")
        XCTAssertEqual(back["queuedAt"], chat["queuedAt"])
        XCTAssertEqual(try attendant(ana.id)["openChats"], 0)
    }

    /// The last connection hangs up right behind a request whose reply waits for its commit (durability full,
    /// and always on PostgreSQL): the session ends while the finished commit hands its replies out, and the offer
    /// it ends goes back to the queue there. The daemon keeps serving everyone else.
    func testAnOfferGoesBackWhenTheConnectionHangsUpBehindADurableReply() throws {
        let durable = try TestDaemon(["durability": "full", "presenceGrace": 1])
        let admin = try durable.admin()
        let bot = try durable.bot()
        try admin.createDepartment("desk")
        try admin.call("department.create", ["id": "offers", "name": "Offers", "offerTimeout": 3600])
        _ = try admin.createAttendant("ana", departments: ["desk", "offers"])
        var ana = try durable.attendant(login: "ana")
        let served = try bot.openChat("d-1", department: "desk")
        XCTAssertEqual(served["state"], "assigned")
        let offered = try bot.openChat("d-2", phone: "11987654322", department: "offers")
        XCTAssertEqual(offered["state"], "offered")
        // The hang-up must land while the reply is parked; a few rounds make that the likely order.
        for round in 1...10 {
            let line = #"{"jsonrpc":"2.0","id":1,"method":"conversation.reply","params":{"id":\#(served.id),"#
                + #""text":"round \#(round)"}}"# + "\n"
            try ana.sendRaw(Array(line.utf8))
            shutdown(ana.fd, Int32(SHUT_WR))
            try eventually("the offer is back in its queue (round \(round))") {
                try admin.call("conversation.get", ["id": .int(offered.id)])["state"] == "queued"
            }
            XCTAssertEqual(try admin.call("conversation.get", ["id": .int(served.id)])["state"], "assigned")
            ana = try durable.attendant(login: "ana")  // back online: the waiting chat is offered again
            try expectEvent(ana, "conversation.offered")
        }
        XCTAssertEqual(try admin.call("conversation.history", ["id": .int(served.id)]).list("messages").count, 10,
                       "every reply was kept")
    }

    func testWithinTheGraceAnAttendantGetsNoNewChatsButKeepsItsOwn() throws {
        let graceful = try TestDaemon(["presenceGrace": 3600])
        let admin = try graceful.admin()
        let bot = try graceful.bot()
        try admin.createDepartment("desk")
        let id = try admin.createAttendant("ana", departments: ["desk"])
        let ana = try graceful.attendant(login: "ana")
        let kept = try bot.openChat("k-1", department: "desk")
        XCTAssertEqual(kept["attendantId"]?.intValue, id)
        graceful.disconnect(ana)
        try eventually("ana is offline") {
            try admin.call("attendant.get", ["id": .int(id)])["presence"] == "offline"
        }
        let fresh = try bot.openChat("k-2", phone: "11987654322", department: "desk")
        XCTAssertEqual(fresh["state"], "queued", "no new chats at once")
        XCTAssertEqual(try admin.call("conversation.get", ["id": .int(kept.id)])["attendantId"]?.intValue, id,
                       "its assigned chat waits for the grace")
        let back = try graceful.attendant(login: "ana")
        try expectEvent(back, "conversation.assigned")
        XCTAssertEqual(try admin.call("conversation.get", ["id": .int(fresh.id)])["attendantId"]?.intValue, id)
        XCTAssertEqual(try admin.call("conversation.get", ["id": .int(kept.id)])["state"], "assigned",
                       "coming back within the grace keeps everything")
    }

    func testMaxMissedOffersZeroNeverTurnsAnAttendantAway() throws {
        _ = try createDepartment("offers", ["offerTimeout": 5])
        try admin.call("settings.update", ["maxMissedOffers": 0])
        let ana = try staff("ana", ["offers"])
        _ = try open("z-1", "offers")
        XCTAssertEqual(try expectEvent(ana.client, "conversation.revoked", timeout: 30)["reason"], "offer-expired")
        try assertNoEvent(ana.client, "presence.changed", "0 = never")
        XCTAssertEqual(try attendant(ana.id)["presence"], "online")
    }

    // MARK: - Holidays and exceptions decide today's hours

    func testHolidaysAndExceptionsDecideWhoIsInsideHoursToday() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "America/Sao_Paulo")!
        let parts = calendar.dateComponents([.year, .month, .day], from: Date())
        let today = String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
        let allWeek: JSONObject = ["mon": [["00:00", "24:00"]], "tue": [["00:00", "24:00"]],
                                   "wed": [["00:00", "24:00"]], "thu": [["00:00", "24:00"]],
                                   "fri": [["00:00", "24:00"]], "sat": [["00:00", "24:00"]],
                                   "sun": [["00:00", "24:00"]]]
        let weekly: JSON = ["timezone": "America/Sao_Paulo", "week": .object(allWeek)]
        let excepted: JSON = ["timezone": "America/Sao_Paulo", "week": .object(allWeek),
                              "exceptions": [["date": .string(today), "intervals": [["00:00", "24:00"]]]]]
        let dayOff: JSON = ["timezone": "America/Sao_Paulo", "week": .object(allWeek),
                            "exceptions": [["date": .string(today), "intervals": []]]]
        _ = try admin.createAttendant("weekly", departments: ["sales"], ["hours": weekly])
        _ = try admin.createAttendant("excepted", departments: ["sales"], ["hours": excepted])
        _ = try admin.createAttendant("dayoff", departments: ["sales"], ["hours": dayOff])
        _ = try admin.createAttendant("always", departments: ["sales"])
        let login = { (name: String) throws -> Result<JSON, RPCError> in
            try self.daemon.connect().callResult("auth.login", ["login": .string(name),
                                                                "password": .string(TestDaemon.password)])
        }
        assertError(1011, try login("dayoff"), "an exception of [] is a day off")
        assertOK(try login("weekly"), "no holiday yet")
        try admin.call("settings.update", ["holidays": [["date": .string(today), "name": "Feriado"]]])
        assertError(1011, try login("weekly"), "a holiday is a day off")
        assertOK(try login("excepted"), "an exception for the date wins over the holiday")
        assertOK(try login("always"), "hours \"always\" ignore holidays")
    }

    func testAChatJoiningAQueueByRouteTellsTheBots() throws {
        let potential = try open("j-1", nil)
        try assertNoEvent(bot, "conversation.queued", "a potential joins no queue")
        try bot.call("conversation.route", ["id": .int(potential.id), "department": "vip"])
        let queued = try expectEvent(bot, "conversation.queued")
        XCTAssertEqual(queued["conversation"]?.id, potential.id)
        XCTAssertEqual(queued["conversation"]?["state"], "queued")
        XCTAssertEqual(queued["position"], 1)
        XCTAssertEqual(queued["estimatedWaitSeconds"], .null, "nobody of vip can be eligible")
        XCTAssertEqual(queued["opensAt"], .null)
    }

    // MARK: - stats.get

    func testStatsServiceLevelMembers() throws {
        _ = try createDepartment("offers", ["offerTimeout": 600])
        let ana = try staff("ana", ["sales", "offers"])
        let chat = try open("st-1", "sales")
        try ana.client.call("conversation.reply", ["id": .int(chat.id), "text": "olá"])
        try ana.client.call("conversation.close", ["id": .int(chat.id)])
        let offered = try open("st-2", "offers", phone: "11987654322")
        XCTAssertEqual(offered["state"], "offered")
        try ana.client.call("conversation.decline", ["id": .int(offered.id)])
        let abandoned = try open("st-3", "vip", phone: "11987654323")
        try bot.call("conversation.close", ["id": .int(abandoned.id)])

        let stats = try admin.call("stats.get")
        let sales = stats["departments"]?["sales"]
        for member in ["waiting", "oldestWaitSeconds", "assigned", "attendantsOnline", "served", "abandoned",
                       "serviceLevel", "avgAnswerSeconds", "avgFirstReplySeconds", "avgHandleSeconds"] {
            XCTAssertNotNil(sales?[member], "\(member) in \(sales?.text ?? "nil")")
        }
        XCTAssertEqual(sales?["served"], 1)
        XCTAssertEqual(sales?["abandoned"], 0)
        XCTAssertEqual(sales?["serviceLevel"]?.doubleValue, 1)
        let vip = stats["departments"]?["vip"]
        XCTAssertEqual(vip?["served"], 0)
        XCTAssertEqual(vip?["abandoned"], 1)
        XCTAssertEqual(vip?["serviceLevel"]?.doubleValue, 0)
        XCTAssertEqual(vip?["avgAnswerSeconds"], .null, "no chat answered")
        let emptyStats = stats["departments"]?["offers"]
        XCTAssertEqual(emptyStats?["served"], 0)
        let mine = stats["attendants"]?[String(ana.id)]
        for member in ["handled", "avgFirstReplySeconds", "avgHandleSeconds", "offers"] {
            XCTAssertNotNil(mine?[member], "\(member) in \(mine?.text ?? "nil")")
        }
        XCTAssertEqual(mine?["handled"], 1)
        XCTAssertEqual(mine?["offers"], ["accepted": 0, "declined": 1, "expired": 0])
        XCTAssertEqual(try metricValue("atende_attendant_offers{attendant=\"\(ana.id)\",outcome=\"declined\"}",
                                       from: admin), 1, "the same figures are Prometheus metrics")

        let later = try admin.call("stats.get", ["since": "2999-01-01T00:00:00Z"])
        XCTAssertEqual(later["departments"]?["sales"]?["served"], 0, "nothing joined since then")
        XCTAssertEqual(later["departments"]?["sales"]?["serviceLevel"], .null, "none: null")
        assertInvalid("since", try admin.callResult("stats.get", ["since": "yesterday"]))
        assertInvalid("since", try admin.callResult("stats.get", ["since": 5]))
    }
}
