// Router strategies: who gets the next chat under least-busy, round-robin, longest-idle and manual, how ties fall
// to the longest idle (idle counted from the last assignment, or from login), and how a returning contact sticks
// to its last attendant. Open chats are loaded through restore(), as after a restart, so that each row can start
// from attendants with different loads without routing those chats first.

import XCTest
@testable import AtendeCore

final class RouterStrategyTests: RouterTestCase {
    /// Opens happen from here on, after every attendant logged in.
    var openingTime: Instant { noon + 600_000 }

    /// Departments "sales" (with `strategy`) and "other" (least-busy); the attendants serve both, hold `load`
    /// open chats in `loadIn`, and log in one minute apart in the order given, the first at noon.
    func world(_ strategy: Strategy, _ ids: [AttendantID], load: [AttendantID: Int] = [:], loadIn: String = "sales",
               maxChats: Int = 10) -> Router {
        var conversations: [Conversation] = []
        var next: ConversationID = 1000
        for (attendant, count) in load.sorted(by: { $0.key < $1.key }) {
            for _ in 0..<count {
                conversations.append(Conversation(
                    id: next, externalId: "old-\(next)", contactPhone: "+5511987654321", department: loadIn,
                    state: .assigned, attendantId: attendant, openedAt: noon + (-7_200_000),
                    assignedAt: noon + (-7_200_000), queueSeq: next))
                next += 1
            }
        }
        let router = Router()
        router.restore(
            departments: [Department(id: "sales", name: "Sales", strategy: strategy),
                          Department(id: "other", name: "Other")],
            attendants: ids.map { AttendantProfile(id: $0, departments: ["sales", "other"], maxChats: maxChats) },
            conversations: conversations, now: noon + (-3_600_000))
        for (index, id) in ids.enumerated() { _ = router.connect(id, now: noon + Int64(index) * 60_000) }
        return router
    }

    /// Opens `count` chats in `department` one second apart; returns who got each (nil: nobody).
    func winners(_ router: Router, _ count: Int, in department: String = "sales", from first: ConversationID = 1,
                 file: StaticString = #filePath, line: UInt = #line) -> [AttendantID?] {
        (0..<count).map { index in
            let id = first + ConversationID(index)
            open(router, [chat(id, department)], from: openingTime + Int64(id) * 1000, file: file, line: line)
            return router.conversation(id)?.attendantId
        }
    }

    func testEachStrategyPicksItsAttendant() {
        typealias Row = (name: String, strategy: Strategy, load: [AttendantID: Int], loadIn: String,
                         expected: [AttendantID?])
        let rows: [Row] = [
            ("least-busy: fewest open chats, ties to the longest idle", .leastBusy, [1: 2, 3: 1], "sales",
             [2, 3, 2, 1, 3, 2]),
            ("least-busy counts chats of every department", .leastBusy, [1: 2, 3: 1], "other", [2, 3, 2, 1, 3, 2]),
            ("least-busy with no load is the longest idle in turn", .leastBusy, [:], "sales", [1, 2, 3, 1, 2, 3]),
            ("round-robin ignores load and rotates", .roundRobin, [1: 3], "other", [1, 2, 3, 1, 2, 3]),
            ("round-robin ignores load in its own department", .roundRobin, [1: 3], "sales", [1, 2, 3, 1, 2, 3]),
            ("longest-idle ignores load", .longestIdle, [1: 4], "sales", [1, 2, 3, 1, 2, 3]),
            ("manual never assigns", .manual, [:], "sales", [nil, nil, nil]),
        ]
        for row in rows {
            let router = world(row.strategy, [1, 2, 3], load: row.load, loadIn: row.loadIn)
            XCTAssertEqual(winners(router, row.expected.count), row.expected, row.name)
        }
    }

    func testRoundRobinTurnsAreCountedPerDepartment() {
        let router = world(.roundRobin, [1, 2])
        XCTAssertEqual(winners(router, 1), [1])
        XCTAssertEqual(winners(router, 3, in: "other", from: 10), [2, 1, 2], "least-busy in other")
        // By idle time 1 would be next; by its own turns sales owes one to 2.
        XCTAssertEqual(winners(router, 3, from: 20), [2, 1, 2], "sales remembers its own turns only")
    }

    func testRoundRobinGivesALateComerItsTurnFirst() {
        let router = world(.roundRobin, [1, 2, 3])
        XCTAssertEqual(winners(router, 4), [1, 2, 3, 1])
        let late = AttendantProfile(id: 4, departments: ["sales"], maxChats: 10)
        _ = router.upsertAttendant(late, now: openingTime + 100_000)
        _ = router.connect(4, now: openingTime + 100_000)
        XCTAssertEqual(winners(router, 3, from: 200), [4, 2, 3])
    }

