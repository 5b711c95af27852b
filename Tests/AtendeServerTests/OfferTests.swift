// OfferTests: offers, reply timeouts, presence grace and wrap-up over the socket: every new method
// (conversation.accept, conversation.decline, conversation.finishWrapUp) and push (conversation.offered,
// conversation.revoked, presence.changed, the bots' conversation.assigned), the refusals the contract names, and
// offers and wrap-ups that outlive a restart or a SIGKILL. The shortest timeouts the contract allows are used;
// the tests wait for the resulting pushes, never for a time.

import AtendeClient
import AtendeCore
import AtendeProtocol
import Foundation
import XCTest

final class OfferTests: DaemonTestCase {
    override var configOverrides: [String: JSON] { ["presenceGrace": 1] }

    @discardableResult
    func offerDepartment(_ id: String, _ settings: JSONObject) throws -> JSON {
        var params: JSONObject = ["id": .string(id), "name": "Offers"]
        for (key, value) in settings { params[key] = value }
        return try admin.call("department.create", .object(params))
    }

    /// An attendant connected when the daemon was killed gets the presence grace (1 s here) from the next start;
    /// not coming back, it loses its offer and its unanswered chat, which wait in their queues again, while the
    /// chat it answered stays (`requeueOnOffline` unanswered).
    func testAfterAKillAnAttendantWhoDoesNotComeBackLosesItsChatsOnceTheGraceRunsOut() throws {
        try offerDepartment("offers", ["offerTimeout": 3600])
        try admin.createDepartment("plain")
        let ana = try staff("ana", ["offers", "plain"])
        let offered = try bot.openChat("k-1", phone: "11900000011", department: "offers")
        let unanswered = try bot.openChat("k-2", phone: "11900000012", department: "plain")
        let answered = try bot.openChat("k-3", phone: "11900000013", department: "plain")
        try ana.client!.call("conversation.reply", ["id": .int(answered.id), "text": "Olá!"])
        XCTAssertEqual(try conversation(offered.id)["state"], "offered")
        XCTAssertEqual(try conversation(unanswered.id)["state"], "assigned")

        daemon.kill()
        try daemon.start()
        let admin2 = try daemon.admin()
        let state = { (id: Int64) throws -> JSON? in try admin2.call("conversation.get", ["id": .int(id)])["state"] }
        try eventually("the offer and the unanswered chat back in their queues after the grace") {
            try state(offered.id) == "queued" && state(unanswered.id) == "queued"
        }
        XCTAssertEqual(try state(answered.id), "assigned")
        XCTAssertEqual(try admin2.call("attendant.get", ["id": .int(ana.id)])["openChats"], 1)
        let events = try admin2.call("conversation.explain", ["id": .int(offered.id)]).list("events")
        XCTAssertEqual(events.last?["outcome"], "offline")
    }

