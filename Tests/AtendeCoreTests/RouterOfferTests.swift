// Router offers, reply timeouts, presence grace and wrap-up, as tables of events and outcomes: an offer holds a
// slot until accepted, declined or expired; a chat taken back returns to its original place and passes its
// attendant over while anyone else is eligible; deadlines come from the one heap, applied by tick(now:).

import XCTest
@testable import AtendeCore

extension Array where Element == RouterEffect {
    /// The offers among the effects, as "chat → attendant" pairs.
    var offers: [Assignment] {
        compactMap { effect in
            guard case .offered(let conversation) = effect, let attendant = conversation.attendantId else { return nil }
            return Assignment(conversation.id, attendant)
        }
    }

    /// The revocations among the effects: (chat, attendant, reason).
    var revocations: [String] {
        compactMap { effect in
            guard case .revoked(let conversation, let from, let reason) = effect else { return nil }
            return "\(conversation.id)←\(from) \(reason.rawValue)"
        }
    }
}

final class RouterOfferTests: RouterTestCase {
    func sales(offer: Int64? = 30, reply: Int64? = nil, wrapUp: Int64 = 0, strategy: Strategy = .leastBusy)
        -> Department {
        Department(id: "sales", name: "Sales", strategy: strategy, offerTimeout: offer, replyTimeout: reply,
                   wrapUp: wrapUp)
    }

    func seconds(_ count: Int64) -> Int64 { count * 1000 }

    func testAnAutomaticAssignmentIsAnOfferHoldingOneSlot() {
        let router = router([sales()], [AttendantProfile(id: 1, departments: ["sales"], maxChats: 1)])
        _ = router.connect(1, now: noon)
        let effects = open(router, [chat(1, "sales"), chat(2, "sales")])
        XCTAssertEqual(effects.offers, [Assignment(1, 1)])
        XCTAssertEqual(effects.assignments, [], "an offer is no assignment")
        XCTAssertEqual(router.conversation(1)?.state, .offered)
        XCTAssertEqual(router.conversation(1)?.offerExpiresAt, noon + seconds(30))
        XCTAssertEqual(router.openChats(of: 1), 1, "the offer holds the only slot")
        XCTAssertEqual(waiting(router, "sales"), [2])
        XCTAssertEqual(router.nextDeadline, noon + seconds(30))
    }

    func testAcceptAssignsAndOnlyTheOfferedAttendantMayAccept() {
        let router = router([sales()], [AttendantProfile(id: 1, departments: ["sales"]),
                                        AttendantProfile(id: 2, departments: ["sales"])])
        _ = router.connect(1, now: noon)
        open(router, [chat(1, "sales")])
        _ = router.connect(2, now: noon)
        assertRefused(.forbidden, router, "another's offer") { () throws in
            try router.accept(1, by: 2, now: self.noon + 1000)
        }
        assertRefused(.invalidState, router, "expired offer") { () throws in
            try router.accept(1, by: 1, now: self.noon + self.seconds(30))
        }
        let accepted = ok { try router.accept(1, by: 1, now: noon + 5000) }
        XCTAssertEqual(accepted.assignments, [Assignment(1, 1)])
        XCTAssertEqual(router.conversation(1)?.state, .assigned)
        XCTAssertEqual(router.conversation(1)?.assignedAt, noon + 5000)
        XCTAssertNil(router.conversation(1)?.offerExpiresAt)
        XCTAssertNil(router.nextDeadline, "no offer left to expire")
        assertRefused(.invalidState, router, "accept twice") { () throws in
            try router.accept(1, by: 1, now: self.noon + 6000)
        }
        assertRefused(.invalidState, router, "decline an assigned chat") { () throws in
            try router.decline(1, by: 1, now: self.noon + 6000)
        }
    }

