// Overflow deadlines when the rules around them change: an update that changes a department's priority step and
// its overflow rule together sets the waiting chats' deadlines (the re-sort alone used to leave them unset), and a
// department deleted and created again receives the chats whose overflow fell due while it was missing.

import XCTest
@testable import AtendeCore

final class RouterOverflowRuleChangeTests: RouterTestCase {
    func testAStepAndARuleChangedInOneUpdateBothApply() {
        let router = router([Department(id: "a", name: "a"), Department(id: "b", name: "b")], [])
        open(router, [chat(1, "a"), chat(2, "a")])
        XCTAssertNil(router.nextDeadline, "no rule yet")
        var updated = Department(id: "a", name: "a")
        updated.priorityStep = 60
        updated.overflow = Overflow(after: 30, department: "b")
        _ = router.upsertDepartment(updated, now: noon + 10_000)
        XCTAssertEqual(router.nextDeadline, noon + 30_000, "from when the first chat joined a")
        _ = router.tick(now: noon + 31_000)
        XCTAssertEqual(waiting(router, "b"), [1, 2])
        XCTAssertEqual(router.conversation(2)?.overflowedFrom, "a")
    }

    func testADepartmentCreatedAgainReceivesTheChatsThatWaitedForIt() {
        var a = Department(id: "a", name: "a")
        a.overflow = Overflow(after: 30, department: "b")
        let router = router([a, Department(id: "b", name: "b")], [])
        open(router, [chat(1, "a")])
        XCTAssertNoThrow(try router.removeDepartment("b"))
        XCTAssertEqual(router.tick(now: noon + 40_000), [], "nowhere to go: the chat stays")
        XCTAssertEqual(router.conversation(1)?.department, "a")
        XCTAssertNil(router.nextDeadline)
        let effects = router.upsertDepartment(Department(id: "b", name: "b"), now: noon + 50_000)
        XCTAssertTrue(effects.contains(.queueChanged("b")), "\(effects)")
        XCTAssertEqual(router.conversation(1)?.department, "b", "it waited long enough")
        XCTAssertEqual(router.conversation(1)?.overflowMoves, 1)
        XCTAssertEqual(router.conversation(1)?.queuedAt, noon)
    }
}
