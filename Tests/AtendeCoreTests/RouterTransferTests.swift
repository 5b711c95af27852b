// Router transfers: to a department (the chat joins the back of that queue and the transferring attendant is
// passed over when anyone else is eligible, also while the chat waits), straight to an attendant, and the slot
// the transfer frees, which must make waiting chats flow at once.

import XCTest
@testable import AtendeCore

final class RouterTransferTests: RouterTestCase {
    /// sales and support (least-busy). Attendant 1 serves both, 2 serves support, 3 serves sales; they log in one
    /// minute apart from noon. Chat 1 (sales) goes to 1 and chat 2 (support) to 2.
    func world(support: Strategy = .leastBusy, maxChats: Int = 5) -> Router {
        let router = router([Department(id: "sales", name: "Sales"),
                             Department(id: "support", name: "Support", strategy: support)],
                            [AttendantProfile(id: 1, departments: ["sales", "support"], maxChats: maxChats),
                             AttendantProfile(id: 2, departments: ["support"], maxChats: maxChats),
                             AttendantProfile(id: 3, active: false, departments: ["sales"], maxChats: maxChats)])
        for id in [AttendantID(1), 2] { _ = router.connect(id, now: noon + (id - 1) * 60_000) }
        open(router, [chat(1, "sales")], from: noon + 120_000)
        if support == .manual {
            open(router, [chat(2, "support")], from: noon + 121_000)
            _ = ok { try router.take(2, by: 2, now: noon + 122_000) }
        } else {
            open(router, [chat(2, "support")], from: noon + 121_000)
        }
        XCTAssertEqual(router.conversation(1)?.attendantId, 1)
        XCTAssertEqual(router.conversation(2)?.attendantId, 2)
        return router
    }

    var later: Instant { noon + 600_000 }

    func testTransferToADepartmentPassesOverTheTransferringAttendant() {
        let router = world()
        let effects = ok {
            try router.transfer(1, by: .attendant(1), toDepartment: "support", toAttendant: nil, now: later)
        }
        XCTAssertEqual(effects.assignments, [Assignment(1, 2)], "least-busy alone would pick 1, who has no chat now")
        XCTAssertTrue(effects.contains { effect in
            if case .transferredAway(let chat, let from) = effect { return chat.id == 1 && from == 1 }
            return false
        })
        let moved = router.conversation(1)
        XCTAssertEqual(moved?.department, "support")
        XCTAssertEqual(moved?.queuedAt, later)
        XCTAssertEqual(moved?.assignedAt, later)
        XCTAssertNil(moved?.avoidAttendant, "avoidance is spent once the chat is assigned")
        XCTAssertEqual(router.openChats(of: 1), 0)
        XCTAssertEqual(router.openChats(of: 2), 2)
    }

    func testTheTransferringAttendantGetsItBackWhenNobodyElseCan() {
        let router = world()
        _ = router.setPresence(2, online: false, now: later)
        let effects = ok {
            try router.transfer(1, by: .attendant(1), toDepartment: "support", toAttendant: nil, now: later)
        }
        XCTAssertEqual(effects.assignments, [Assignment(1, 1)])
    }

    func testAvoidanceLastsWhileTheChatWaits() {
        let router = world(support: .manual)
        let moved = ok {
            try router.transfer(1, by: .attendant(1), toDepartment: "support", toAttendant: nil, now: later)
        }
        XCTAssertEqual(moved.assignments, [])
        XCTAssertEqual(router.conversation(1)?.avoidAttendant, 1)
        XCTAssertEqual(waiting(router, "support"), [1])
        XCTAssertNil(router.conversation(1)?.assignedAt, "waiting again: no attendant's time")
        let automatic = router.upsertDepartment(Department(id: "support", name: "Support"), now: later + 1000)
        XCTAssertEqual(automatic.assignments, [Assignment(1, 2)], "1 has no chat but transferred this one away")
    }

    func testTransferStraightToAnAttendant() {
        let router = world()
        _ = router.upsertAttendant(AttendantProfile(id: 3, departments: ["sales"]), now: later)
        _ = router.connect(3, now: later)
        _ = router.setPresence(3, online: false, now: later)
        let effects = ok { try router.transfer(1, by: .attendant(1), toDepartment: nil, toAttendant: 3, now: later) }
        XCTAssertEqual(effects.assignments, [Assignment(1, 3)], "logged in is enough, away or not")
        XCTAssertEqual(router.conversation(1)?.department, "sales")

        let admin = ok { try router.transfer(1, by: .admin, toDepartment: "support", toAttendant: 1, now: later) }
        XCTAssertEqual(admin.assignments, [Assignment(1, 1)])
        XCTAssertEqual(router.conversation(1)?.department, "support")
        XCTAssertEqual(router.stats(of: "support", now: later)?.assigned, 2)
        XCTAssertEqual(router.stats(of: "sales", now: later)?.assigned, 0)
    }

    func testATransferFreesTheSlotForTheNextWaitingChat() {
        let router = world(maxChats: 1)
        open(router, [chat(3, "sales")], from: later)
        XCTAssertEqual(waiting(router, "sales"), [3])
        _ = router.upsertAttendant(AttendantProfile(id: 2, departments: ["support"], maxChats: 2), now: later)
        let effects = ok {
            try router.transfer(1, by: .attendant(1), toDepartment: "support", toAttendant: nil, now: later + 1000)
        }
        XCTAssertEqual(effects.assignments, [Assignment(3, 1), Assignment(1, 2)], "the older chat goes first")
        XCTAssertEqual(waiting(router, "sales"), [])
    }

    func testAdminMovesAWaitingChat() {
        let router = world(maxChats: 1)
        open(router, [chat(3, "sales"), chat(4, "support")], from: later)
        // Later than chat 4 joined: contract v2 orders a queue by queue time, not by arrival in the router.
        let effects = ok {
            try router.transfer(3, by: .admin, toDepartment: "support", toAttendant: nil, now: later + 2000)
        }
        XCTAssertTrue(effects.contains(.queueChanged("sales")) && effects.contains(.queueChanged("support")))
        XCTAssertEqual(waiting(router, "sales"), [])
        XCTAssertEqual(waiting(router, "support"), [4, 3], "it joins the back of the queue")
        XCTAssertNil(router.conversation(3)?.avoidAttendant)
        _ = ok { try router.close(2, by: .bot, now: later + 5000) }
        XCTAssertEqual(router.assigned(to: 2).map(\.id), [4])
    }

    func testTransferForgetsTheStickyAttendant() {
        let router = world()
        open(router, [chat(5, "support", preferred: 1)], from: later)
        XCTAssertEqual(router.conversation(5)?.attendantId, 1)
        let effects = ok {
            try router.transfer(5, by: .attendant(1), toDepartment: "support", toAttendant: nil, now: later + 1000)
        }
        XCTAssertEqual(effects.assignments, [Assignment(5, 2)])
        XCTAssertNil(router.conversation(5)?.preferredAttendant)
    }
}