    func testADeclinedChatPassesItsAttendantOverWhileAnyoneElseIsEligible() {
        let router = router([sales()], [AttendantProfile(id: 1, departments: ["sales"]),
                                        AttendantProfile(id: 2, departments: ["sales"])])
        _ = router.connect(2, now: noon)
        open(router, [chat(10, "sales")])
        _ = ok { try router.accept(10, by: 2, now: noon + 1000) }
        _ = router.connect(1, now: noon + 2000)
        XCTAssertEqual(open(router, [chat(1, "sales")], from: noon + 3000).offers, [Assignment(1, 1)],
                       "least busy")
        let declined = ok { try router.decline(1, by: 1, now: noon + 4000) }
        XCTAssertEqual(declined.offers, [Assignment(1, 2)], "1 has fewer chats but declined this one")
        XCTAssertEqual(router.conversation(1)?.passedOver, [1])
        XCTAssertEqual(router.conversation(1)?.queuedAt, noon + 3000, "its original queuedAt")
        let again = ok { try router.decline(1, by: 2, now: noon + 5000) }
        XCTAssertEqual(again.offers, [Assignment(1, 1)], "everyone passed over: back to the strategy's pick")
        _ = ok { try router.accept(1, by: 1, now: noon + 6000) }
        XCTAssertEqual(router.conversation(1)?.passedOver, [], "spent once assigned")
    }

    func testATakenBackChatReturnsToItsOriginalPlace() {
        let router = router([sales()], [AttendantProfile(id: 1, departments: ["sales"], maxChats: 1)])
        _ = router.connect(1, now: noon)
        open(router, [chat(1, "sales"), chat(2, "sales"), chat(3, "sales")])
        XCTAssertEqual(waiting(router, "sales"), [2, 3])
        let gone = router.disconnect(1, now: noon + 5000)
        XCTAssertEqual(gone.revocations, ["1←1 offline"], "offers go back at once")
        XCTAssertEqual(waiting(router, "sales"), [1, 2, 3])
        XCTAssertEqual(router.waitingCount(in: "sales"), 3)
        XCTAssertEqual(router.conversation(1)?.queuedAt, noon)
        XCTAssertEqual(router.openChats(of: 1), 0)
    }

    func testExpiryReturnsTheChatAndMissedOffersTurnTheAttendantAway() {
        let router = router([sales(offer: 10)], [AttendantProfile(id: 1, departments: ["sales"], maxChats: 1)])
        router.maxMissedOffers = 2
        _ = router.connect(1, now: noon)
        open(router, [chat(1, "sales")])
        XCTAssertEqual(router.tick(now: noon + (seconds(10) - 1)), [], "not yet")
        let first = router.tick(now: noon + seconds(10))
        XCTAssertEqual(first.revocations, ["1←1 offer-expired"])
        XCTAssertEqual(first.offers, [Assignment(1, 1)], "nobody else: offered again")
        XCTAssertTrue(first.contains(.missedOffersChanged(1, count: 1)), "the run is persisted")
        XCTAssertEqual(router.presence(of: 1), .online)
        let second = router.tick(now: noon + seconds(20))
        XCTAssertEqual(second.revocations, ["1←1 offer-expired"])
        XCTAssertTrue(second.contains(.presenceChanged(1, .away, reason: "missed-offers")))
        XCTAssertTrue(second.contains(.missedOffersChanged(1, count: 0)), "turned away: the run starts over")
        XCTAssertEqual(router.presence(of: 1), .away)
        XCTAssertEqual(waiting(router, "sales"), [1], "no offer to an away attendant")
        XCTAssertEqual(ok { try router.take(1, by: 1, now: noon + seconds(21)) }.assignments, [Assignment(1, 1)],
                       "take assigns at once, without an offer")
    }

