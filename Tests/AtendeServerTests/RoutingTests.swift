// RoutingTests: a chat's life over the socket, bot and attendants talking to the real daemon: a potential is
// opened and routed, assigned with a push, messages and replies flow both ways, closing and rating update the
// attendant, manual departments are taken by hand, queues keep their order, capacity holds chats back and
// releases them at once, and a returning contact goes back to its last attendant.

import AtendeClient
import AtendeProtocol
import Foundation
import XCTest

final class RoutingTests: DaemonTestCase {
    func testPotentialIsRoutedAndAssigned() throws {
        let ana = try staff("ana")
        let chat = try bot.openChat("wa-1", phone: "(11) 98765-4321", text: "oi", name: "Zé Silva")
        XCTAssertEqual(chat["state"], "potential")
        XCTAssertNil(chat["department"] ?? nil)
        XCTAssertNil(chat["attendantId"] ?? nil)
        XCTAssertEqual(chat["externalId"], "wa-1")
        XCTAssertEqual(chat["channel"], "whatsapp", "channel defaults to whatsapp")
        XCTAssertEqual(chat["contact"]?["phone"], "+5511987654321")
        XCTAssertEqual(chat["contact"]?["name"], "Zé Silva")
        XCTAssertNotNil(chat["openedAt"]?.stringValue)
        for client in [bot!, admin!, ana.client!] {
            XCTAssertEqual(try client.call("potentials.list").list("potentials").map(\.id), [chat.id])
        }
        // What each contact said last comes with the list when asked (cut to 200 characters); one that said
        // nothing is left out.
        let quiet = try bot.openChat("wa-2", phone: "(11) 98765-4322")
        let long = String(repeating: "é", count: 300)
        try bot.call("conversation.message", ["id": .int(chat.id), "text": .string(long)])
        XCTAssertNil(try ana.client.call("potentials.list")["lastMessages"] ?? nil, "not asked for")
        assertInvalid("lastMessages", try ana.client.callResult("potentials.list", ["lastMessages": "yes"]))
        let listed = try ana.client.call("potentials.list", ["lastMessages": true])
        XCTAssertEqual(listed.list("potentials").map(\.id), [chat.id, quiet.id])
        let last = try XCTUnwrap(listed["lastMessages"]?["\(chat.id)"])
        XCTAssertEqual(last["text"]?.stringValue, String(repeating: "é", count: 200) + "…")
        XCTAssertEqual(last["from"], "contact")
        XCTAssertNil(listed["lastMessages"]?["\(quiet.id)"] ?? nil, "no message, no entry")
        try bot.call("conversation.close", ["id": .int(quiet.id)])
        let routed = try bot.call("conversation.route", ["id": .int(chat.id), "department": "sales"])
        XCTAssertEqual(routed["state"], "assigned")
        XCTAssertEqual(routed["department"], "sales")
        XCTAssertEqual(routed["attendantId"]?.intValue, ana.id)
        XCTAssertNotNil(routed["queuedAt"]?.stringValue)
        XCTAssertNotNil(routed["assignedAt"]?.stringValue)
        let pushed = try expectEvent(ana.client, "conversation.assigned")
        XCTAssertEqual(pushed["conversation"]?.id, chat.id)
        XCTAssertEqual(pushed["conversation"]?["attendantId"]?.intValue, ana.id)
        XCTAssertEqual(try bot.call("potentials.list").list("potentials").count, 0)
        XCTAssertEqual(try queue(ana.client).assigned, [chat.id])
        XCTAssertEqual(try attendant(ana.id)["openChats"]?.intValue, 1)
    }

