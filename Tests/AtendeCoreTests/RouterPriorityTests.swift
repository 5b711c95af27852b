// RouterPriorityTests: contract v2's queue order as tables. A chat's place is `queuedAt - priority x priorityStep`,
// then `queuedAt`, then id: a priority level is worth `priorityStep` seconds of waiting, so an old low-priority
// chat is never starved (aging). Also setPriority, a step change, restart, positions, estimated waits and opensAt.

import XCTest
@testable import AtendeCore

final class RouterPriorityTests: RouterTestCase {
    /// One department ("sales", step 600 s unless told) served by attendant 1 (not connected).
    func world(step: Int = 600, maxChats: Int = 10, hours: WeeklyHours = .always) -> Router {
        var sales = Department(id: "sales", name: "Sales")
        sales.priorityStep = step
        return router([sales], [AttendantProfile(id: 1, departments: ["sales"], hours: hours, maxChats: maxChats)])
    }

    /// Opens chat `id` in sales at `noon + seconds` with a priority.
    func open(_ router: Router, _ id: ConversationID, at seconds: Int64, priority: Int) {
        var conversation = chat(id, "sales", at: noon + seconds * 1000)
        conversation.priority = priority
        _ = ok { try router.open(conversation, now: noon + seconds * 1000) }
    }

    func testOrderIsQueueTimeLessPriorityTimesStepThenQueueTimeThenID() {
        // (id, joined at noon + s, priority) -> key in seconds from noon (step 600)
        let rows: [(ConversationID, Int64, Int)] = [
            (1, 0, 0),       // 0
            (2, 300, 1),     // -300: one level outweighs 300 s of waiting
            (3, 700, 1),     // 100
            (4, 100, 0),     // 100, joined before 3: ahead of it
            (5, 6000, 9),    // 600
            (6, 5000, 0),    // 5000: a level-9 chat 1000 s younger still goes first
            (7, 100, 0),     // 100, same time as 4: by id
        ]
        let router = world()
        for (id, seconds, priority) in rows { open(router, id, at: seconds, priority: priority) }
        XCTAssertEqual(waiting(router, "sales"), [2, 1, 4, 7, 3, 5, 6])
        XCTAssertEqual([2, 1, 4, 7, 3, 5, 6].map { router.position(of: $0) }, Array(1...7))
        _ = router.connect(1, now: noon + 7_000_000)
        let drained = router.tick(now: noon + 7_000_000)
        XCTAssertEqual(drained.assignments.map(\.chat), [], "the connect itself drained the queue")
        XCTAssertEqual(router.assigned(to: 1).count, 7)
    }

    func testDrainFollowsPriorityOrderAcrossDepartments() {
        var sales = Department(id: "sales", name: "Sales")
        sales.priorityStep = 600
        var support = Department(id: "support", name: "Support")
        support.priorityStep = 60
        let router = router([sales, support], [AttendantProfile(id: 1, departments: ["sales", "support"],
                                                                maxChats: 10)])
        var chats: [Conversation] = []
        for (id, department, seconds, priority) in [(1, "sales", 0, 0), (2, "support", 10, 0),
                                                    (3, "support", 200, 5), (4, "sales", 400, 1)]
            as [(ConversationID, String, Int64, Int)] {
            var conversation = chat(id, department, at: noon + seconds * 1000)
            conversation.priority = priority
            chats.append(conversation)
            _ = ok { try router.open(conversation, now: noon + seconds * 1000) }
        }
        // Keys: 1 -> 0, 2 -> 10, 3 -> 200 - 300 = -100, 4 -> 400 - 600 = -200.
        let effects = router.connect(1, now: noon + 1_000_000)
        XCTAssertEqual(effects.assignments, [4, 3, 1, 2].map { Assignment($0, 1) })
    }

    func testOldestWaitIsTheLongestWaitingChatNotTheHead() {
        let router = world()
        open(router, 1, at: 0, priority: 0)
        open(router, 2, at: 100, priority: 5)
        XCTAssertEqual(waiting(router, "sales"), [2, 1], "the priority-5 chat is at the head")
        XCTAssertEqual(router.stats(of: "sales", now: noon + 130_000)?.oldestWaitSeconds, 130,
                       "chat 1 has waited 130 s, the head 30 s")
        open(router, 3, at: 200, priority: 0)
        XCTAssertEqual(router.stats(of: "sales", now: noon + 230_000)?.oldestWaitSeconds, 230)
    }

    func testAStepOfZeroIsFirstInFirstOut() {
        let router = world(step: 0)
        open(router, 1, at: 0, priority: 0)
        open(router, 2, at: 10, priority: 9)
        open(router, 3, at: 20, priority: 5)
        XCTAssertEqual(waiting(router, "sales"), [1, 2, 3])
        var sales = Department(id: "sales", name: "Sales")
        sales.priorityStep = 600
        XCTAssertTrue(router.upsertDepartment(sales, now: noon + 30_000).contains(.queueReordered("sales")))
        XCTAssertEqual(waiting(router, "sales"), [2, 3, 1], "a new step re-sorts the queue")
        XCTAssertEqual(router.position(of: 1), 3)
        sales.priorityStep = 900
        XCTAssertFalse(router.upsertDepartment(sales, now: noon + 31_000).contains(.queueReordered("sales")),
                       "a larger step leaves this order as it is")
    }