    /// Turned away for missed offers, the attendant gives back every other offer it holds at once: none of them
    /// keeps its chat waiting for the rest of its offer time (they go to the queue, or to anyone else eligible).
    func testTurnedAwayForMissedOffersTheOtherOffersGoBackAtOnce() {
        let router = router([sales(offer: 60)], [AttendantProfile(id: 1, departments: ["sales"], maxChats: 3),
                                                 AttendantProfile(id: 2, departments: ["sales"], maxChats: 1)])
        router.maxMissedOffers = 2
        _ = router.connect(1, now: noon)
        open(router, [chat(1, "sales")])
        open(router, [chat(2, "sales")], from: noon + 300)
        open(router, [chat(3, "sales")], from: noon + 600)
        XCTAssertEqual(router.openChats(of: 1), 3)
        _ = router.tick(now: noon + seconds(60))  // chat 1's offer runs out, and comes straight back to 1
        XCTAssertEqual(router.conversation(1)?.attendantId, 1)
        let second = router.tick(now: noon + 300 + seconds(60))  // chat 2's: the second miss in a row
        XCTAssertTrue(second.contains(.presenceChanged(1, .away, reason: "missed-offers")))
        XCTAssertEqual(second.revocations, ["2←1 offer-expired", "1←1 away", "3←1 away"],
                       "the offers still held go back in queue order")
        XCTAssertEqual(router.openChats(of: 1), 0)
        XCTAssertEqual(waiting(router, "sales"), [1, 2, 3], "each in its original place")
        XCTAssertNil(router.nextDeadline, "no offer left to run out")
        // Someone else comes: the queue goes to it, not back to the away attendant.
        _ = router.connect(2, now: noon + seconds(61))
        XCTAssertEqual(router.conversation(1)?.attendantId, 2)
        XCTAssertEqual(router.conversation(1)?.state, .offered)
    }

    func testAnAcceptOrPresenceSetResetsTheMissedCount() {
        let router = router([sales(offer: 10)], [AttendantProfile(id: 1, departments: ["sales"], maxChats: 1)])
        router.maxMissedOffers = 2
        _ = router.connect(1, now: noon)
        open(router, [chat(1, "sales")])
        _ = router.tick(now: noon + seconds(10))
        XCTAssertTrue(router.setPresence(1, online: true, now: noon + seconds(11))
            .contains(.missedOffersChanged(1, count: 0)))
        XCTAssertFalse(router.setPresence(1, online: true, now: noon + seconds(12))
            .contains { if case .missedOffersChanged = $0 { true } else { false } }, "no run: nothing to persist")
        let tick = router.tick(now: noon + seconds(20))
        XCTAssertFalse(tick.contains(.presenceChanged(1, .away, reason: "missed-offers")))
        XCTAssertEqual(router.presence(of: 1), .online)
        // An accept ends a run too (the chat offered again after the expiry at 20 s).
        let accepted = ok { try router.accept(1, by: 1, now: noon + seconds(21)) }
        XCTAssertTrue(accepted.contains(.missedOffersChanged(1, count: 0)))
    }

    func testARunOfMissedOffersCarriesOverARestart() {
        let router = router([sales(offer: 10)], [AttendantProfile(id: 1, departments: ["sales"], maxChats: 1)])
        router.maxMissedOffers = 2
        router.finishRestore(wrapping: [], graces: [:], missedOffers: [1: 1])
        _ = router.connect(1, now: noon)
        open(router, [chat(1, "sales")])
        let tick = router.tick(now: noon + seconds(10))
        XCTAssertTrue(tick.contains(.presenceChanged(1, .away, reason: "missed-offers")),
                      "one missed before the restart and one after make two")
    }

    func testADeclineRacingTheExpiryLosesToIt() {
        let router = router([sales(offer: 10)], [AttendantProfile(id: 1, departments: ["sales"], maxChats: 1)])
        router.maxMissedOffers = 0
        _ = router.connect(1, now: noon)
        open(router, [chat(1, "sales")])
        let at = noon + seconds(10)
        assertRefused(.invalidState, router, "decline at the expiry") { () throws in
            try router.decline(1, by: 1, now: at)
        }
        let tick = router.tick(now: at)
        XCTAssertEqual(tick.revocations, ["1←1 offer-expired"], "exactly one of them took effect")
        XCTAssertEqual(tick.compactMap { if case .noted(let n) = $0 { return n.outcome } else { return nil } },
                       ["expired"])
    }

