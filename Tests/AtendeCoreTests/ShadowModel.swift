// ShadowModel: what the router should hold, kept by the simulation from the same events with plain arrays and
// linear scans instead of heaps and order-statistic trees. It answers, from the contract's words alone, who is eligible now
// (hours.contains(now), not the router's timers), who the strategy must pick, and which refusal an operation
// deserves, so the simulation can judge every effect the router returns.

import AtendeCore

struct ShadowModel {
    struct Agent {
        var profile: AttendantProfile
        var connections = 0
        var online = true
        var open: Set<ConversationID> = []
        var idleSince: Instant
        /// Among attendants idle since the same millisecond, who became idle first.
        var idleOrder: Int64 = 0
        /// hours.contains(now), refreshed whenever the clock or the hours change.
        var inHours = true
    }

    struct Chat {
        var id: ConversationID
        var externalId: String
        var department: String?
        var state: ConversationState
        var attendant: AttendantID?
        var preferred: AttendantID?
        var avoid: AttendantID?
        /// Order of joining a queue, across departments.
        var joined: Int64 = 0
        /// 0...9 (contract v2).
        var priority = 0
        /// When it last joined a queue, in milliseconds.
        var queuedAt: Int64 = 0
        /// Overflow (contract v2): when it joined the queue it waits in, the moves made, where it last came from,
        /// and when its overflow deadline falls (nil: none armed).
        var queueJoinedAt: Int64 = 0
        var overflowMoves = 0
        var overflowedFrom: String?
        var overflowDue: Int64?
    }

    struct Queue {
        var strategy: Strategy
        /// Seconds one priority level is worth.
        var step: Int64 = 600
        var waiting: [ConversationID] = []
        var turns: [AttendantID: Int64] = [:]
        /// Where its chats overflow (contract v2).
        var overflow: Overflow?
    }

    /// Agents by id - 1 (ids are 1...count), so that scans go in id order.
    var agents: [Agent] = []
    var chats: [ConversationID: Chat] = [:]
    /// Open chat ids in a deterministic order, for random picks; `slot` finds one for O(1) removal.
    var openIds: [ConversationID] = []
    var slot: [ConversationID: Int] = [:]
    var queues: [String: Queue] = [:]
    var potentials: [ConversationID] = []
    var externalIds: [String: ConversationID] = [:]
    var turnCounter: Int64 = 0
    var joinCounter: Int64 = 0
    var idleCounter: Int64 = 0
    /// The simulation's clock, for queue times.
    var now = Instant(millis: 0)

    func agent(_ id: AttendantID) -> Agent? {
        id >= 1 && id <= agents.count ? agents[Int(id) - 1] : nil
    }

    // MARK: - Rules

    /// Why the agent may not take an automatic chat of the department now; nil when eligible.
    func ineligibility(_ agent: Agent, for department: String) -> String? {
        if !agent.profile.active { return "inactive" }
        if agent.connections == 0 { return "not connected" }
        if !agent.online { return "away" }
        if !agent.inHours { return "outside hours" }
        if !agent.profile.departments.contains(department) { return "does not serve \(department)" }
        if agent.open.count >= agent.profile.maxChats {
            return "at capacity (\(agent.open.count)/\(agent.profile.maxChats))"
        }
        return nil
    }

    func eligible(_ agent: Agent, for department: String) -> Bool {
        ineligibility(agent, for: department) == nil
    }

    /// Where the agent stands in an explanation when it did not get the chat.
    func standing(_ agent: Agent) -> CandidateStanding {
        if !agent.profile.active { return .inactive }
        if agent.connections == 0 { return .offline }
        if !agent.online { return .away }
        if !agent.inHours { return .offHours }
        if agent.open.count >= agent.profile.maxChats { return .atCapacity }
        return .lostTheTie
    }

    /// The presence the router must show.
    func presence(_ agent: Agent) -> Presence {
        if agent.connections == 0 { return .offline }
        if !agent.inHours { return .offHours }
        return agent.online ? .online : .away
    }

    /// The strategy's order: smaller wins; ties go to the longest idle (idle since the earlier instant, or
    /// since the same instant but first), then the smaller id.
    func key(_ agent: Agent, in department: String) -> (Int64, Int64, Int64, Int64) {
        let idle = agent.idleSince.millis
        let first = agent.idleOrder
        switch queues[department]?.strategy ?? .leastBusy {
        case .leastBusy, .manual: return (Int64(agent.open.count), idle, first, agent.profile.id)
        case .longestIdle: return (idle, first, 0, agent.profile.id)
        case .roundRobin: return (queues[department]?.turns[agent.profile.id] ?? 0, idle, first, agent.profile.id)
        }
    }