    func testOpenValidationCreatesNothing() throws {
        let cases: [(String, JSON, Int, String?)] = [
            ("no externalId", ["contact": ["phone": "11987654321"]], -32602, "externalId"),
            ("empty externalId", ["externalId": "", "contact": ["phone": "11987654321"]], -32602, "externalId"),
            ("no contact", ["externalId": "x"], -32602, "contact"),
            ("bad phone", ["externalId": "x", "contact": ["phone": "call me"]], -32602, "contact.phone"),
            ("unknown contact field", ["externalId": "x", "contact": ["phone": "11987654321", "age": 3]],
             -32602, "contact.age"),
            ("unknown department", ["externalId": "x", "contact": ["phone": "11987654321"], "department": "ghost"],
             1004, nil),
            ("unknown param", ["externalId": "x", "contact": ["phone": "11987654321"], "urgency": 1], -32602,
             "urgency"),
        ]
        for (name, params, code, field) in cases {
            let error = assertError(code, try bot.callResult("conversation.open", params), name)
            if let field { XCTAssertEqual(error?.data?["field"]?.stringValue, field, name) }
        }
        XCTAssertEqual(try bot.call("potentials.list").list("potentials").count, 0)
        XCTAssertEqual(try admin.call("stats.get")["departments"]?["sales"]?["waiting"]?.intValue, 0)
        let foreign = try bot.openChat("x", phone: "+1 (415) 555-2671")
        XCTAssertEqual(foreign["contact"]?["phone"], "+14155552671")
    }

    func testOpenIsIdempotentOnExternalId() throws {
        let first = try bot.openChat("same", department: "sales")
        let again = try bot.openChat("same", phone: "21987654321", department: "vip")
        XCTAssertEqual(again, first, "a retry returns the same conversation, unchanged")
        try bot.call("conversation.close", ["id": .int(first.id)])
        let closed = try bot.openChat("same", department: "sales")
        XCTAssertEqual(closed.id, first.id)
        XCTAssertEqual(closed["state"], "closed", "even after it was closed")
        XCTAssertEqual(try admin.call("stats.get")["departments"]?["sales"]?["waiting"]?.intValue, 0)
    }

    func testQueuedChatFlowsWhenAnAttendantLogsIn() throws {
        let chat = try bot.openChat("wa-2", department: "sales")
        XCTAssertEqual(chat["state"], "queued")
        XCTAssertNotNil(chat["queuedAt"]?.stringValue)
        let ana = try staff("ana")
        XCTAssertEqual(try expectEvent(ana.client, "conversation.assigned")["conversation"]?.id, chat.id)
        XCTAssertEqual(try conversation(chat.id)["attendantId"]?.intValue, ana.id)
        XCTAssertEqual(try conversation(chat.id)["queuedAt"], chat["queuedAt"], "queuedAt is kept")
    }

    func testMessagesRepliesAndHistory() throws {
        let ana = try staff("ana")
        let otherBot = try daemon.bot()
        let chat = try bot.openChat("wa-3", department: "sales", text: "oi")
        try expectEvent(ana.client, "conversation.assigned")
        let sent = try bot.call("conversation.message", ["id": .int(chat.id), "text": "preciso de ajuda"])
        XCTAssertEqual(sent["message"]?["from"], "contact")
        XCTAssertEqual(sent["conversation"]?.id, chat.id)
        let opening = try expectEvent(ana.client, "conversation.message")
        XCTAssertEqual(opening["message"]?["text"], "oi", "the text given at open is the first message")
        let message = try expectEvent(ana.client, "conversation.message")
        XCTAssertEqual(message["conversation"]?.id, chat.id)
        XCTAssertEqual(message["message"]?["from"], "contact")
        XCTAssertEqual(message["message"]?["text"], "preciso de ajuda")
        XCTAssertNotNil(message["message"]?["at"]?.stringValue)
        let reply = try ana.client.call("conversation.reply", ["id": .int(chat.id), "text": "Olá! Como posso ajudar?"])
        XCTAssertEqual(reply["message"]?["from"], "attendant")
        for client in [bot!, otherBot] {
            let pushed = try expectEvent(client, "conversation.reply")
            XCTAssertEqual(pushed["conversation"]?.id, chat.id)
            XCTAssertEqual(pushed["message"]?["from"], "attendant")
            XCTAssertEqual(pushed["message"]?["text"], "Olá! Como posso ajudar?")
        }
        try bot.call("conversation.message", ["id": .int(chat.id), "text": "obrigado"])
        let history = try ana.client.call("conversation.history", ["id": .int(chat.id)]).list("messages")
        XCTAssertEqual(history.compactMap { $0["text"]?.stringValue },
                       ["oi", "preciso de ajuda", "Olá! Como posso ajudar?", "obrigado"], "oldest first")
        XCTAssertEqual(history.compactMap { $0["from"]?.stringValue }, ["contact", "contact", "attendant", "contact"])
        let times = history.compactMap { $0["at"]?.stringValue }
        XCTAssertEqual(times, times.sorted())
        XCTAssertEqual(try bot.call("conversation.history", ["id": .int(chat.id)]).list("messages"), history)
        XCTAssertEqual(try admin.call("conversation.history", ["id": .int(chat.id)]).list("messages"), history)
        let limited = try bot.call("conversation.history", ["id": .int(chat.id), "limit": 2]).list("messages")
        XCTAssertEqual(limited.count, 2)
        assertInvalid("text", try bot.callResult("conversation.message", ["id": .int(chat.id), "text": ""]))
        assertError(1004, try bot.callResult("conversation.message", ["id": 999_999, "text": "x"]))
    }

