// Router: eligibility, queue order, the life of a chat (open, route, close, remove), recovery and department
// removal. Each eligibility condition is a row: the attendant starts ineligible for one reason, chats
// wait, then one event flips the condition and the waiting chats must flow at once, in arrival order.
// Strategies live in RouterStrategyTests, transfers in RouterTransferTests, working hours in RouterHoursTests,
// refusals in RouterRefusalTests.

import XCTest
@testable import AtendeCore

final class RouterTests: RouterTestCase {
    let sales = Department(id: "sales", name: "Sales")

    // MARK: - Eligibility

    struct EligibilityCase {
        var name: String
        var department = Department(id: "sales", name: "Sales")
        var profile: AttendantProfile
        /// Runs after the attendant exists and before chats 1 and 2 are opened.
        var before: (Router, Instant) -> Void
        /// The event that makes the attendant eligible again.
        var flip: (Router, Instant) -> [RouterEffect]
        /// The chats that must be assigned to attendant 1 by the flip, in order.
        var flows: [ConversationID]
    }

    var eligibilityCases: [EligibilityCase] {
        let hours = hours("America/Sao_Paulo", days: ["thu"], [["12:01", "18:00"]])
        let anyone = AttendantProfile(id: 1, departments: ["sales"])
        return [
            EligibilityCase(
                name: "inactive", profile: AttendantProfile(id: 1, active: false, departments: ["sales"]),
                before: { router, now in _ = router.connect(1, now: now) },
                flip: { router, now in
                    router.upsertAttendant(AttendantProfile(id: 1, departments: ["sales"]), now: now)
                },
                flows: [1, 2]),
            EligibilityCase(
                name: "not connected", profile: anyone,
                before: { _, _ in },
                flip: { router, now in router.connect(1, now: now) },
                flows: [1, 2]),
            EligibilityCase(
                name: "disconnected again", profile: anyone,
                before: { router, now in
                    _ = router.connect(1, now: now)
                    _ = router.connect(1, now: now)
                    _ = router.disconnect(1, now: now)
                    _ = router.disconnect(1, now: now)
                },
                flip: { router, now in router.connect(1, now: now) },
                flows: [1, 2]),
            EligibilityCase(
                name: "away", profile: anyone,
                before: { router, now in
                    _ = router.connect(1, now: now)
                    _ = router.setPresence(1, online: false, now: now)
                },
                flip: { router, now in router.setPresence(1, online: true, now: now) },
                flows: [1, 2]),
            EligibilityCase(
                name: "away, then a new session logs in", profile: anyone,
                before: { router, now in
                    _ = router.connect(1, now: now)
                    _ = router.setPresence(1, online: false, now: now)
                },
                flip: { router, now in router.connect(1, now: now) },
                flows: [1, 2]),
            EligibilityCase(
                name: "outside hours", profile: AttendantProfile(id: 1, departments: ["sales"], hours: hours),
                before: { router, now in _ = router.connect(1, now: now) },
                flip: { router, now in
                    XCTAssertEqual(router.nextDeadline, now, "the hours start at 12:01")
                    return router.tick(now: now)
                },
                flows: [1, 2]),
            EligibilityCase(
                name: "not serving the department", profile: AttendantProfile(id: 1, departments: ["support"]),
                before: { router, now in _ = router.connect(1, now: now) },
                flip: { router, now in
                    router.upsertAttendant(AttendantProfile(id: 1, departments: ["support", "sales"]), now: now)
                },
                flows: [1, 2]),
            EligibilityCase(
                name: "at capacity, one chat closes", profile: AttendantProfile(id: 1, departments: ["sales"],
                                                                                maxChats: 1),
                before: { router, now in
                    _ = router.connect(1, now: now)
                    _ = try? router.open(self.chat(100, "sales"), now: now)
                },
                flip: { router, now in (try? router.close(100, by: .attendant(1), now: now)) ?? [] },
                flows: [1]),
            EligibilityCase(
                name: "at capacity, maxChats raised", profile: AttendantProfile(id: 1, departments: ["sales"],
                                                                                maxChats: 1),
                before: { router, now in
                    _ = router.connect(1, now: now)
                    _ = try? router.open(self.chat(100, "sales"), now: now)
                },
                flip: { router, now in
                    router.upsertAttendant(AttendantProfile(id: 1, departments: ["sales"], maxChats: 3), now: now)
                },
                flows: [1, 2]),
            EligibilityCase(
                name: "manual department made automatic",
                department: Department(id: "sales", name: "Sales", strategy: .manual), profile: anyone,
                before: { router, now in _ = router.connect(1, now: now) },
                flip: { router, now in router.upsertDepartment(self.sales, now: now) },
                flows: [1, 2]),
        ]
    }