    func testAnOfferIsAcceptedByItsAttendantOnlyAndTheBotsHearWhoTookIt() throws {
        let created = try offerDepartment("offers", ["offerTimeout": 600])
        XCTAssertEqual(created["offerTimeout"], 600)
        XCTAssertEqual(created["replyTimeout"], .null)
        XCTAssertEqual(created["wrapUp"], 0)
        let ana = try staff("ana", ["offers"])
        let bia = try staff("bia", ["offers"], online: false)
        let chat = try bot.openChat("o-1", department: "offers")
        XCTAssertEqual(chat["state"], "offered")
        XCTAssertEqual(chat["attendantId"]?.intValue, ana.id)
        XCTAssertNotNil(chat["offerExpiresAt"]?.stringValue)
        let offered = try expectEvent(ana.client, "conversation.offered")["conversation"]
        XCTAssertEqual(offered?.id, chat.id)
        XCTAssertEqual(offered?["offerExpiresAt"], chat["offerExpiresAt"])
        XCTAssertEqual(try attendant(ana.id)["openChats"], 1, "the offer holds a slot")
        try assertNoEvent(bot, "conversation.assigned", "an offer is no assignment")
        let during = try admin.call("stats.get")["departments"]?["offers"]
        XCTAssertEqual([during?["waiting"], during?["assigned"], during?["offered"]], [0, 0, 1],
                       "the supervisors' figures show the offer")

        let other = try daemon.attendant(login: bia.login)
        assertError(1003, try other.callResult("conversation.accept", ["id": .int(chat.id)]), "another's offer")
        assertError(1003, try other.callResult("conversation.decline", ["id": .int(chat.id)]))
        let accepted = try ana.client.call("conversation.accept", ["id": .int(chat.id)])
        XCTAssertEqual(accepted["state"], "assigned")
        let after = try admin.call("stats.get")["departments"]?["offers"]
        XCTAssertEqual([after?["assigned"], after?["offered"]], [1, 0])
        XCTAssertNil(accepted["offerExpiresAt"] ?? nil)
        let told = try expectEvent(bot, "conversation.assigned")
        XCTAssertEqual(told["conversation"]?.id, chat.id)
        XCTAssertEqual(told["attendant"]?["id"]?.intValue, ana.id)
        XCTAssertEqual(told["attendant"]?["name"], "Ana Souza")
        assertError(1010, try ana.client.callResult("conversation.accept", ["id": .int(chat.id)]), "accepted once")
        assertError(1010, try ana.client.callResult("conversation.decline", ["id": .int(chat.id)]))

        let explained = try admin.call("conversation.explain", ["id": .int(chat.id)])
        XCTAssertEqual(explained.list("explanations").count, 1)
        XCTAssertEqual(explained.list("events").map { $0["outcome"] }, ["accepted"])
        XCTAssertEqual(try metricValue("atende_offer_outcomes_total{outcome=\"accepted\"}", from: admin), 1)
        let stats = try admin.call("stats.get")
        XCTAssertEqual(stats["attendants"]?[String(ana.id)]?["offers"],
                       ["accepted": 1, "declined": 0, "expired": 0], "stats count the offers by outcome")
    }

    func testADeclinedOfferGoesToSomeoneElse() throws {
        try offerDepartment("offers", ["offerTimeout": 600])
        let ana = try staff("ana", ["offers"])
        let chat = try bot.openChat("o-2", department: "offers")
        XCTAssertEqual(chat["attendantId"]?.intValue, ana.id)
        let bia = try staff("bia", ["offers"])
        XCTAssertEqual(try ana.client.call("conversation.decline", ["id": .int(chat.id)]), ["ok": true])
        let offered = try expectEvent(bia.client, "conversation.offered")["conversation"]
        XCTAssertEqual(offered?.id, chat.id, "ana is passed over while bia is eligible")
        XCTAssertEqual(offered?["queuedAt"], chat["queuedAt"], "back in its original place")
        assertError(1010, try ana.client.callResult("conversation.accept", ["id": .int(chat.id)]),
                    "no longer offered to ana, who declined it")
        assertError(1010, try ana.client.callResult("conversation.decline", ["id": .int(chat.id)]))
        try assertNoEvent(ana.client, "conversation.revoked", "a decline is not told back")
        let events = try admin.call("conversation.explain", ["id": .int(chat.id)]).list("events")
        XCTAssertEqual(events.map { $0["outcome"] }, ["declined"])
        XCTAssertEqual(events.first?["attendantId"]?.intValue, ana.id)
    }

