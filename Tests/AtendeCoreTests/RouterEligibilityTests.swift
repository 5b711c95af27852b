// Eligibility: one computation, one error per condition. Each row puts attendant 2 in one condition and checks
// that take and a transfer straight to it refuse with the same kind, that the explanation's standing and the
// presence read the same answer, and that the attendant is left out of automatic routing.

import XCTest
@testable import AtendeCore

final class RouterEligibilityTests: RouterTestCase {
    /// sales and vip (manual); attendant 1 serves both and holds chat 1 (sales); attendant 2 is set up by the row.
    func world(_ two: AttendantProfile, connect: Bool = true, away: Bool = false, open extra: Int = 0) -> Router {
        let router = router([Department(id: "sales", name: "Sales"),
                             Department(id: "vip", name: "VIP", strategy: .manual)],
                            [AttendantProfile(id: 1, departments: ["sales", "vip"]), two])
        _ = router.connect(1, now: noon)
        open(router, [chat(1, "sales")])
        if connect { _ = router.connect(2, now: noon) }
        for index in 0..<extra {
            open(router, [chat(100 + ConversationID(index), "vip")], from: noon + 1000)
            _ = ok { try router.take(100 + ConversationID(index), by: 2, now: noon + 2000) }
        }
        if away { _ = router.setPresence(2, online: false, now: noon) }
        open(router, [chat(2, "vip")], from: noon + 3000)
        return router
    }

    func testEachConditionGivesOneErrorEverywhere() {
        let evening = hours("America/Sao_Paulo", days: ["mon"], [["08:00", "09:00"]])
        let rows: [(String, Router, Ineligibility, RoutingError.Kind, Presence)] = [
            ("not serving", world(AttendantProfile(id: 2, departments: ["support"])), .notServing, .forbidden,
             .online),
            ("inactive", world(AttendantProfile(id: 2, active: false, departments: ["sales", "vip"])), .inactive,
             .forbidden, .online),
            ("off hours", world(AttendantProfile(id: 2, departments: ["sales", "vip"], hours: evening)), .offHours,
             .outsideHours, .offHours),
            ("at capacity", world(AttendantProfile(id: 2, departments: ["sales", "vip"], maxChats: 1), open: 1),
             .atCapacity, .atCapacity, .online),
        ]
        let now = noon + 10_000
        for (name, router, reason, kind, presence) in rows {
            XCTAssertEqual(router.ineligibility(of: 2, for: "sales").first, reason, name)
            XCTAssertEqual(router.presence(of: 2), presence, name)
            XCTAssertFalse(router.isEligible(2, for: "sales"), name)
            assertRefused(kind, router, "\(name): take") { () throws in try router.take(2, by: 2, now: now) }
            assertRefused(kind, router, "\(name): transfer") { () throws in
                try router.transfer(1, by: .admin, toDepartment: nil, toAttendant: 2, now: now)
            }
        }
    }

    func testOfflineAndAwayBarRoutingButNotEveryRequest() {
        let offline = world(AttendantProfile(id: 2, departments: ["sales", "vip"]), connect: false)
        XCTAssertEqual(offline.ineligibility(of: 2, for: "sales"), .offline)
        XCTAssertEqual(offline.presence(of: 2), .offline)
        assertRefused(.invalidState, offline, "transfer to one not logged in") { () throws in
            try offline.transfer(1, by: .admin, toDepartment: nil, toAttendant: 2, now: self.noon + 10_000)
        }
        let away = world(AttendantProfile(id: 2, departments: ["sales", "vip"]), away: true)
        XCTAssertEqual(away.ineligibility(of: 2, for: "sales"), .away)
        XCTAssertEqual(away.presence(of: 2), .away)
        XCTAssertEqual(ok { try away.take(2, by: 2, now: self.noon + 10_000) }.assignments, [Assignment(2, 2)],
                       "away does not bar a manual pull")
    }

    func testAStandingReadsTheSameAnswer() {
        let router = world(AttendantProfile(id: 2, departments: ["sales", "vip"]), away: true)
        let effects = open(router, [chat(3, "sales")], from: noon + 20_000)
        let explanation = effects.lazy.compactMap { effect -> AssignmentExplanation? in
            if case .explained(let explanation) = effect { return explanation }
            return nil
        }.first
        XCTAssertEqual(explanation?.chosen, 1)
        XCTAssertEqual(explanation?.candidates.first { $0.attendantId == 2 }?.standing, .away)
    }
}