    func testEachIneligibleReasonHoldsChatsAndFlippingItMakesThemFlowAtOnce() {
        for row in eligibilityCases {
            let router = router([row.department, Department(id: "support", name: "Support")], [row.profile])
            row.before(router, noon)
            let opened = open(router, [chat(1, "sales"), chat(2, "sales")], from: noon + 2000)
            XCTAssertEqual(opened.assignments, [], row.name)
            XCTAssertFalse(router.isEligible(1, for: "sales") && row.department.strategy != .manual, row.name)
            XCTAssertEqual(waiting(router, "sales"), [1, 2], row.name)

            let effects = row.flip(router, noon + 60_000)
            XCTAssertEqual(effects.assignments, row.flows.map { Assignment($0, 1) }, row.name)
            XCTAssertEqual(waiting(router, "sales"), [1, 2].filter { !row.flows.contains($0) }, row.name)
            for id in row.flows {
                XCTAssertEqual(router.conversation(id)?.state, .assigned, row.name)
                XCTAssertEqual(router.conversation(id)?.assignedAt, noon + 60_000, row.name)
            }
        }
    }

    func testDisconnectingOneOfTwoSessionsKeepsTheAttendantOnline() {
        let router = router([sales], [AttendantProfile(id: 1, departments: ["sales"])])
        _ = router.connect(1, now: noon)
        _ = router.connect(1, now: noon)
        XCTAssertEqual(router.disconnect(1, now: noon).assignments, [])
        XCTAssertEqual(router.presence(of: 1), .online)
        XCTAssertEqual(open(router, [chat(1, "sales")]).assignments, [Assignment(1, 1)])
        _ = router.disconnect(1, now: noon)
        XCTAssertEqual(router.presence(of: 1), .offline)
        XCTAssertEqual(open(router, [chat(2, "sales")]).assignments, [])
        XCTAssertEqual(router.conversation(1)?.attendantId, 1, "open chats stay the attendant's own")
        XCTAssertEqual(router.disconnect(1, now: noon), [], "a disconnect without a session is ignored")
        XCTAssertEqual(router.presence(of: 1), .offline)
    }

    func testDeactivatingKeepsOpenChatsButStopsNewOnes() {
        let router = router([sales], [AttendantProfile(id: 1, departments: ["sales"])])
        _ = router.connect(1, now: noon)
        open(router, [chat(1, "sales")])
        _ = router.upsertAttendant(AttendantProfile(id: 1, active: false, departments: ["sales"]), now: noon)
        XCTAssertEqual(open(router, [chat(2, "sales")]).assignments, [])
        XCTAssertEqual(router.assigned(to: 1).map(\.id), [1])
    }

    // MARK: - Queue order

