// RouterOfferSimulationTests: a seeded randomized run of offers and their timers. Departments offer (or assign)
// with reply timeouts and wrap-up; attendants accept, decline, reply, close, finish wrap-ups, come and go within
// and past the presence grace, and the clock jumps to deadlines. After every event the router's own state is
// held to the rules: an offer holds exactly one slot of exactly one attendant, no attendant holds more than
// maxChats, every timer of a chat is in the heap, queues keep queue order with no chat twice, a chat taken back
// keeps its place, an offer goes to a passed-over attendant only when nobody else is eligible, and no chat waits
// in an automatic department while an eligible attendant has room.
//   ATENDE_OFFER_SIM_SEED=<seed> ATENDE_OFFER_SIM_EVENTS=<n> swift test --filter RouterOfferSimulationTests

import Foundation
import XCTest
@testable import AtendeCore

final class RouterOfferSimulationTests: XCTestCase {
    struct Failure: Error, CustomStringConvertible { var description: String }

    final class Run {
        let router = Router()
        var rng: SplitMix64
        var now = Instant(iso8601: "2026-03-06T11:00:00Z")!
        var nextChat: ConversationID = 1
        /// Each open chat's queue seq and queuedAt as last seen: a chat taken back must keep them.
        var places: [ConversationID: (seq: Int64, queuedAt: Instant?)] = [:]
        var recent: [String] = []
        var counts: [String: Int] = [:]
        static let departments = [
            Department(id: "offers", name: "Offers", offerTimeout: 10, replyTimeout: 60, wrapUp: 5),
            Department(id: "slow", name: "Slow", strategy: .roundRobin, offerTimeout: 30),
            Department(id: "direct", name: "Direct", strategy: .longestIdle, replyTimeout: 30, wrapUp: 10),
            Department(id: "manual", name: "Manual", strategy: .manual, offerTimeout: 10),
        ]
        static let agents = 6

        init(seed: UInt64) {
            rng = SplitMix64(seed: seed)
            router.presenceGrace = 20_000
            router.maxMissedOffers = 3
            for department in Self.departments { _ = router.upsertDepartment(department, now: now) }
            for id in 1...AttendantID(Self.agents) {
                var served = Self.departments.map(\.id).filter { _ in rng.chance(50) }
                if served.isEmpty { served = [Self.departments[Int(id) % 4].id] }
                _ = router.upsertAttendant(AttendantProfile(id: id, departments: served, maxChats: 1 + rng.below(3)),
                                           now: now)
            }
        }

        func note(_ text: String) {
            if recent.count == 20 { recent.removeFirst() }
            recent.append("\(now.iso8601) \(text)")
        }

        func chats(_ state: ConversationState) -> [Conversation] {
            router.openConversations.filter { $0.state == state }.sorted { $0.id < $1.id }
        }

        func attempt(_ name: String, _ body: () throws -> [RouterEffect]) throws -> [RouterEffect] {
            do {
                let effects = try body()
                counts[name, default: 0] += 1
                return effects
            } catch is RoutingError {
                counts[name + " refused", default: 0] += 1
                return []
            }
        }