    /// Set away for missed offers, the attendant gives back the other offers it holds at once (`away`), not as
    /// each runs out: the second offer here still had two seconds to go, and its revocation bears the first
    /// one's expiry time.
    func testTurnedAwayForMissedOffersTheOtherOffersGoBackAtOnce() throws {
        try offerDepartment("offers", ["offerTimeout": 5])
        try admin.call("settings.update", ["maxMissedOffers": 1])
        let ana = try staff("ana", ["offers"], ["maxChats": 2])
        let first = try bot.openChat("o-30", department: "offers")
        usleep(2_000_000)
        let second = try bot.openChat("o-31", department: "offers")
        XCTAssertEqual([first["state"], second["state"]], ["offered", "offered"])
        let expired = try expectEvent(ana.client, "conversation.revoked", timeout: 20)
        XCTAssertEqual(expired["reason"], "offer-expired")
        XCTAssertEqual(expired["conversation"]?.id, first.id)
        let withdrawn = try expectEvent(ana.client, "conversation.revoked")
        XCTAssertEqual(withdrawn["reason"], "away")
        XCTAssertEqual(withdrawn["conversation"]?.id, second.id)
        XCTAssertEqual(try conversation(second.id)["state"], "queued")
        XCTAssertEqual(try attendant(ana.id)["presence"], "away")
        XCTAssertEqual(try attendant(ana.id)["openChats"], 0)
        let events = try admin.call("conversation.explain", ["id": .int(second.id)]).list("events")
        XCTAssertEqual(events.map { $0["outcome"] }, ["away"])
        let expiry = try admin.call("conversation.explain", ["id": .int(first.id)]).list("events")
        XCTAssertEqual(expiry.map { $0["outcome"] }, ["expired"])
        XCTAssertEqual(events.first?["at"], expiry.first?["at"], "given back in the turn of the expiry")
        // Both went unanswered: the supervisor's figures count both as expired; the metrics name the reason.
        XCTAssertEqual(try admin.call("stats.get")["attendants"]?[String(ana.id)]?["offers"],
                       ["accepted": 0, "declined": 0, "expired": 2])
        XCTAssertEqual(try metricValue("atende_offer_outcomes_total{outcome=\"away\"}", from: admin), 1)
        XCTAssertEqual(try metricValue("atende_revocations_total{reason=\"away\"}", from: admin), 1)
    }

    func testAnExpiredOfferComesBackAndMissedOffersTurnTheAttendantAway() throws {
        try offerDepartment("offers", ["offerTimeout": 5])
        try admin.call("settings.update", ["maxMissedOffers": 1])
        let ana = try staff("ana", ["offers"])
        let chat = try bot.openChat("o-3", department: "offers")
        XCTAssertEqual(chat["state"], "offered")
        let revoked = try expectEvent(ana.client, "conversation.revoked", timeout: 20)
        XCTAssertEqual(revoked["reason"], "offer-expired")
        XCTAssertEqual(revoked["conversation"]?["state"], "queued")
        let presence = try expectEvent(ana.client, "presence.changed")
        XCTAssertEqual(presence["presence"], "away")
        XCTAssertEqual(presence["reason"], "missed-offers")
        XCTAssertEqual(try conversation(chat.id)["state"], "queued")
        XCTAssertEqual(try attendant(ana.id)["presence"], "away")
        if !testsRunOnPostgres {  // kept for a panel resumed after a restart (WebSessionTests resumes one)
            XCTAssertEqual(try daemon.readOnlyDatabase().int("SELECT away FROM attendants WHERE id = ?",
                                                             [String(ana.id)]), 1)
        }
        assertError(1010, try ana.client.callResult("conversation.accept", ["id": .int(chat.id)]), "expired")
        try ana.client.call("presence.set", ["presence": "online"])
        XCTAssertEqual(try expectEvent(ana.client, "conversation.offered")["conversation"]?.id, chat.id)
        let took = try ana.client.call("conversation.accept", ["id": .int(chat.id)])
        XCTAssertEqual(took["state"], "assigned")
        if !testsRunOnPostgres {
            XCTAssertEqual(try daemon.readOnlyDatabase().int("SELECT away FROM attendants WHERE id = ?",
                                                             [String(ana.id)]), 0, "online again, by choice")
        }
        XCTAssertEqual(try admin.call("conversation.explain", ["id": .int(chat.id)]).list("events")
            .map { $0["outcome"] }, ["expired", "accepted"])
        XCTAssertEqual(try metricValue("atende_revocations_total{reason=\"offer-expired\"}", from: admin), 1)
    }