    func testCloseRateAndRatingAverage() throws {
        let ana = try staff("ana")
        var scores: [Int64] = []
        for (index, score) in [4, 1, 2].enumerated() {
            let chat = try bot.openChat("rate-\(index)", phone: "1198765432\(index)", department: "sales")
            try expectEvent(ana.client, "conversation.assigned")
            assertError(1010, try bot.callResult("conversation.rate", ["id": .int(chat.id), "score": 5]),
                        "only closed chats are rated")
            let closed = try ana.client.call("conversation.close", ["id": .int(chat.id)])
            XCTAssertEqual(closed["state"], "closed")
            XCTAssertNotNil(closed["closedAt"]?.stringValue)
            XCTAssertEqual(closed["attendantId"]?.intValue, ana.id, "attendantId stays on a closed chat")
            XCTAssertEqual(try expectEvent(ana.client, "conversation.closed")["conversation"]?.id, chat.id)
            XCTAssertEqual(try expectEvent(bot, "conversation.closed")["conversation"]?["state"], "closed")
            for bad in [0, 6] {
                assertInvalid("score", try bot.callResult("conversation.rate", ["id": .int(chat.id),
                                                                               "score": .int(Int64(bad))]))
            }
            let rated = try bot.call("conversation.rate", ["id": .int(chat.id), "score": .int(Int64(score))])
            XCTAssertEqual(rated["rating"]?.intValue, Int64(score))
            assertError(1010, try bot.callResult("conversation.rate", ["id": .int(chat.id), "score": 5]), "once")
            assertError(1010, try bot.callResult("conversation.message", ["id": .int(chat.id), "text": "x"]))
            assertError(1010, try ana.client.callResult("conversation.reply", ["id": .int(chat.id), "text": "x"]))
            assertError(1010, try ana.client.callResult("conversation.close", ["id": .int(chat.id)]))
            assertError(1010, try ana.client.callResult("conversation.take", ["id": .int(chat.id)]),
                        "a closed chat is no longer waiting")
            assertError(1010, try bot.callResult("conversation.route", ["id": .int(chat.id), "department": "sales"]),
                        "a closed chat exists (so not 1004) but cannot be routed")
            scores.append(Int64(score))
        }
        let rating = try attendant(ana.id)["rating"]
        XCTAssertEqual(rating?["count"]?.intValue, 3)
        XCTAssertEqual(rating?["average"]?.doubleValue ?? 0, 2.33, accuracy: 0.001, "7/3 with two decimals")
        XCTAssertEqual(try attendant(ana.id)["openChats"]?.intValue, 0)
    }

    func testBotAndAdminMayClose() throws {
        let ana = try staff("ana", ["sales"], ["maxChats": 2])
        let first = try bot.openChat("c-1", phone: "11900000001", department: "sales")
        let second = try bot.openChat("c-2", phone: "11900000002", department: "sales")
        try bot.call("conversation.close", ["id": .int(first.id)])
        try admin.call("conversation.close", ["id": .int(second.id)])
        var closed: Set<Int64> = []
        while closed.count < 2 { closed.insert(try expectEvent(ana.client, "conversation.closed")["conversation"]!.id) }
        XCTAssertEqual(closed, [first.id, second.id])
        XCTAssertEqual(try queue(ana.client).assigned, [])
    }