        func step() throws {
            let roll = rng.below(100)
            if roll < 30 {
                now = now + rng.below(Int64(4000))
            } else if roll < 35, let next = router.nextDeadline {
                now = max(now, next)
            } else if roll < 37 {
                now = now + 25_000
            }
            var effects: [RouterEffect] = []
            let agent = AttendantID(1 + rng.below(Self.agents))
            // Keep the world small (about forty open chats), so every rule is met again and again.
            var kind = rng.below(100)
            if kind < 18 && router.openConversations.count > 40 { kind = 46 }
            switch kind {
            case 0..<18:
                let department = Self.departments[rng.below(Self.departments.count)].id
                let id = nextChat
                nextChat += 1
                note("open \(id) in \(department)")
                effects = try attempt("open") {
                    try router.open(Conversation(id: id, externalId: "x\(id)", contactPhone: "+5511999990000",
                                                 department: department, openedAt: now,
                                                 preferredAttendant: rng.chance(20) ? agent : nil), now: now)
                }
            case 18..<30:
                let offered = chats(.offered)
                guard let chat = rng.pick(offered) else { break }
                let by = rng.chance(85) ? chat.attendantId! : agent
                note("accept \(chat.id) by \(by)")
                effects = try attempt("accept") { try router.accept(chat.id, by: by, now: now) }
            case 30..<38:
                guard let chat = rng.pick(chats(.offered)) else { break }
                let by = rng.chance(85) ? chat.attendantId! : agent
                note("decline \(chat.id) by \(by)")
                effects = try attempt("decline") { try router.decline(chat.id, by: by, now: now) }
            case 38..<46:
                guard let chat = rng.pick(chats(.assigned)) else { break }
                note("reply \(chat.id)")
                effects = router.noteReply(chat.id, by: chat.attendantId!, now: now)
            case 46..<56:
                guard let chat = rng.pick(router.openConversations.sorted { $0.id < $1.id }) else { break }
                let actor: Actor = rng.chance(50) ? .bot : .attendant(chat.attendantId ?? agent)
                note("close \(chat.id) by \(actor)")
                effects = try attempt("close") { try router.close(chat.id, by: actor, now: now) }
            case 56..<60:
                guard let chat = rng.pick(router.wrappingChats.values.sorted { $0.id < $1.id }) else { break }
                note("finish wrap-up \(chat.id)")
                effects = try attempt("finishWrapUp") { try router.finishWrapUp(chat.id, by: chat.attendantId!,
                                                                                   now: now) }
            case 60..<72:
                note("connect \(agent)")
                effects = router.connect(agent, now: now)
                counts["connect", default: 0] += 1
            case 72..<82:
                note("disconnect \(agent)")
                effects = router.disconnect(agent, now: now)
                counts["disconnect", default: 0] += 1
            case 82..<87:
                let online = rng.chance(60)
                note("presence \(agent) \(online)")
                effects = router.setPresence(agent, online: online, now: now)
            case 87..<93:
                guard let chat = rng.pick(chats(.queued)) else { break }
                note("take \(chat.id) by \(agent)")
                effects = try attempt("take") { try router.take(chat.id, by: agent, now: now) }
            default:
                guard let chat = rng.pick(chats(.offered) + chats(.assigned)) else { break }
                let target = Self.departments[rng.below(3)].id
                note("transfer \(chat.id) to \(target)")
                effects = try attempt("transfer") {
                    try router.transfer(chat.id, by: .admin, toDepartment: target, toAttendant: nil, now: now)
                }
            }
            try check(effects, "event")
            if let deadline = router.nextDeadline, deadline <= now {
                note("tick")
                try check(router.tick(now: now), "tick")
            }
        }

        func fail(_ text: String) -> Failure { Failure(description: text) }

        func check(_ effects: [RouterEffect], _ name: String) throws {
            try checkStandings(effects, name)
            for effect in effects {
                switch effect {
                case .revoked(let chat, _, let reason):
                    counts["revoked " + reason.rawValue, default: 0] += 1
                    if chat.state == .queued, let place = places[chat.id],
                       place.seq != chat.queueSeq || place.queuedAt != chat.queuedAt {
                        throw fail("\(name): chat \(chat.id) came back out of its place")
                    }
                case .noted(let note):
                    counts["noted " + note.outcome, default: 0] += 1
                case .presenceChanged:
                    counts["turned away", default: 0] += 1
                default:
                    break
                }
            }
            let offers = effects.compactMap { effect -> Conversation? in
                if case .offered(let chat) = effect { return chat }
                return nil
            }
            // The attendant a chat was transferred away from is passed over the same way.
            if offers.count == 1, let chat = offers.first, let attendant = chat.attendantId,
               chat.passedOver.contains(attendant) || chat.avoidAttendant == attendant {
                let passed = chat.passedOver + (chat.avoidAttendant.map { [$0] } ?? [])
                let others = Array(router.attendants.keys.filter { id in
                    !passed.contains(id) && self.router.isEligible(id, for: chat.department!)
                })
                if !others.isEmpty {
                    throw fail("\(name): chat \(chat.id) offered to \(attendant), passed over, while \(others) could")
                }
            }
            try checkState(name)
        }

