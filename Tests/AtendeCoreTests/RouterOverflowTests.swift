// RouterOverflowTests: overflow and wait alerts as deadline kinds (contract v2). A chain of overflows moves a
// waiting chat at most three times keeping its queuedAt and priority; a ring cannot move it for ever; a wait alert
// goes out once per chat per department; a restored chat gets its deadlines back from when it joined its queue.

import XCTest
@testable import AtendeCore

final class RouterOverflowTests: RouterTestCase {
    /// Departments a → b → c → d → e, each overflowing to the next after 10 s (e has none), nobody online.
    func chain(ring: Bool = false, alert: Int64? = nil) -> Router {
        var list: [Department] = []
        let names = ["a", "b", "c", "d", "e"]
        for (index, name) in names.enumerated() {
            var department = Department(id: name, name: name)
            if index + 1 < names.count { department.overflow = Overflow(after: 10, department: names[index + 1]) }
            if ring && name == "b" { department.overflow = Overflow(after: 10, department: "a") }
            department.waitAlert = alert
            list.append(department)
        }
        return router(list, [AttendantProfile(id: 1, departments: ["d", "a"])])
    }

    func testAChainMovesAChatAtMostThreeTimesKeepingItsPlaceInTime() {
        let router = chain()
        var chat = chat(1, "a")
        chat.priority = 4
        _ = ok { try router.open(chat, now: noon) }
        XCTAssertEqual(router.nextDeadline, noon + 10_000)
        for (step, department) in [(1, "b"), (2, "c"), (3, "d")] {
            let effects = router.tick(now: noon + Int64(step) * 10_000)
            XCTAssertTrue(effects.contains(.queueChanged(department)), "step \(step)")
            XCTAssertEqual(router.conversation(1)?.department, department)
        }
        let moved = router.conversation(1)
        XCTAssertEqual(moved?.overflowedFrom, "c")
        XCTAssertEqual(moved?.overflowMoves, 3)
        XCTAssertEqual(moved?.queuedAt, noon, "queuedAt is kept")
        XCTAssertEqual(moved?.priority, 4, "priority is kept")
        XCTAssertNil(router.nextDeadline, "three moves: no fourth, though d overflows to e")
        _ = router.tick(now: noon + 100_000)
        XCTAssertEqual(router.conversation(1)?.department, "d")
        XCTAssertEqual(waiting(router, "d"), [1])
        XCTAssertEqual(router.connect(1, now: noon + 110_000).assignments, [Assignment(1, 1)])
    }

    func testARingStopsAfterThreeMovesAndTheChatKeepsItsOrder() {
        let router = chain(ring: true)
        open(router, [chat(1, "a"), chat(2, "b")])  // 1 at noon, 2 at noon + 1 s
        var moves: [String] = []
        for second in stride(from: Int64(10), through: 60, by: 1) {
            _ = router.tick(now: noon + second * 1000)
            moves.append(router.conversation(1)!.department!)
        }
        XCTAssertEqual(router.conversation(1)?.overflowMoves, 3)
        XCTAssertEqual(router.conversation(2)?.overflowMoves, 3)
        XCTAssertEqual(router.conversation(1)?.department, "b", "a → b → a → b")
        XCTAssertEqual(router.conversation(2)?.department, "a", "b → a → b → a")
        XCTAssertNil(router.nextDeadline)
        open(router, [chat(3, "a")], from: noon + 70_000)
        XCTAssertEqual(waiting(router, "a"), [2, 3], "an overflowed chat keeps its older queuedAt")
    }

    func testLeavingTheQueueCancelsItsDeadlines() {
        let router = chain(alert: 30)
        open(router, [chat(1, "a")])
        _ = ok { try router.close(1, by: .bot, now: noon + 5000) }
        XCTAssertNil(router.nextDeadline)
        XCTAssertEqual(router.tick(now: noon + 60_000), [])
    }

    func testAWaitAlertGoesOncePerChatPerDepartment() {
        let router = router([Department(id: "a", name: "a"), Department(id: "b", name: "b")],
                            [AttendantProfile(id: 1, departments: ["a"])])
        for id in ["a", "b"] {
            var department = Department(id: id, name: id)
            department.waitAlert = 30
            _ = router.upsertDepartment(department, now: noon)
        }
        open(router, [chat(1, "a")])
        let alerted = router.tick(now: noon + 30_000)
        XCTAssertTrue(alerted.contains {
            if case .waitExceeded(let c, let waited) = $0 { return c.id == 1 && waited == 30 }
            return false
        })
        XCTAssertEqual(router.tick(now: noon + 90_000), [], "once")
        _ = ok { try router.transfer(1, by: .admin, toDepartment: "b", toAttendant: nil, now: noon + 100_000) }
        XCTAssertEqual(router.tick(now: noon + 130_000).filter { if case .waitExceeded = $0 { return true }
            return false }.count, 1, "b alerts too")
        _ = ok { try router.transfer(1, by: .admin, toDepartment: "a", toAttendant: nil, now: noon + 140_000) }
        XCTAssertEqual(router.tick(now: noon + 200_000), [], "a alerted already")
    }

    func testRestoreSetsTheDeadlinesFromWhenTheChatJoinedItsQueue() {
        let router = chain()
        open(router, [chat(1, "a")])
        _ = router.tick(now: noon + 10_000)  // now in b, joined at noon + 10 s
        let restored = Router()
        var departments: [Department] = []
        for name in ["a", "b", "c", "d", "e"] { departments.append(router.departments[name]!.department) }
        restored.restore(departments: departments, attendants: [], conversations: router.openConversations,
                         now: noon + 12_000)
        XCTAssertEqual(restored.nextDeadline, noon + 20_000)
        _ = restored.tick(now: noon + 20_000)
        XCTAssertEqual(restored.conversation(1)?.department, "c")
    }
}

extension RouterOverflowTests {
    func testAnAlertDueWithTheOverflowStillGoesOut() {
        let router = chain(alert: 10)
        open(router, [chat(1, "a")])
        let effects = router.tick(now: noon + 10_000)
        XCTAssertTrue(effects.contains { if case .waitExceeded = $0 { return true }
            return false }, "the chat waited 10 s in a")
        XCTAssertEqual(router.conversation(1)?.department, "b")
        XCTAssertEqual(router.conversation(1)?.waitAlertedIn, ["a"])
    }
}