    func testCloseOrTransferWhileOfferedRescinds() {
        let router = router([sales(), Department(id: "support", name: "Support")],
                            [AttendantProfile(id: 1, departments: ["sales"], maxChats: 1)])
        _ = router.connect(1, now: noon)
        open(router, [chat(1, "sales"), chat(2, "sales")])
        assertRefused(.forbidden, router, "the attendant may not close an offer") { () throws in
            try router.close(1, by: .attendant(1), now: self.noon + 1000)
        }
        let closed = ok { try router.close(1, by: .bot, now: noon + 1000) }
        XCTAssertEqual(closed.revocations, ["1←1 rescinded"])
        XCTAssertEqual(closed.offers, [Assignment(2, 1)], "the slot is free at once")
        let moved = ok { try router.transfer(2, by: .admin, toDepartment: "support", toAttendant: nil,
                                             now: noon + 2000) }
        XCTAssertEqual(moved.revocations, ["2←1 rescinded"])
        XCTAssertEqual(waiting(router, "support"), [2])
        XCTAssertEqual(router.openChats(of: 1), 0)
        XCTAssertNil(router.nextDeadline)
    }

    func testReplyTimeoutTakesTheChatBackEveryTime() {
        let router = router([sales(offer: nil, reply: 60)], [AttendantProfile(id: 1, departments: ["sales"]),
                                                             AttendantProfile(id: 2, departments: ["sales"])])
        _ = router.connect(1, now: noon)
        _ = router.connect(2, now: noon + 1000)
        XCTAssertEqual(open(router, [chat(1, "sales")], from: noon + 2000).assignments, [Assignment(1, 1)])
        XCTAssertEqual(router.nextDeadline, noon + 2000 + seconds(60))
        let first = router.tick(now: noon + 2000 + seconds(60))
        XCTAssertEqual(first.revocations, ["1←1 reply-timeout"])
        XCTAssertEqual(first.assignments, [Assignment(1, 2)], "passed over: to the other attendant")
        let second = router.tick(now: noon + 2000 + seconds(120))
        XCTAssertEqual(second.revocations, ["1←2 reply-timeout"], "again, not once")
        XCTAssertEqual(second.assignments, [Assignment(1, 1)])
        XCTAssertEqual(router.noteReply(1, by: 1, now: noon + seconds(130)).count, 1)
        XCTAssertEqual(router.conversation(1)?.firstReplyAt, noon + seconds(130))
        XCTAssertNil(router.nextDeadline, "a reply ends the timeout")
        XCTAssertEqual(router.noteReply(1, by: 1, now: noon + seconds(131)), [], "later replies change nothing")
    }

    func testPresenceGraceKeepsChatsOnlyWhileItRuns() {
        let router = router([sales(offer: nil)], [AttendantProfile(id: 1, departments: ["sales"])])
        router.presenceGrace = seconds(60)
        _ = router.connect(1, now: noon)
        open(router, [chat(1, "sales"), chat(2, "sales")])
        _ = router.noteReply(2, by: 1, now: noon + 5000)
        _ = router.disconnect(1, now: noon + 10_000)
        XCTAssertEqual(router.presence(of: 1), .offline)
        XCTAssertEqual(router.nextDeadline, noon + 10_000 + seconds(60))
        _ = router.connect(1, now: noon + 20_000)
        XCTAssertNil(router.nextDeadline, "back within the grace: everything stays")
        _ = router.disconnect(1, now: noon + 30_000)
        let late = router.tick(now: noon + 30_000 + seconds(60))
        XCTAssertEqual(late.revocations, ["1←1 offline"], "unanswered ones only")
        XCTAssertEqual(router.conversation(2)?.attendantId, 1)
        XCTAssertEqual(waiting(router, "sales"), [1])
        XCTAssertNil(router.conversation(1)?.assignedAt, "a waiting chat has no attendant's time")
        XCTAssertNotNil(router.conversation(2)?.assignedAt)
    }