    func testTakeAssignsAtOnceAndCloseRescindsAnOffer() throws {
        try offerDepartment("offers", ["offerTimeout": 600, "strategy": "manual"])
        try offerDepartment("auto", ["offerTimeout": 600])
        let ana = try staff("ana", ["offers", "auto"])
        let manual = try bot.openChat("o-4", department: "offers")
        XCTAssertEqual(manual["state"], "queued")
        XCTAssertEqual(try ana.client.call("conversation.take", ["id": .int(manual.id)])["state"], "assigned")
        let offered = try bot.openChat("o-5", phone: "11900000005", department: "auto")
        XCTAssertEqual(offered["state"], "offered")
        assertError(1003, try ana.client.callResult("conversation.close", ["id": .int(offered.id)]),
                    "an offer is not the attendant's to close")
        try bot.call("conversation.close", ["id": .int(offered.id)])
        let revoked = try expectEvent(ana.client, "conversation.revoked")
        XCTAssertEqual(revoked["reason"], "rescinded")
        XCTAssertEqual(try attendant(ana.id)["openChats"], 1)
        assertError(1010, try ana.client.callResult("conversation.accept", ["id": .int(offered.id)]),
                    "the withdrawn offer is no longer ana's, though the chat is closed")
        let bia = try staff("bia", ["auto"])
        assertError(1003, try bia.client.callResult("conversation.decline", ["id": .int(offered.id)]),
                    "nor ever offered to bia")
        try ana.client.call("conversation.close", ["id": .int(manual.id)])
        let closed = assertError(1010, try ana.client.callResult("conversation.accept", ["id": .int(manual.id)]),
                                 "her own chat, closed")
        XCTAssertEqual(closed?.data?["field"], "id")
    }

    func testTheFirstMessageOfAnOfferedChatWaitsForTheAccept() throws {
        try offerDepartment("offers", ["offerTimeout": 600])
        let ana = try staff("ana", ["offers"])
        let opened = try bot.call("conversation.open", ["externalId": "o-text", "contact": ["phone": "11900000009"],
                                                        "department": "offers", "text": "Oi, preciso de ajuda"])
        XCTAssertEqual(opened["state"], "offered")
        try expectEvent(ana.client, "conversation.offered")
        try assertNoEvent(ana.client, "conversation.message", "an offer is not the attendant's chat yet")
        let offeredHistory = try ana.client.call("conversation.history", ["id": .int(opened.id)]).list("messages")
        XCTAssertEqual(offeredHistory.map { $0["text"] }, ["Oi, preciso de ajuda"],
                       "the offered attendant may read what the contact wants before accepting (the desk's card)")
        try admin.createDepartment("plain")
        let bia = try staff("bia", ["plain"])
        assertError(1003, try bia.client.callResult("conversation.history", ["id": .int(opened.id)]),
                    "an attendant it was not offered to may not")
        try ana.client.call("conversation.accept", ["id": .int(opened.id)])
        let history = try ana.client.call("conversation.history", ["id": .int(opened.id)]).list("messages")
        XCTAssertEqual(history.map { $0["text"] }, ["Oi, preciso de ajuda"], "it reads the message once it accepts")
    }

