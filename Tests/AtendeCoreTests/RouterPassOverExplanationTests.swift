// The pass-over rule as the explanations show it: an attendant who declined a chat, let its offer expire or had it
// taken back stands "passed over" in the explanation of that chat's next offer or assignment while it is otherwise
// eligible; a reason that bars it anyway (away, at capacity) is the one shown; another chat is not affected.

import XCTest
@testable import AtendeCore

final class RouterPassOverExplanationTests: RouterTestCase {
    /// One step of the table: what happens, then who gets the chat and where the others stood.
    struct Step {
        var name: String
        var run: (Router) throws -> [RouterEffect]
        var chosen: AttendantID
        var standings: [AttendantID: CandidateStanding]
    }

    func explanations(_ effects: [RouterEffect]) -> [AssignmentExplanation] {
        effects.compactMap { effect in
            if case .explained(let explanation) = effect { return explanation }
            return nil
        }
    }

    func play(_ router: Router, _ steps: [Step], file: StaticString = #filePath, line: UInt = #line) {
        for step in steps {
            let effects = ok({ try step.run(router) }, file: file, line: line)
            let made = explanations(effects)
            guard made.count == 1, let explanation = made.first else {
                XCTFail("\(step.name): \(made.count) explanations", file: file, line: line)
                continue
            }
            XCTAssertEqual(explanation.chosen, step.chosen, step.name, file: file, line: line)
            XCTAssertEqual(explanation.candidates.first?.standing, .chosen, step.name, file: file, line: line)
            var standings: [AttendantID: CandidateStanding] = [:]
            for candidate in explanation.candidates.dropFirst() {
                standings[candidate.attendantId] = candidate.standing
            }
            XCTAssertEqual(standings, step.standings, step.name, file: file, line: line)
            let stored = AssignmentExplanation(compact: explanation.compact,
                                               conversationId: explanation.conversationId)
            XCTAssertEqual(stored?.candidates.map(\.standing), explanation.candidates.map(\.standing),
                           "\(step.name): the stored form keeps the standings", file: file, line: line)
        }
    }

    func testDeclinesAndExpiriesShowTheAttendantPassedOver() {
        let sales = Department(id: "sales", name: "Sales", offerTimeout: 30)
        let router = router([sales], [AttendantProfile(id: 1, departments: ["sales"]),
                                      AttendantProfile(id: 2, departments: ["sales"]),
                                      AttendantProfile(id: 3, departments: ["sales"])])
        router.maxMissedOffers = 0  // nobody is turned away here
        _ = router.connect(1, now: noon)
        _ = router.connect(2, now: noon + 1)
        let expiry: Int64 = 30_000
        play(router, [
            Step(name: "first offer: nobody passed over",
                 run: { try $0.open(self.chat(1, "sales"), now: self.noon + 1000) },
                 chosen: 1, standings: [2: .lostTheTie, 3: .offline]),
            Step(name: "1 declined: 2 gets it, 1 passed over",
                 run: { try $0.decline(1, by: 1, now: self.noon + 2000) },
                 chosen: 2, standings: [1: .passedOver, 3: .offline]),
            Step(name: "2 let it expire: both passed over, back to the strategy's pick",
                 run: { $0.tick(now: self.noon + 2000 + expiry) },
                 chosen: 1, standings: [2: .passedOver, 3: .offline]),
            Step(name: "1 declined again: 2, and 1 still passed over",
                 run: { try $0.decline(1, by: 1, now: self.noon + 33_000) },
                 chosen: 2, standings: [1: .passedOver, 3: .offline]),
            Step(name: "3 comes, 1 goes away, 2's offer expires: 3 gets it; away outranks passed over",
                 run: { router in
                     _ = router.connect(3, now: self.noon + 34_000)
                     _ = router.setPresence(1, online: false, now: self.noon + 35_000)
                     return router.tick(now: self.noon + 33_000 + expiry)
                 },
                 chosen: 3, standings: [1: .away, 2: .passedOver]),
            Step(name: "another chat: nobody is passed over for it",
                 run: { try $0.open(self.chat(2, "sales"), now: self.noon + 64_000) },
                 chosen: 2, standings: [1: .away, 3: .lostTheTie]),
        ])
    }

    func testAReplyTimeoutShowsTheAttendantPassedOverInTheNextAssignment() {
        let support = Department(id: "support", name: "Support", replyTimeout: 10)
        let router = router([support], [AttendantProfile(id: 1, departments: ["support"], maxChats: 1),
                                        AttendantProfile(id: 2, departments: ["support"], maxChats: 1)])
        _ = router.connect(1, now: noon)
        _ = router.connect(2, now: noon + 1)
        play(router, [
            Step(name: "assigned directly", run: { try $0.open(self.chat(1, "support"), now: self.noon + 1000) },
                 chosen: 1, standings: [2: .lostTheTie]),
            Step(name: "no reply in time: 2 gets it, 1 passed over",
                 run: { $0.tick(now: self.noon + 11_000) },
                 chosen: 2, standings: [1: .passedOver]),
            Step(name: "a second chat fills 1; 2's reply time runs out too: back to 2, nobody else has room",
                 run: { router in
                     _ = try router.open(self.chat(2, "support"), now: self.noon + 12_000)
                     return router.tick(now: self.noon + 21_000)
                 },
                 chosen: 2, standings: [1: .atCapacity]),
        ])
    }

    func testTheStandingIsNamedPassedOverOnTheWire() {
        XCTAssertEqual(CandidateStanding.passedOver.rawValue, "passed over")
        XCTAssertTrue(Ineligibility.precedence.allSatisfy { !$0.contains(.passedOver) },
                      "being passed over never refuses a request")
    }
}