    /// After a restart nobody is connected and no grace runs (the daemon left, not the attendants): each attendant
    /// that holds chats gets the grace from the start. One that connects within it keeps everything; one that does
    /// not loses its offers, and its assigned chats as `requeueOnOffline` says.
    func testAfterARestartTheGraceRunsFromTheStart() {
        let departments = [sales(offer: 3600), Department(id: "help", name: "Help")]
        let people = [AttendantProfile(id: 1, departments: ["sales", "help"]), AttendantProfile(id: 2, departments: [])]
        let before = router(departments, people)
        _ = before.connect(1, now: noon)
        open(before, [chat(1, "sales"), chat(2, "help"), chat(3, "help")])
        _ = before.noteReply(3, by: 1, now: noon + 1000)
        XCTAssertEqual([1, 2, 3].map { before.conversation($0)?.state }, [.offered, .assigned, .assigned])
        let start = noon + seconds(5)
        let cases: [(RequeueOnOffline, [String])] = [(.unanswered, ["1←1 offline", "2←1 offline"]),
                                                     (.all, ["1←1 offline", "2←1 offline", "3←1 offline"]),
                                                     (.none, ["1←1 offline"])]
        for (setting, expected) in cases {
            let after = Router()
            after.restore(departments: departments, attendants: people,
                          conversations: [1, 2, 3].compactMap { before.conversation($0) }, now: start)
            after.presenceGrace = seconds(60)
            after.requeueOnOffline = setting
            XCTAssertEqual(after.startGracesAfterRestart(now: start), [.graceChanged(1, until: start + seconds(60))],
                           "only the attendant that holds chats")
            XCTAssertEqual(after.startGracesAfterRestart(now: start + 1), [], "started once")
            XCTAssertEqual(after.tick(now: start + seconds(59)).revocations, [], "\(setting): within the grace")
            let late = after.tick(now: start + seconds(60))
            XCTAssertEqual(late.revocations, expected, "\(setting)")
            XCTAssertTrue(late.contains(.graceChanged(1, until: nil)))
            XCTAssertEqual(waiting(after, "sales"), [1], "the offer is back in its queue")
        }
        let back = Router()
        back.restore(departments: departments, attendants: people,
                     conversations: [1, 2, 3].compactMap { before.conversation($0) }, now: start)
        back.presenceGrace = seconds(60)
        _ = back.startGracesAfterRestart(now: start)
        XCTAssertTrue(back.connect(1, now: start + seconds(10)).contains(.graceChanged(1, until: nil)))
        XCTAssertEqual(back.tick(now: start + seconds(60)).revocations, [], "back within the grace: everything stays")
        XCTAssertEqual([1, 2, 3].map { back.conversation($0)?.attendantId }, [1, 1, 1])
    }

    func testRequeueOnOfflineAllAndNone() {
        for (setting, expected) in [(RequeueOnOffline.all, ["1←1 offline", "2←1 offline"]), (.none, [])] {
            let router = router([sales(offer: nil)], [AttendantProfile(id: 1, departments: ["sales"])])
            router.requeueOnOffline = setting
            router.presenceGrace = 0
            _ = router.connect(1, now: noon)
            open(router, [chat(1, "sales"), chat(2, "sales")])
            _ = router.noteReply(2, by: 1, now: noon + 5000)
            var effects = router.disconnect(1, now: noon + 10_000)
            effects += router.tick(now: noon + 10_000)
            XCTAssertEqual(effects.revocations, expected, "\(setting)")
        }
    }

    func testWrapUpHoldsTheSlotUntilItEndsOrIsFinished() {
        let router = router([sales(offer: nil, wrapUp: 30)],
                            [AttendantProfile(id: 1, departments: ["sales"], maxChats: 1)])
        _ = router.connect(1, now: noon)
        open(router, [chat(1, "sales"), chat(2, "sales"), chat(3, "sales")])
        let closed = ok { try router.close(1, by: .attendant(1), now: noon + 5000) }
        XCTAssertEqual(closed.assignments, [], "the wrap-up holds the slot")
        XCTAssertEqual(router.wrappingChats(of: 1), 1)
        XCTAssertEqual(router.wrappingChat(1)?.wrapUpUntil, noon + 5000 + seconds(30))
        let ended = router.tick(now: noon + 5000 + seconds(30))
        XCTAssertEqual(ended.assignments, [Assignment(2, 1)])
        XCTAssertTrue(ended.contains { if case .wrapUpEnded(let c) = $0 { return c.id == 1 && c.wrapUpUntil == nil }
                                       return false })
        _ = ok { try router.close(2, by: .bot, now: noon + seconds(40)) }
        assertRefused(.forbidden, router, "another's wrap-up") { () throws in
            try router.finishWrapUp(2, by: 9, now: self.noon + self.seconds(41))
        }
        XCTAssertEqual(ok { try router.finishWrapUp(2, by: 1, now: noon + seconds(41)) }.assignments,
                       [Assignment(3, 1)])
        assertRefused(.invalidState, router, "finished already") { () throws in
            try router.finishWrapUp(2, by: 1, now: self.noon + self.seconds(42))
        }
    }