    func testReplyTimeoutTakesTheChatBack() throws {
        try offerDepartment("answer", ["replyTimeout": 10])
        let ana = try staff("ana", ["answer"])
        let chat = try bot.openChat("o-6", department: "answer")
        XCTAssertEqual(chat["attendantId"]?.intValue, ana.id)
        XCTAssertEqual(try secondsBetween(chat["assignedAt"], chat["replyDueAt"]), 10, accuracy: 0.001,
                       "the chat says when it is taken back unanswered")
        let bia = try staff("bia", ["answer"])
        let revoked = try expectEvent(ana.client, "conversation.revoked", timeout: 25)
        XCTAssertEqual(revoked["reason"], "reply-timeout")
        let assigned = try expectEvent(bia.client, "conversation.assigned")["conversation"]
        XCTAssertEqual(assigned?.id, chat.id)
        XCTAssertEqual(try secondsBetween(assigned?["assignedAt"], assigned?["replyDueAt"]), 10, accuracy: 0.001,
                       "a new assignment starts the clock again")
        let replied = try bia.client.call("conversation.reply", ["id": .int(chat.id), "text": "Olá"])
        XCTAssertNotNil(replied["conversation"]?["firstReplyAt"]?.stringValue)
        XCTAssertNil(replied["conversation"]?["replyDueAt"], "a reply stops the clock")
        XCTAssertNotNil(try conversation(chat.id)["firstReplyAt"]?.stringValue)
        XCTAssertNil(try conversation(chat.id)["replyDueAt"])
    }

    /// Seconds from one ISO 8601 member to another.
    private func secondsBetween(_ from: JSON?, _ to: JSON?) throws -> Double {
        let format = ISO8601DateFormatter()
        format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        let start = try XCTUnwrap(from?.stringValue.flatMap(format.date(from:)), "no start time")
        let end = try XCTUnwrap(to?.stringValue.flatMap(format.date(from:)), "no end time")
        return end.timeIntervalSince(start)
    }

    func testPastTheGraceUnansweredChatsGoBackAndOffersAtOnce() throws {
        try offerDepartment("answer", [:])
        try offerDepartment("auto", ["offerTimeout": 600])
        let ana = try staff("ana", ["answer", "auto"])
        let unanswered = try bot.openChat("o-7", phone: "11900000007", department: "answer")
        let answered = try bot.openChat("o-8", phone: "11900000008", department: "answer")
        let offer = try bot.openChat("o-9", phone: "11900000009", department: "auto")
        XCTAssertEqual(offer["state"], "offered")
        try ana.client.call("conversation.reply", ["id": .int(answered.id), "text": "oi"])
        daemon.disconnect(ana.client)
        try eventually("the grace of 1 s runs out") {
            try conversation(unanswered.id)["state"] == "queued"
        }
        XCTAssertEqual(try conversation(offer.id)["state"], "queued")
        XCTAssertEqual(try conversation(answered.id)["attendantId"]?.intValue, ana.id, "answered: stays")
        XCTAssertEqual(try metricValue("atende_revocations_total{reason=\"offline\"}", from: admin), 2)
    }

    func testAnAcceptedOfferLostWithTheAssignmentIsNotTheAttendantsAnyMore() throws {
        try offerDepartment("auto", ["offerTimeout": 600])
        let ana = try staff("ana", ["auto"])
        let chat = try bot.openChat("o-10", phone: "11900000010", department: "auto")
        try ana.client.call("conversation.accept", ["id": .int(chat.id)])
        daemon.disconnect(ana.client)
        try eventually("the grace of 1 s runs out") { try conversation(chat.id)["state"] == "queued" }
        let bia = try staff("bia", ["auto"])
        try expectEvent(bia.client, "conversation.offered")
        let back = try daemon.attendant(login: ana.login)
        assertError(1003, try back.callResult("conversation.accept", ["id": .int(chat.id)]),
                    "ana lost an assignment, as if it had been assigned to her directly; the offer is bia's")
    }