    func testSetPriorityMovesAWaitingChatAndRefusesOthers() {
        let router = world(maxChats: 1)
        open(router, 1, at: 0, priority: 0)
        open(router, 2, at: 10, priority: 0)
        open(router, 3, at: 20, priority: 0)
        let effects = ok { try router.setPriority(3, to: 2, now: noon + 30_000) }
        XCTAssertEqual(effects.compactMap(\.savedID), [3])
        XCTAssertTrue(effects.contains(.queueReordered("sales")), "it moved to the head")
        XCTAssertEqual(waiting(router, "sales"), [3, 1, 2])
        let unmoved = ok { try router.setPriority(1, to: 1, now: noon + 30_500) }
        XCTAssertEqual(unmoved, [.saved(router.conversation(1)!), .queueChanged("sales")], "still behind chat 3")
        XCTAssertEqual(router.conversation(3)?.priority, 2)
        XCTAssertEqual(router.conversation(3)?.queuedAt, noon + 20_000, "its queue time is kept")
        XCTAssertEqual(ok { try router.setPriority(3, to: 2, now: noon + 31_000) }, [], "no change, nothing saved")
        _ = router.connect(1, now: noon + 40_000)
        XCTAssertEqual(router.assigned(to: 1).map(\.id), [3])
        assertRefused(.invalidState, router, "assigned") { try router.setPriority(3, to: 5, now: noon + 50_000) }
        assertRefused(.notFound, router, "unknown") { try router.setPriority(99, to: 5, now: noon + 50_000) }
        assertRefused(.invalidState, router, "out of range") { try router.setPriority(1, to: 10, now: noon) }
    }

    func testRestoreKeepsPriorityOrder() {
        let router = world()
        open(router, 1, at: 0, priority: 0)
        open(router, 2, at: 10, priority: 3)
        open(router, 3, at: 20, priority: 1)
        let stored = router.openConversations
        let restored = Router()
        var sales = Department(id: "sales", name: "Sales")
        sales.priorityStep = 600
        restored.restore(departments: [sales], attendants: [AttendantProfile(id: 1, departments: ["sales"])],
                         conversations: stored.shuffled(), now: noon + 60_000)
        XCTAssertEqual(waiting(restored, "sales"), [2, 3, 1])
    }

    func testStandingGivesPositionEstimateAndOpensAt() {
        // Attendant 1 works 08:00-18:00 on weekdays in São Paulo; attendant 2 always, but is not connected.
        var sales = Department(id: "sales", name: "Sales")
        sales.serviceLevel = 30
        let router = router([sales], [AttendantProfile(id: 1, departments: ["sales"], hours: businessHours,
                                                       maxChats: 1)])
        open(router, 1, at: 0, priority: 0)
        open(router, 2, at: 1, priority: 0)
        var standing = router.standing(of: 2, now: noon + 2000)
        XCTAssertEqual(standing, QueueStanding(position: 2, waiting: 2, estimatedWaitSeconds: nil, opensAt: nil),
                       "nobody can take chats: no estimate; someone is inside its hours: opensAt is null")
        _ = router.connect(1, now: noon + 20_000)  // takes chat 1 after 20 s: the average answer time is 20 s
        standing = router.standing(of: 2, now: noon + 25_000)
        XCTAssertEqual(standing?.position, 1)
        XCTAssertEqual(standing?.estimatedWaitSeconds, 0, "20 s of average, 24 s already waited")
        open(router, 3, at: 26, priority: 0)
        XCTAssertEqual(router.standing(of: 3, now: noon + 26_000)?.estimatedWaitSeconds, 20)
        XCTAssertNil(router.standing(of: 1, now: noon), "an assigned chat has no standing")

        // After hours: nobody inside, so the department opens at 08:00 the next morning.
        let evening = at("2026-11-26T19:00:00-03:00")
        let closed = router.standing(of: 3, now: evening)
        XCTAssertEqual(closed?.opensAt, at("2026-11-27T08:00:00-03:00"))
        let friday = at("2026-11-27T18:30:00-03:00")
        XCTAssertEqual(router.opensAt("sales", now: friday), at("2026-11-30T08:00:00-03:00"), "over the weekend")
    }

    func testFirstReplyIsKeptOnce() {
        let router = world()
        _ = router.connect(1, now: noon)
        open(router, 1, at: 1, priority: 0)
        XCTAssertEqual(router.noteReply(1, by: 1, now: noon + 5000).compactMap(\.savedID), [1])
        XCTAssertEqual(router.noteReply(1, by: 1, now: noon + 9000), [])
        XCTAssertEqual(router.conversation(1)?.firstReplyAt, noon + 5000)
    }
}