    func testIdleTimeCountsFromTheFirstLogin() {
        for strategy in [Strategy.leastBusy, .roundRobin, .longestIdle] {
            let relogged = world(strategy, [1, 2])
            _ = relogged.disconnect(1, now: noon + 120_000)
            _ = relogged.connect(1, now: noon + 180_000)
            XCTAssertEqual(winners(relogged, 1), [2], "\(strategy): logging in again restarts the idle time")

            let secondSession = world(strategy, [1, 2])
            _ = secondSession.connect(1, now: noon + 180_000)
            XCTAssertEqual(winners(secondSession, 1), [1], "\(strategy): a second session does not")
        }
    }

    func testManualDepartmentsWaitForTakesInAnyOrder() {
        let router = world(.manual, [1, 2])
        XCTAssertEqual(winners(router, 3), [nil, nil, nil])
        XCTAssertEqual(ok { try router.take(3, by: 2, now: openingTime + 10_000) }.assignments, [Assignment(3, 2)])
        XCTAssertEqual(ok { try router.take(1, by: 1, now: openingTime + 11_000) }.assignments, [Assignment(1, 1)])
        XCTAssertEqual(waiting(router, "sales"), [2])
        XCTAssertEqual(router.conversation(3)?.assignedAt, openingTime + 10_000)

        let automatic = router.upsertDepartment(Department(id: "sales", name: "Sales"), now: openingTime + 20_000)
        XCTAssertEqual(automatic.assignments, [Assignment(2, 2)], "made automatic, the rest flows at once")
        _ = router.upsertDepartment(Department(id: "sales", name: "Sales", strategy: .manual), now: openingTime)
        XCTAssertEqual(winners(router, 1, from: 30), [nil], "made manual again, nothing is assigned")
    }

    func testChangingStrategyRekeysTheDepartment() {
        let router = world(.leastBusy, [1, 2, 3], load: [1: 5])
        XCTAssertEqual(winners(router, 1), [2])
        _ = router.upsertDepartment(Department(id: "sales", name: "Sales", strategy: .longestIdle),
                                    now: openingTime + 50_000)
        XCTAssertEqual(winners(router, 2, from: 10), [1, 3], "longest-idle: 1 despite its load, then 3")
    }

    // MARK: - Stickiness

    func testAReturningContactGoesToItsLastAttendantWhenEligible() {
        typealias Setup = (Router) -> Void
        let rows: [(name: String, strategy: Strategy, load: [AttendantID: Int], setup: Setup, preferred: AttendantID,
                    department: String, expected: AttendantID?)] = [
            ("eligible: sticks", .leastBusy, [:], { _ in }, 2, "sales", 2),
            ("eligible though busier: sticks", .leastBusy, [2: 1], { _ in }, 2, "sales", 2),
            ("round-robin: sticks", .roundRobin, [:], { _ in }, 3, "sales", 3),
            ("away: strategy decides", .leastBusy, [:], { _ = $0.setPresence(2, online: false, now: self.noon) }, 2,
             "sales", 1),
            ("logged out: strategy decides", .leastBusy, [:], { _ = $0.disconnect(2, now: self.noon) }, 2,
             "sales", 1),
            ("full: strategy decides", .leastBusy, [2: 2], { _ in }, 2, "sales", 1),
            ("not serving: strategy decides", .leastBusy, [:], { router in
                _ = router.upsertAttendant(AttendantProfile(id: 2, departments: ["other"], maxChats: 2), now: self.noon)
            }, 2, "sales", 1),
            ("unknown attendant: strategy decides", .leastBusy, [:], { _ in }, 99, "sales", 1),
            ("manual department: nobody", .manual, [:], { _ in }, 2, "sales", nil),
        ]
        for row in rows {
            let router = world(row.strategy, [1, 2, 3], load: row.load, maxChats: 2)
            row.setup(router)
            open(router, [chat(1, row.department, preferred: row.preferred)], from: openingTime)
            XCTAssertEqual(router.conversation(1)?.attendantId, row.expected, row.name)
        }
    }

    func testStickinessDoesNotJumpTheQueue() {
        let router = world(.leastBusy, [2], maxChats: 1)
        _ = router.setPresence(2, online: false, now: noon)
        open(router, [chat(1, "sales"), chat(2, "sales", preferred: 2)], from: openingTime)
        let effects = router.setPresence(2, online: true, now: openingTime + 10_000)
        XCTAssertEqual(effects.assignments, [Assignment(1, 2)])
        XCTAssertEqual(waiting(router, "sales"), [2])
    }
}