    func testWrapUpHoldsTheSlotUntilFinished() throws {
        try offerDepartment("wrap", ["wrapUp": 900])
        let ana = try staff("ana", ["wrap"], ["maxChats": 1])
        let first = try bot.openChat("o-10", phone: "11900000010", department: "wrap")
        XCTAssertEqual(try expectEvent(ana.client, "conversation.assigned")["conversation"]?.id, first.id)
        let closed = try ana.client.call("conversation.close", ["id": .int(first.id)])
        XCTAssertNotNil(closed["wrapUpUntil"]?.stringValue)
        XCTAssertEqual(try attendant(ana.id)["wrappingChats"], 1)
        let second = try bot.openChat("o-11", phone: "11900000011", department: "wrap")
        XCTAssertEqual(second["state"], "queued", "the wrap-up holds the only slot")
        let bia = try staff("bia", ["sales"], online: false)
        let other = try daemon.attendant(login: bia.login)
        assertError(1003, try other.callResult("conversation.finishWrapUp", ["id": .int(first.id)]))
        XCTAssertEqual(try ana.client.call("conversation.finishWrapUp", ["id": .int(first.id)]), ["ok": true])
        XCTAssertEqual(try expectEvent(ana.client, "conversation.assigned")["conversation"]?.id, second.id)
        XCTAssertNil(try conversation(first.id)["wrapUpUntil"] ?? nil)
        assertError(1010, try ana.client.callResult("conversation.finishWrapUp", ["id": .int(first.id)]))
        _ = other
    }

    func testSettingsOutOfRangeAreRefusedNamingTheField() throws {
        let rows: [(JSONObject, String)] = [
            (["offerTimeout": 4], "offerTimeout"), (["offerTimeout": 3601], "offerTimeout"),
            (["replyTimeout": 9], "replyTimeout"), (["replyTimeout": 86401], "replyTimeout"),
            (["wrapUp": -1], "wrapUp"), (["wrapUp": 901], "wrapUp"), (["offerTimeout": "5"], "offerTimeout"),
        ]
        for (settings, field) in rows {
            var params: JSONObject = ["id": "bad", "name": "Bad"]
            for (key, value) in settings { params[key] = value }
            assertInvalid(field, try admin.callResult("department.create", .object(params)), "\(settings)")
            params["id"] = "sales"
            assertInvalid(field, try admin.callResult("department.update", .object(params)), "\(settings)")
        }
        XCTAssertEqual(try admin.call("department.list").list("departments").count, 2, "nothing was created")
        assertInvalid("requeueOnOffline", try admin.callResult("settings.update", ["requeueOnOffline": "some"]))
        assertInvalid("maxMissedOffers", try admin.callResult("settings.update", ["maxMissedOffers": -1]))
        let updated = try admin.call("settings.update", ["requeueOnOffline": "all", "maxMissedOffers": 0])
        XCTAssertEqual(updated["requeueOnOffline"], "all")
        XCTAssertEqual(updated["maxMissedOffers"], 0)
        let edited = try admin.call("department.update", ["id": "sales", "offerTimeout": 30, "wrapUp": 10])
        XCTAssertEqual(edited["offerTimeout"], 30)
        XCTAssertEqual(try admin.call("department.update", ["id": "sales", "offerTimeout": .null])["offerTimeout"],
                       .null, "null: back to direct assignment")
        let ana = try staff("ana", ["sales"])
        let waiting = try bot.openChat("o-12", department: "sales")
        assertError(1010, try ana.client.callResult("conversation.accept", ["id": .int(waiting.id)]), "not offered")
        assertError(1004, try ana.client.callResult("conversation.accept", ["id": 999_999]))
    }
}