        func checkState(_ name: String) throws {
            var held: [AttendantID: Set<ConversationID>] = [:]
            // Before the turn's tick, an offer may be due: the tick that follows expires it.
            let due = router.nextDeadline.map { $0 <= now } ?? false
            for chat in router.openConversations {
                switch chat.state {
                case .offered:
                    guard let attendant = chat.attendantId, let expires = chat.offerExpiresAt, expires > now || due,
                          router.deadlines.deadline(of: .offerExpiry(chat.id)) == expires else {
                        throw fail("\(name): offer \(chat.id) without its attendant or its deadline: \(chat)")
                    }
                    held[attendant, default: []].insert(chat.id)
                case .assigned:
                    guard let attendant = chat.attendantId else { throw fail("\(name): assigned \(chat.id) alone") }
                    held[attendant, default: []].insert(chat.id)
                    if router.deadlines.deadline(of: .replyTimeout(chat.id)) != chat.replyDueAt {
                        throw fail("\(name): reply timeout of \(chat.id) is not in the heap")
                    }
                default:
                    if chat.attendantId != nil { throw fail("\(name): \(chat.state) chat \(chat.id) has an attendant") }
                }
                if chat.state != .potential { places[chat.id] = (chat.queueSeq, chat.queuedAt) }
            }
            for (id, state) in router.attendants {
                let open = Set(state.open)
                guard open == (held[id] ?? []) else {
                    throw fail("\(name): attendant \(id) holds \(open.sorted()), "
                               + "the chats say \((held[id] ?? []).sorted())")
                }
                let wrapping = Set(router.wrappingChats.values.filter { $0.attendantId == id }.map(\.id))
                guard Set(state.wrapping) == wrapping else { throw fail("\(name): wrap-ups of \(id) disagree") }
                for chat in wrapping where router.deadlines.deadline(of: .wrapUpEnd(chat)) == nil {
                    throw fail("\(name): wrap-up of \(chat) has no deadline")
                }
                guard state.heldSlots <= state.profile.maxChats else {
                    throw fail("\(name): attendant \(id) holds \(state.heldSlots) of \(state.profile.maxChats)")
                }
            }
            for department in Self.departments {
                let waiting = router.waiting(in: department.id)
                // Contract v2 queue order (queuedAt less priority steps, then queuedAt, then id), no chat twice.
                let ids = waiting.map(\.id)
                let ordered = zip(waiting, waiting.dropFirst()).allSatisfy { router.comesFirst($0, $1) }
                guard ordered, Set(ids).count == ids.count,
                      waiting.count == router.waitingCount(in: department.id),
                      waiting.allSatisfy({ $0.state == .queued }) else {
                    throw fail("\(name): queue \(department.id) is \(waiting.map(\.id)), count "
                               + "\(router.waitingCount(in: department.id))")
                }
                let queued = router.openConversations.filter { $0.state == .queued && $0.department == department.id }
                guard queued.count == waiting.count else {
                    throw fail("\(name): \(queued.count) chats queued in \(department.id), \(waiting.count) listed")
                }
                if department.strategy != .manual, !waiting.isEmpty {
                    let idle = router.attendants.keys.filter { self.router.isEligible($0, for: department.id) }
                    if !idle.isEmpty {
                        throw fail("\(name): \(waiting.count) chats wait in \(department.id) while \(idle) could take")
                    }
                }
            }
        }
    }

    func testRandomOffersKeepEveryRule() {
        let environment = ProcessInfo.processInfo.environment
        let events = environment["ATENDE_OFFER_SIM_EVENTS"].flatMap { Int($0) } ?? 20_000
        let seed = environment["ATENDE_OFFER_SIM_SEED"].flatMap { UInt64($0) } ?? 0x0FFE_2026
        let run = Run(seed: seed)
        for index in 0..<events {
            do {
                try run.step()
            } catch {
                XCTFail("offer simulation failed at event \(index) (seed \(seed)): \(error)\n"
                        + run.recent.joined(separator: "\n"))
                return
            }
        }
        // Every kind of event happened, so the rules were checked against each.
        for name in ["accept", "decline", "noted expired", "noted declined", "noted rescinded", "noted accepted",
                     "revoked offer-expired", "revoked reply-timeout", "revoked offline", "finishWrapUp",
                     "turned away", "take", "transfer", "explained passed over"] {
            XCTAssertGreaterThan(run.counts[name] ?? 0, 0, "\(name) never happened: \(run.counts)")
        }
    }
}