    func testQueueIsFirstInFirstOut() {
        let router = router([sales], [AttendantProfile(id: 1, departments: ["sales"], maxChats: 4)])
        open(router, (1...6).map { chat($0, "sales") })
        XCTAssertEqual(waiting(router, "sales"), [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(router.connect(1, now: noon + 60_000).assignments, (1...4).map { Assignment($0, 1) })
        XCTAssertEqual(waiting(router, "sales"), [5, 6])
        XCTAssertEqual(router.assigned(to: 1).map(\.id), [1, 2, 3, 4])
        XCTAssertEqual(ok { try router.close(3, by: .bot, now: noon + 70_000) }.assignments, [Assignment(5, 1)])
    }

    func testAnAttendantOfSeveralQueuesGetsTheOldestChatAmongThemFirst() {
        let support = Department(id: "support", name: "Support")
        let router = router([sales, support], [AttendantProfile(id: 1, departments: ["sales", "support"],
                                                                maxChats: 3)])
        open(router, [chat(1, "support"), chat(2, "sales"), chat(3, "support"), chat(4, "sales")])
        XCTAssertEqual(router.connect(1, now: noon + 60_000).assignments,
                       [Assignment(1, 1), Assignment(2, 1), Assignment(3, 1)])
        XCTAssertEqual(waiting(router, "sales"), [4])
    }

    func testRouteMovesPotentialsAndKeepsThePlaceOfAChatAlreadyThere() {
        let support = Department(id: "support", name: "Support")
        let router = router([sales, support], [])
        open(router, [chat(1), chat(2), chat(3, "sales"), chat(4)])
        XCTAssertEqual(router.potentialList().map(\.id), [1, 2, 4])
        XCTAssertEqual(router.potentialCount, 3)

        _ = ok { try router.route(2, to: "sales", now: noon + 10_000) }
        _ = ok { try router.route(1, to: "sales", now: noon + 11_000) }
        XCTAssertEqual(waiting(router, "sales"), [3, 2, 1])
        XCTAssertEqual(router.conversation(1)?.queuedAt, noon + 11_000)
        XCTAssertEqual(router.potentialList().map(\.id), [4])

        XCTAssertEqual(ok { try router.route(3, to: "sales", now: noon + 12_000) }, [], "already there")
        XCTAssertEqual(waiting(router, "sales"), [3, 2, 1])

        let moved = ok { try router.route(3, to: "support", now: noon + 13_000) }
        XCTAssertTrue(moved.contains(.queueChanged("sales")) && moved.contains(.queueChanged("support")))
        XCTAssertEqual(waiting(router, "sales"), [2, 1])
        XCTAssertEqual(waiting(router, "support"), [3])
        XCTAssertEqual(router.waitingCount(in: "sales"), 2)
    }

    // MARK: - Closing and removing

    func testCloseFreesTheSlotAndReportsWhoHadTheChat() {
        let router = router([sales], [AttendantProfile(id: 1, departments: ["sales"], maxChats: 1)])
        _ = router.connect(1, now: noon)
        open(router, [chat(1, "sales"), chat(2, "sales"), chat(3)])
        let closing = noon + 60_000
        let effects = ok { try router.close(1, by: .attendant(1), now: closing) }
        XCTAssertEqual(router.conversation(2)?.attendantId, 1)
        XCTAssertTrue(effects.contains { effect in
            if case .closed(let chat, let previous) = effect {
                return chat.id == 1 && chat.state == .closed && chat.closedAt == closing && chat.attendantId == 1
                    && previous == 1
            }
            return false
        })
        XCTAssertEqual(effects.assignments, [Assignment(2, 1)])
        XCTAssertNil(router.conversation(1), "closed chats leave the router")
        XCTAssertNil(router.conversationID(externalId: "ext-1"))

        let potential = ok { try router.close(3, by: .bot, now: closing) }
        XCTAssertTrue(potential.contains { effect in
            if case .closed(let chat, nil) = effect { return chat.id == 3 }
            return false
        })
        XCTAssertEqual(router.potentialList().map(\.id), [])
        XCTAssertEqual(router.potentialCount, 0)
    }

    func testCloseSavesTheChatOnceChangingOnlyItsStateAndClosingTime() {
        // The daemon writes a close as an UPDATE of those two columns (Store.saveClosing): this is what lets it.
        let router = router([sales], [AttendantProfile(id: 1, departments: ["sales"], maxChats: 1)])
        _ = router.connect(1, now: noon)
        open(router, [chat(1, "sales"), chat(2, "sales"), chat(3, "sales"), chat(4)])
        let closing = noon + 60_000
        for (id, actor) in [(1, Actor.attendant(1)), (3, .admin), (4, .bot)] as [(ConversationID, Actor)] {
            guard var before = router.conversation(id) else { return XCTFail("chat \(id) is not open") }
            let effects = ok { try router.close(id, by: actor, now: closing) }
            let saves = effects.compactMap { effect -> Conversation? in
                if case .saved(let chat) = effect, chat.id == id { return chat }
                return nil
            }
            before.state = .closed
            before.closedAt = closing
            XCTAssertEqual(saves, [before], "chat \(id) (\(actor))")
        }
    }

    func testAdminClosesAWaitingChat() {
        let router = router([sales], [])
        open(router, [chat(1, "sales"), chat(2, "sales")])
        let effects = ok { try router.close(1, by: .admin, now: noon + 5000) }
        XCTAssertTrue(effects.contains(.queueChanged("sales")))
        XCTAssertEqual(waiting(router, "sales"), [2])
        XCTAssertEqual(router.waitingCount(in: "sales"), 1)
    }

    func testRemovePotential() {
        let router = router([sales], [])
        open(router, [chat(1), chat(2), chat(3, "sales")])
        let effects = ok { try router.removePotential(1, now: noon + 5000) }
        guard case .saved(let removed)? = effects.first else { return XCTFail("no saved effect: \(effects)") }
        XCTAssertEqual(removed.state, .removed)
        XCTAssertEqual(removed.closedAt, noon + 5000)
        XCTAssertEqual(router.potentialList().map(\.id), [2])
        XCTAssertNil(router.conversation(1))
        assertRefused(.invalidState, router, "a queued chat is no potential") {
            () throws in try router.removePotential(3, now: noon)
        }
        assertRefused(.notFound, router, "twice") { () throws in
            try router.removePotential(1, now: noon)
        }
    }

    func testReopeningAClosedExternalIdIsANewConversation() {
        let router = router([sales], [])
        open(router, [chat(1)])
        _ = ok { try router.close(1, by: .bot, now: noon) }
        var again = chat(2)
        again.externalId = "ext-1"
        XCTAssertNoThrow(try router.open(again, now: noon + 1000))
        XCTAssertEqual(router.conversationID(externalId: "ext-1"), 2)
    }

    /// The potentials list and manual queues are never drained from the head: chats leave them from anywhere.
    /// Their stale entries must still be dropped, or memory and every listing would grow with all past traffic.
    func testPotentialsAndManualQueuesDoNotKeepWhatLeftThem() {
        let router = router([Department(id: "vip", name: "VIP", strategy: .manual)],
                            [AttendantProfile(id: 1, departments: ["vip"])])
        _ = router.connect(1, now: noon)
        open(router, [chat(1), chat(2, "vip")])
        for id in ConversationID(10)..<5010 {
            let time = noon + id * 1000
            open(router, [chat(id)], from: time)
            _ = ok { try router.route(id, to: "vip", now: time) }
            _ = ok { try router.take(id, by: 1, now: time) }
            _ = ok { try router.close(id, by: .attendant(1), now: time) }
        }
        XCTAssertEqual(router.potentialList().map(\.id), [1])
        XCTAssertEqual(waiting(router, "vip"), [2])
        XCTAssertLessThan(router.potentials.storedCount, 2000, "potentials keep the entries of routed chats")
        XCTAssertLessThan(router.departments["vip"]!.queue.storedCount, 2000, "the queue keeps taken chats")
    }

    // MARK: - Recovery

    func testRestoreBringsQueuesBackInOrderWithTheirTimestamps() {
        let t = noon + (-3_600_000)
        func stored(_ id: ConversationID, _ state: ConversationState, _ department: String?, seq: Int64,
                    attendant: AttendantID? = nil) -> Conversation {
            Conversation(id: id, externalId: "ext-\(id)", contactPhone: "+5511987654321", department: department,
                         state: state, attendantId: attendant, openedAt: t + id,
                         queuedAt: state == .potential ? nil : t + seq * 1000,
                         assignedAt: state == .assigned ? t + seq * 1000 + 1 : nil, queueSeq: seq)
        }
        let conversations = [
            stored(5, .queued, "sales", seq: 9), stored(1, .potential, nil, seq: 3),
            stored(2, .queued, "sales", seq: 2), stored(3, .assigned, "sales", seq: 4, attendant: 1),
            stored(4, .potential, nil, seq: 1), stored(6, .queued, "sales", seq: 5),
            stored(7, .closed, "sales", seq: 12, attendant: 1), stored(8, .removed, nil, seq: 13),
        ]
        let router = Router()
        router.restore(departments: [sales], attendants: [AttendantProfile(id: 1, departments: ["sales"]),
                                                          AttendantProfile(id: 2, departments: ["sales"])],
                       conversations: conversations, now: noon)
        XCTAssertEqual(router.potentialList().map(\.id), [4, 1])
        XCTAssertEqual(waiting(router, "sales"), [2, 6, 5])
        XCTAssertEqual(router.waiting(in: "sales").map(\.queuedAt), [t + 2000, t + 5000, t + 9000])
        XCTAssertEqual(router.assigned(to: 1).map(\.id), [3])
        XCTAssertNil(router.conversation(7), "closed chats are not restored")
        XCTAssertNil(router.conversation(8))
        XCTAssertEqual(router.openConversations.count, 6)
        XCTAssertEqual(router.presence(of: 1), .offline, "nobody is online until they log in")
        XCTAssertEqual(router.presence(of: 2), .offline)
        XCTAssertEqual(router.stats(of: "sales", now: noon),
                       DepartmentStats(department: "sales", waiting: 3, oldestWaitSeconds: 3598, assigned: 1,
                                       attendantsOnline: 0))

        open(router, [chat(20, "sales")])
        XCTAssertEqual(waiting(router, "sales"), [2, 6, 5, 20], "a new chat joins behind the restored ones")
        XCTAssertGreaterThan(router.conversation(20)?.queueSeq ?? 0, 9)
        let flowed = router.connect(2, now: noon + 60_000)
        XCTAssertEqual(flowed.assignments, [2, 6, 5, 20].map { Assignment($0, 2) })
        XCTAssertEqual(router.conversation(2)?.queuedAt, t + 2000, "the original queue time is kept")
    }

    // MARK: - Departments

    func testDepartmentRemovalIsRefusedWhileBusy() {
        let router = router([sales, Department(id: "empty", name: "Empty")],
                            [AttendantProfile(id: 1, departments: ["sales"])])
        func remove(_ id: String) -> RoutingError.Kind? {
            do {
                try router.removeDepartment(id)
                return nil
            } catch {
                return error.kind
            }
        }
        XCTAssertEqual(remove("nope"), .notFound)
        XCTAssertEqual(remove("sales"), .invalidState, "served by attendant 1")
        open(router, [chat(1, "sales")])
        _ = router.upsertAttendant(AttendantProfile(id: 1, departments: []), now: noon)
        XCTAssertEqual(remove("sales"), .invalidState, "a chat waits")
        _ = router.upsertAttendant(AttendantProfile(id: 1, departments: ["sales"]), now: noon)
        _ = router.connect(1, now: noon)
        _ = router.upsertAttendant(AttendantProfile(id: 1, departments: []), now: noon)
        XCTAssertEqual(router.conversation(1)?.state, .assigned)
        XCTAssertEqual(remove("sales"), .invalidState, "a chat is assigned")
        _ = ok { try router.close(1, by: .bot, now: noon) }
        XCTAssertNil(remove("sales"))
        XCTAssertFalse(router.hasDepartment("sales"))
        XCTAssertNil(remove("empty"))
        XCTAssertEqual(router.departmentIDs, [])
    }

    func testADepartmentCreatedAfterItsAttendantsPicksThemUp() {
        let router = router([], [AttendantProfile(id: 1, departments: ["late"])])
        _ = router.connect(1, now: noon)
        _ = router.upsertDepartment(Department(id: "late", name: "Late"), now: noon)
        XCTAssertEqual(router.servers(of: "late"), [1])
        XCTAssertEqual(open(router, [chat(1, "late")]).assignments, [Assignment(1, 1)])
    }
}