/// Offers and wrap-ups outstanding across a restart and a SIGKILL.
final class OfferRestartTests: XCTestCase {
    func testARunOfMissedOffersCarriesOverARestart() throws {
        let daemon = try TestDaemon(["durability": "full"])
        let admin = try daemon.admin()
        let bot = try daemon.bot()
        // 10 s: the restart and the login again fit well inside the second offer (only an offer whose attendant is
        // connected when it runs out is a miss).
        try admin.call("department.create", ["id": "short", "name": "Short", "offerTimeout": 10])
        try admin.call("settings.update", ["maxMissedOffers": 2])
        _ = try admin.createAttendant("ana@example.com", departments: ["short"])
        let session = try daemon.attendant(login: "ana@example.com")
        let chat = try bot.openChat("m-1", phone: "11900000011", department: "short")
        XCTAssertEqual(chat["state"], "offered")
        XCTAssertEqual(try expectEvent(session, "conversation.revoked", timeout: 25)["reason"], "offer-expired")
        XCTAssertEqual(try expectEvent(session, "conversation.offered")["conversation"]?.id, chat.id,
                       "one offer missed; nobody else: offered again")

        try daemon.restart()
        let back = try daemon.attendant(login: "ana@example.com")
        // The second offer runs out with ana connected again: with the first one remembered, that makes two, and
        // she turns away in the same turn (a run started over would offer the chat a third time instead).
        XCTAssertEqual(try expectEvent(back, "conversation.revoked", timeout: 25)["reason"], "offer-expired")
        let presence = try expectEvent(back, "presence.changed", timeout: 2)
        XCTAssertEqual(presence["presence"], "away")
        XCTAssertEqual(presence["reason"], "missed-offers")
        XCTAssertEqual(try daemon.admin().call("conversation.get", ["id": .int(chat.id)])["state"], "queued")
    }

    func testOffersAndWrapUpsSurviveARestartAndAKill() throws {
        let daemon = try TestDaemon(["durability": "full"])
        let admin = try daemon.admin()
        let bot = try daemon.bot()
        try admin.call("department.create", ["id": "long", "name": "Long", "offerTimeout": 3600])
        try admin.call("department.create", ["id": "short", "name": "Short", "offerTimeout": 5])
        try admin.call("department.create", ["id": "wrap", "name": "Wrap", "wrapUp": 900])
        let ana = try admin.createAttendant("ana@example.com", departments: ["long", "short", "wrap"])
        let session = try daemon.attendant(login: "ana@example.com")
        let kept = try bot.openChat("r-1", phone: "11900000001", department: "long")
        let expiring = try bot.openChat("r-2", phone: "11900000002", department: "short")
        let wrapped = try bot.openChat("r-3", phone: "11900000003", department: "wrap")
        let closed = try session.call("conversation.close", ["id": .int(wrapped.id)])
        XCTAssertEqual(expiring["state"], "offered")

        try daemon.restart()
        var admin2 = try daemon.admin()
        XCTAssertEqual(try admin2.call("conversation.get", ["id": .int(kept.id)])["offerExpiresAt"],
                       kept["offerExpiresAt"], "the offer and its deadline come back")
        XCTAssertEqual(try admin2.call("attendant.get", ["id": .int(ana)])["wrappingChats"], 1)
        XCTAssertEqual(try admin2.call("attendant.get", ["id": .int(ana)])["openChats"], 2)

        daemon.kill()
        // The short offer runs out while the daemon is down; the first tick after the start handles it.
        let text = try XCTUnwrap(expiring["offerExpiresAt"]?.stringValue)
        let expires = try XCTUnwrap(Instant(iso8601: text))
        while Instant(millis: Int64(Date().timeIntervalSince1970 * 1000)) <= expires { usleep(100_000) }
        try daemon.start()
        admin2 = try daemon.admin()
        try eventually("the expired offer is handled at start") {
            try admin2.call("conversation.get", ["id": .int(expiring.id)])["state"] == "queued"
        }
        XCTAssertEqual(try admin2.call("conversation.get", ["id": .int(kept.id)])["state"], "offered")
        let wrapping = try admin2.call("conversation.get", ["id": .int(wrapped.id)])
        XCTAssertEqual(wrapping["wrapUpUntil"], closed["wrapUpUntil"])
        XCTAssertEqual(try admin2.call("attendant.get", ["id": .int(ana)])["wrappingChats"], 1)
        let events = try admin2.call("conversation.explain", ["id": .int(expiring.id)]).list("events")
        XCTAssertEqual(events.map { $0["outcome"] }, ["expired"])
    }
}