    func testAReturningContactIsOfferedToItsLastAttendantFirst() {
        let router = router([sales()], [AttendantProfile(id: 1, departments: ["sales"]),
                                        AttendantProfile(id: 2, departments: ["sales"])])
        _ = router.connect(1, now: noon)
        _ = router.connect(2, now: noon + 1000)
        open(router, [chat(9, "sales")], from: noon + 2000)
        _ = ok { try router.accept(9, by: 1, now: noon + 3000) }
        let effects = open(router, [chat(1, "sales", preferred: 1)], from: noon + 4000)
        XCTAssertEqual(effects.offers, [Assignment(1, 1)], "least busy would pick 2")
    }

    func testRestoredOffersAndWrapUpsGetTheirDeadlinesBack() {
        var offered = chat(1, "sales")
        offered.state = .offered
        offered.attendantId = 1
        offered.queuedAt = noon
        offered.queueSeq = 1
        offered.offeredAt = noon
        offered.offerExpiresAt = noon + seconds(30)
        var wrapping = chat(2, "sales")
        wrapping.state = .closed
        wrapping.attendantId = 1
        wrapping.closedAt = noon
        wrapping.wrapUpUntil = noon + seconds(20)
        let router = Router()
        router.maxMissedOffers = 2
        router.restore(departments: [sales()], attendants: [AttendantProfile(id: 1, departments: ["sales"],
                                                                             maxChats: 2)],
                       conversations: [offered], wrapping: [wrapping], missedOffers: [1: 1], now: noon + seconds(60))
        XCTAssertEqual(router.openChats(of: 1), 1)
        XCTAssertEqual(router.wrappingChats(of: 1), 1)
        XCTAssertEqual(router.nextDeadline, noon + seconds(20), "both ran out while the daemon was down")
        let effects = router.tick(now: noon + seconds(60))
        XCTAssertEqual(effects.revocations, ["1←1 offer-expired"])
        XCTAssertEqual(router.wrappingChats(of: 1), 0)
        XCTAssertEqual(waiting(router, "sales"), [1], "nobody is connected after a restart")
        XCTAssertFalse(effects.contains { if case .missedOffersChanged = $0 { true } else { false } },
                       "an offer that ran out while the daemon was down is no miss of its attendant")
        XCTAssertFalse(effects.contains(.presenceChanged(1, .away, reason: "missed-offers")))
        XCTAssertFalse(router.prefersAway(1))
    }

    func testABurstOfExpiriesIsSpreadOverTurns() {
        // One attendant: once it turns away (one missed offer), nobody can take the chats that come back, so
        // each tick only returns them.
        let router = router([sales(offer: 10)], [AttendantProfile(id: 1, departments: ["sales"], maxChats: 1500)])
        router.maxMissedOffers = 1
        _ = router.connect(1, online: false, now: noon)
        for id in 1...ConversationID(1500) { _ = try? router.open(chat(id, "sales"), now: noon) }
        _ = router.setPresence(1, online: true, now: noon)
        XCTAssertEqual(router.openChats(of: 1), 1500, "all offered in one instant")
        let first = router.tick(now: noon + seconds(10))
        XCTAssertEqual(first.revocations.count, Router.deadlinesPerTurn)
        XCTAssertEqual(router.nextDeadline, noon + seconds(10), "the rest is still due: the daemon ticks again")
        var revoked = first.revocations.count
        var ticks = 1
        while router.nextDeadline != nil && ticks < 100 {
            let next = router.tick(now: noon + seconds(10))
            XCTAssertLessThanOrEqual(next.revocations.count, Router.deadlinesPerTurn)
            revoked += next.revocations.count
            ticks += 1
        }
        XCTAssertEqual(revoked, 1500)
        XCTAssertEqual(ticks, (1500 + Router.deadlinesPerTurn - 1) / Router.deadlinesPerTurn)
        XCTAssertEqual(router.waitingCount(in: "sales"), 1500)
        XCTAssertEqual(waiting(router, "sales"), Array(1...1500), "every chat back in its place")
    }
}