    /// Who must get `chat` from `department` now: the sticky attendant when eligible (and not the one who
    /// transferred it away), otherwise the strategy's best, passing over the transferring attendant if possible.
    func expectedPick(_ chat: Chat, in department: String) -> AttendantID? {
        let candidates = agents.filter { eligible($0, for: department) }
        guard !candidates.isEmpty else { return nil }
        if let preferred = chat.preferred, preferred != chat.avoid,
           candidates.contains(where: { $0.profile.id == preferred }) {
            return preferred
        }
        var pool = candidates.filter { $0.profile.id != chat.avoid }
        if pool.isEmpty { pool = candidates }
        return pool.min { key($0, in: department) < key($1, in: department) }?.profile.id
    }

    /// Open chats assigned in the department.
    func assignedCount(in department: String) -> Int {
        agents.reduce(0) { sum, agent in
            sum + agent.open.reduce(0) { $0 + (chats[$1]?.department == department ? 1 : 0) }
        }
    }

    // MARK: - Changes

    mutating func add(_ chat: Chat) {
        var chat = chat
        chats[chat.id] = chat
        externalIds[chat.externalId] = chat.id
        slot[chat.id] = openIds.count
        openIds.append(chat.id)
        if let department = chat.department {
            enqueue(&chat, in: department)
        } else {
            potentials.append(chat.id)
        }
    }

    mutating func enqueue(_ chat: inout Chat, in department: String) {
        joinCounter += 1
        chat.state = .queued
        chat.department = department
        chat.attendant = nil
        chat.joined = joinCounter
        chat.queuedAt = now.millis
        chat.queueJoinedAt = now.millis
        chat.overflowDue = overflowDue(chat)
        chats[chat.id] = chat
        queues[department]!.waiting.append(chat.id)
        reorder(department)
    }

    /// Contract v2's queue order, written out plainly: `queuedAt - priority x step`, then `queuedAt`, then id.
    func orderKey(_ id: ConversationID) -> (Int64, Int64, Int64) {
        let chat = chats[id]!
        let step = chat.department.flatMap { queues[$0]?.step } ?? 0
        return (chat.queuedAt - Int64(chat.priority) * step * 1000, chat.queuedAt, id)
    }

    /// Sorts a department's waiting list by `orderKey` (after a join, a priority or a step changed).
    mutating func reorder(_ department: String) {
        guard let waiting = queues[department]?.waiting else { return }
        queues[department]!.waiting = waiting.sorted { orderKey($0) < orderKey($1) }
    }

    /// Takes the chat out of the potentials, its queue or its attendant (it stays in `chats`).
    mutating func detach(_ id: ConversationID) {
        guard let chat = chats[id] else { return }
        switch chat.state {
        case .potential: potentials.removeAll { $0 == id }
        case .queued: queues[chat.department!]!.waiting.removeAll { $0 == id }
        case .assigned:
            if let attendant = chat.attendant { agents[Int(attendant) - 1].open.remove(id) }
        default: break
        }
    }

    mutating func remove(_ id: ConversationID) {
        detach(id)
        guard let chat = chats.removeValue(forKey: id) else { return }
        externalIds[chat.externalId] = nil
        let index = slot.removeValue(forKey: id)!
        let last = openIds.removeLast()
        if index < openIds.count {
            openIds[index] = last
            slot[last] = index
        }
    }

    /// The agent becomes idle now: on its first connection and on each assignment.
    mutating func markIdle(_ attendant: AttendantID, now: Instant) {
        idleCounter += 1
        agents[Int(attendant) - 1].idleSince = now
        agents[Int(attendant) - 1].idleOrder = idleCounter
    }

    mutating func assign(_ id: ConversationID, to attendant: AttendantID, now: Instant) {
        detach(id)
        var chat = chats[id]!
        chat.state = .assigned
        chat.attendant = attendant
        chat.avoid = nil
        chats[id] = chat
        agents[Int(attendant) - 1].open.insert(id)
        markIdle(attendant, now: now)
        turnCounter += 1
        queues[chat.department!]!.turns[attendant] = turnCounter
    }
}