    func testManualDepartmentIsTakenByHand() throws {
        let ana = try staff("ana", ["vip"], ["maxChats": 1])
        let bia = try staff("bia", ["vip"])
        let caio = try staff("caio", ["sales"])
        let first = try bot.openChat("vip-1", phone: "11900000001", department: "vip")
        XCTAssertEqual(first["state"], "queued", "manual departments never assign on their own")
        let changed = try expectEvent(ana.client, "queue.changed")
        XCTAssertEqual(changed["department"], "vip")
        XCTAssertEqual(changed["waiting"]?.intValue, 1)
        try expectEvent(bia.client, "queue.changed")
        try assertNoEvent(caio.client, "queue.changed", "caio does not serve vip")
        XCTAssertEqual(try queue(ana.client).waiting, [first.id])
        XCTAssertEqual(try queue(caio.client).waiting, [])
        assertError(1003, try caio.client.callResult("conversation.take", ["id": .int(first.id)]))
        let taken = try ana.client.call("conversation.take", ["id": .int(first.id)])
        XCTAssertEqual(taken["state"], "assigned")
        XCTAssertEqual(taken["attendantId"]?.intValue, ana.id)
        XCTAssertEqual(try expectEvent(bia.client, "queue.changed")["waiting"]?.intValue, 0)
        assertError(1010, try bia.client.callResult("conversation.take", ["id": .int(first.id)]))
        let second = try bot.openChat("vip-2", phone: "11900000002", department: "vip")
        assertError(1012, try ana.client.callResult("conversation.take", ["id": .int(second.id)]), "maxChats 1")
        XCTAssertEqual(try conversation(second.id)["state"], "queued", "a refused take changes nothing")
        XCTAssertEqual(try bia.client.call("conversation.take", ["id": .int(second.id)])["attendantId"]?.intValue,
                       bia.id)
        assertError(1004, try bia.client.callResult("conversation.take", ["id": 999_999]))
    }

    func testQueueListOrder() throws {
        try admin.createDepartment("vip2", strategy: "manual")
        try admin.createDepartment("other", strategy: "manual")
        let ana = try staff("ana", ["vip", "vip2"])
        var expected: [Int64] = []
        for index in 0..<6 {
            let department = index % 2 == 0 ? "vip" : "vip2"
            expected.append(try bot.openChat("q-\(index)", phone: "1190000000\(index)", department: department).id)
            try bot.openChat("o-\(index)", phone: "1191000000\(index)", department: "other")
        }
        let list = try ana.client.call("queue.list")
        XCTAssertEqual(list.list("waiting").map(\.id), expected, "FIFO across the attendant's departments")
        let queued = list.list("waiting").compactMap { $0["queuedAt"]?.stringValue }
        XCTAssertEqual(queued, queued.sorted())
        XCTAssertEqual(try ana.client.call("queue.list", ["limit": 2]).list("waiting").map(\.id),
                       Array(expected.prefix(2)))
        // Taking from the middle keeps the others in order.
        try ana.client.call("conversation.take", ["id": .int(expected[2])])
        let after = try queue(ana.client)
        XCTAssertEqual(after.assigned, [expected[2]])
        XCTAssertEqual(after.waiting, expected.enumerated().filter { $0.offset != 2 }.map(\.element))
    }

    func testRouteMovesWaitingChatsOnly() throws {
        let chat = try bot.openChat("r-1", department: "vip")
        let moved = try bot.call("conversation.route", ["id": .int(chat.id), "department": "sales"])
        XCTAssertEqual(moved["department"], "sales")
        XCTAssertEqual(moved["state"], "queued")
        let again = try admin.call("conversation.route", ["id": .int(chat.id), "department": "sales"])
        XCTAssertEqual(again["queuedAt"], moved["queuedAt"], "a chat already queued there keeps its place")
        assertError(1004, try bot.callResult("conversation.route", ["id": .int(chat.id), "department": "ghost"]))
        assertError(1004, try bot.callResult("conversation.route", ["id": 999_999, "department": "sales"]))
        let ana = try staff("ana")
        try expectEvent(ana.client, "conversation.assigned")
        assertError(1010, try bot.callResult("conversation.route", ["id": .int(chat.id), "department": "vip"]),
                    "an assigned chat is not routed again")
        XCTAssertEqual(try conversation(chat.id)["attendantId"]?.intValue, ana.id)
    }

