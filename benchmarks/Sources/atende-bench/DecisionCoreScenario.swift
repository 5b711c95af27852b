// Scenario 4b, the routing decision alone: the same shape as scenario 4 (10, 1k and 10k attendants online across
// 100 departments, each serving 10, least-busy, maxChats 1000) driven in-process on AtendeCore's Router, with no
// socket, JSON or SQLite in the way. It measures what "decision cost" means for the router itself: opening a chat
// into a department and picking its attendant (heap top, key updates in the attendant's 10 heaps, the bounded
// explanation); the close that makes room again is done between measurements. Scenario 4's end-to-end figure adds, above all, one send(2) per distinct attendant per loop turn,
// which grows with the number of different recipients, not with the decision.

import AtendeCore
import Glibc

/// Scenario 4b.
struct DecisionCoreScenario {
    let bench: Bench
    static let rounds = 5

    func run() {
        for size in bench.plan.decisionSizes { run(attendants: size) }
    }

    private func run(attendants size: Int) {
        let router = Router()
        let start = Instant(millis: 1_700_000_000_000)
        let departments = (0..<100).map { "dept-\($0)" }
        for id in departments { _ = router.upsertDepartment(Department(id: id, name: id), now: start) }
        for index in 0..<size {
            let id = AttendantID(index + 1)
            let served = (0..<10).map { departments[(index * 10 + $0) % departments.count] }
            _ = router.upsertAttendant(AttendantProfile(id: id, departments: served, maxChats: 1000), now: start)
            _ = router.connect(id, now: start)
        }
        let perRound = 50_000
        var next: Int64 = 1
        var costs: [Double] = []
        var assigned = 0
        var decisionSeconds = 0.0
        func open(_ count: Int) {
            for _ in 0..<count {
                let conversation = Conversation(
                    id: next, externalId: "core-\(next)", contactPhone: "+5511900000000",
                    department: departments[Int(next) % departments.count], openedAt: start)
                next += 1
                let clock = monotonicSeconds()
                let effects = try? router.open(conversation, now: start + next)
                decisionSeconds += monotonicSeconds() - clock
                for case .assigned in effects ?? [] { assigned += 1 }
                // Closed at once (not timed), as an attendant would, so capacity never runs out.
                _ = try? router.close(conversation.id, by: .bot, now: start + next)
            }
        }
        open(perRound / 5)
        for _ in 0..<Self.rounds {
            let before = assigned
            decisionSeconds = 0
            open(perRound)
            costs.append(decisionSeconds * 1e6 / Double(max(1, assigned - before)))
        }
        let sorted = costs.sorted()
        bench.report.add("decision.core.\(size).cost", "4b routing core decision", "\(Format.count(size)) online",
                         sorted[0], "us",
                         detail: "in-process conversation.open routed at once (closes not timed), best of \(Self.rounds) rounds of "
                            + "\(Format.count(perRound)) (median \(Format.fixed(sorted[sorted.count / 2], 2)) us)")
    }
}