    func testStrategiesSpreadChats() throws {
        for (number, strategy) in ["least-busy", "round-robin", "longest-idle"].enumerated() {
            try admin.createDepartment("d-\(strategy)", strategy: strategy)
            let first = try staff("a-\(strategy)", ["d-\(strategy)"])
            let second = try staff("b-\(strategy)", ["d-\(strategy)"])
            var owners: [Int64: Int] = [:]
            for index in 0..<4 {
                let chat = try bot.openChat("\(strategy)-\(index)", phone: "1197\(number)00000\(index)",
                                            department: "d-\(strategy)")
                owners[chat["attendantId"]?.intValue ?? -1, default: 0] += 1
            }
            XCTAssertEqual(owners, [first.id: 2, second.id: 2], strategy)
        }
    }

    func testCapacityHoldsChatsAndClosingReleasesThem() throws {
        let ana = try staff("ana", ["sales"], ["maxChats": 1])
        let first = try bot.openChat("cap-1", phone: "11900000001", department: "sales")
        XCTAssertEqual(first["attendantId"]?.intValue, ana.id)
        let second = try bot.openChat("cap-2", phone: "11900000002", department: "sales")
        XCTAssertEqual(second["state"], "queued", "ana is at maxChats")
        try expectEvent(ana.client, "conversation.assigned")
        try ana.client.call("conversation.close", ["id": .int(first.id)])
        XCTAssertEqual(try expectEvent(ana.client, "conversation.assigned")["conversation"]?.id, second.id,
                       "closing a chat lets the next one flow at once")
        let third = try bot.openChat("cap-3", phone: "11900000003", department: "sales")
        XCTAssertEqual(third["state"], "queued")
        try admin.call("attendant.update", ["id": .int(ana.id), "maxChats": 2])
        XCTAssertEqual(try expectEvent(ana.client, "conversation.assigned")["conversation"]?.id, third.id,
                       "raising maxChats lets waiting chats flow at once")
    }

    func testManualDepartmentTurnedAutomaticLetsItsQueueFlow() throws {
        let ana = try staff("ana", ["vip"])
        let chat = try bot.openChat("m-1", department: "vip")
        XCTAssertEqual(chat["state"], "queued")
        try admin.call("department.update", ["id": "vip", "strategy": "least-busy"])
        XCTAssertEqual(try expectEvent(ana.client, "conversation.assigned")["conversation"]?.id, chat.id,
                       "ana became eligible for vip's queue")
    }

    func testAddingADepartmentLetsItsQueueFlow() throws {
        try admin.createDepartment("late")
        let chat = try bot.openChat("late-1", department: "late")
        let ana = try staff("ana", ["sales"])
        try admin.call("attendant.update", ["id": .int(ana.id), "departments": ["sales", "late"]])
        XCTAssertEqual(try expectEvent(ana.client, "conversation.assigned")["conversation"]?.id, chat.id)
    }

    func testReturningContactGoesBackToItsLastAttendant() throws {
        let ana = try staff("ana")
        let first = try bot.openChat("st-1", phone: "11988887777", department: "sales")
        XCTAssertEqual(first["attendantId"]?.intValue, ana.id)
        try bot.call("conversation.close", ["id": .int(first.id)])
        let busy = try bot.openChat("st-2", phone: "11911112222", department: "sales")
        XCTAssertEqual(busy["attendantId"]?.intValue, ana.id)
        // Bia is idle with no chats: least-busy alone would pick her.
        let bia = try staff("bia")
        let other = try bot.openChat("st-3", phone: "11933334444", department: "sales")
        XCTAssertEqual(other["attendantId"]?.intValue, bia.id, "least-busy picks the idle attendant")
        try bot.call("conversation.close", ["id": .int(other.id)])
        let returning = try bot.openChat("st-4", phone: "+55 11 98888-7777", department: "sales")
        XCTAssertEqual(returning["attendantId"]?.intValue, ana.id, "the same phone returns to ana")
    }

    func testReturningContactGoesElsewhereWhenItsAttendantIsAway() throws {
        let ana = try staff("ana")
        let first = try bot.openChat("sa-1", phone: "11988887777", department: "sales")
        XCTAssertEqual(first["attendantId"]?.intValue, ana.id)
        try bot.call("conversation.close", ["id": .int(first.id)])
        let bia = try staff("bia")
        try ana.client.call("presence.set", ["presence": "away"])
        let returning = try bot.openChat("sa-2", phone: "11988887777", department: "sales")
        XCTAssertEqual(returning["attendantId"]?.intValue, bia.id, "the last attendant is not eligible")
    }
}
