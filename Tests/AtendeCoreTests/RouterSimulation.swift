// RouterSimulation: drives a Router with random events the way the daemon does (one request at `now`, then the
// turn's tick when a deadline has passed) and keeps a ShadowModel in step. Each operation first predicts, from
// the model, whether the router must refuse it and with which kind; the effects are then judged in
// RouterSimulation+Checks. Every choice comes from one SplitMix64, so a seed replays a run exactly.

import AtendeCore

struct SimulationFailure: Error, CustomStringConvertible {
    var description: String
}

final class RouterSimulation {
    /// v1's rules: chats stay with an attendant who went offline (RouterOfferSimulation covers the grace).
    let router: Router = {
        let router = Router()
        router.requeueOnOffline = .none
        return router
    }()
    var model = ShadowModel()
    var rng: SplitMix64
    var now: Instant
    var nextChatID: ConversationID = 1
    /// The last events, for the failure report.
    var recent: [String] = []
    var counts: [String: Int] = [:]

    /// Department names the events use; "d4" comes and goes, "ghost" never exists.
    static let departmentNames = ["d0", "d1", "d2", "d3", "d4"]
    static let agentCount = 10

    /// Working hours in three zones, one with daylight-saving time twice a year (New York, Lisbon), around
    /// midnight, and around the small hours when the clocks change.
    static let palette: [WeeklyHours] = {
        func make(_ zone: String, _ days: [String], _ intervals: [[String]]) -> WeeklyHours {
            try! WeeklyHours.parse(timeZone: zone, week: days.map { (day: $0, intervals: intervals) })
        }
        let weekdays = ["mon", "tue", "wed", "thu", "fri"]
        let week = WeeklyHours.dayNames
        return [
            .always,
            make("America/Sao_Paulo", weekdays, [["08:00", "12:00"], ["13:00", "18:00"]]),
            make("America/Sao_Paulo", week, [["00:00", "06:00"], ["22:00", "24:00"]]),
            make("America/New_York", weekdays + ["sat"], [["09:00", "17:00"]]),
            make("America/New_York", week, [["01:00", "03:00"], ["12:00", "20:00"]]),
            make("Europe/Lisbon", week, [["00:00", "01:30"], ["02:30", "18:00"]]),
            make("America/Sao_Paulo", ["sat", "sun"], [["10:00", "16:00"]]),
        ]
    }()

    init(seed: UInt64) {
        rng = SplitMix64(seed: seed)
        now = Instant(iso8601: "2026-03-06T11:00:00Z")!
        let strategies: [Strategy] = [.leastBusy, .roundRobin, .longestIdle, .manual]
        for (index, name) in Self.departmentNames.prefix(4).enumerated() {
            model.queues[name] = ShadowModel.Queue(strategy: strategies[index])
            model.queues[name]!.step = Self.initialSteps[index]
            model.queues[name]!.overflow = Self.initialOverflows[index]
            _ = router.upsertDepartment(department(name, strategies[index]), now: now)
        }
        for id in 1...AttendantID(Self.agentCount) {
            var departments: [String] = []
            for name in Self.departmentNames.prefix(4) where rng.chance(45) { departments.append(name) }
            if departments.isEmpty { departments = [Self.departmentNames[Int(id) % 4]] }
            let profile = AttendantProfile(id: id, departments: departments,
                                           hours: Self.palette[Int(id - 1) % Self.palette.count],
                                           maxChats: 1 + rng.below(4))
            model.agents.append(ShadowModel.Agent(profile: profile, idleSince: now))
            _ = router.upsertAttendant(profile, now: now)
        }
    }

    // MARK: - One event

    /// Advances the clock, runs one random operation and the turn's tick, and checks everything.
    func step() throws {
        advanceClock()
        try randomOperation()
        if let deadline = router.nextDeadline, deadline <= now {
            try absorb(router.tick(now: now), Prediction(), "tick")
        }
        try checkInvariants()
        try checkOverflow()
    }

    func note(_ text: String) {
        if recent.count == 16 { recent.removeFirst() }
        recent.append("\(now.iso8601) \(text)")
    }

    func count(_ name: String) {
        counts[name, default: 0] += 1
    }

    func advanceClock() {
        let roll = rng.below(1000)
        if roll < 650 {
            now = now + rng.below(Int64(20_000))
        } else if roll < 900 {
            now = now + 20_000 + rng.below(Int64(580_000))
        } else if roll < 980 {
            now = now + 600_000 + rng.below(Int64(3_000_000))
        } else if roll < 995 {
            now = now + 3_600_000 + rng.below(Int64(25_200_000))
        } else if let deadline = router.nextDeadline {
            now = max(now, deadline + Int64(rng.below(3) - 1))
        }
        for index in model.agents.indices {
            model.agents[index].inHours = model.agents[index].profile.hours.contains(now)
        }
        model.now = now
    }

    // MARK: - Picks

    func randomAgent() -> AttendantID { AttendantID(1 + rng.below(Self.agentCount)) }

    /// Mostly a real attendant, sometimes one that does not exist.
    func anyAttendant() -> AttendantID { rng.chance(4) ? 99 : randomAgent() }

    func connectedAgent() -> AttendantID {
        let connected = model.agents.filter { $0.connections > 0 }.map(\.profile.id)
        return rng.pick(connected) ?? randomAgent()
    }

    func anyDepartment() -> String { rng.chance(3) ? "ghost" : Self.departmentNames[rng.below(5)] }

    /// A random open chat, sometimes an id that is not open.
    func anyChat() -> ConversationID {
        rng.chance(3) ? 1_000_000_000 : (rng.pick(model.openIds) ?? 1_000_000_000)
    }

    /// Mostly an assigned chat (what attendants act on), otherwise any.
    func assignedChat() -> ConversationID {
        let assigned = model.openIds.filter { model.chats[$0]?.state == .assigned }
        return rng.chance(75) ? (rng.pick(assigned) ?? anyChat()) : anyChat()
    }

    func waitingChat() -> ConversationID {
        let names = Self.departmentNames.filter { !(model.queues[$0]?.waiting.isEmpty ?? true) }
        guard let name = rng.pick(names) else { return anyChat() }
        return rng.pick(model.queues[name]!.waiting)!
    }

    // MARK: - Operations

    func randomOperation() throws {
        let crowded = model.chats.count > 80
        let weights: [(Int, () throws -> Void)] = [
            (7, connect), (5, disconnect), (6, presence), (crowded ? 4 : 18, open), (7, route),
            (crowded ? 22 : 10, closeByBot), (8, closeByAttendant), (2, removePotential), (7, transferByAttendant),
            (3, transferByAdmin), (6, take), (3, changeCapacity), (3, changeDepartments), (1, toggleActive),
            (1, changeHours), (1, changeStrategy), (1, addOrRemoveDepartment), (2, tickNow), (4, setPriority),
            (1, changeOverflow),
        ]
        var roll = rng.below(weights.reduce(0) { $0 + $1.0 })
        for (weight, operation) in weights {
            if roll < weight { return try operation() }
            roll -= weight
        }
    }

    func connect() throws {
        let id = randomAgent()
        note("connect \(id)")
        count("connect")
        if model.agents[Int(id) - 1].connections == 0 { model.markIdle(id, now: now) }
        model.agents[Int(id) - 1].connections += 1
        model.agents[Int(id) - 1].online = true
        try absorb(router.connect(id, now: now), Prediction(), "connect")
    }

    func disconnect() throws {
        let id = connectedAgent()
        note("disconnect \(id)")
        if model.agents[Int(id) - 1].connections > 0 { model.agents[Int(id) - 1].connections -= 1 }
        let effects = router.disconnect(id, now: now)
        guard effects.allSatisfy({ $0 == .attendantChanged(id) }) else {
            throw SimulationFailure(description: "disconnect returned \(effects)")
        }
    }

    func presence() throws {
        let id = randomAgent()
        let online = rng.chance(60)
        note("presence \(id) \(online ? "online" : "away")")
        model.agents[Int(id) - 1].online = online
        try absorb(router.setPresence(id, online: online, now: now), Prediction(), "presence")
    }

    func open() throws {
        let id = nextChatID
        nextChatID += 1
        let department = rng.chance(75) ? anyDepartment() : nil
        let preferred = rng.chance(25) ? anyAttendant() : nil
        var externalId = "x\(id)"
        if rng.chance(2), let other = rng.pick(model.openIds) { externalId = model.chats[other]!.externalId }
        let priority = rng.chance(30) ? 1 + rng.below(9) : 0
        note("open \(id) in \(department ?? "-") preferring \(preferred.map(String.init) ?? "-") priority \(priority)")
        var refusal: RoutingError.Kind?
        if let department, model.queues[department] == nil {
            refusal = .notFound
        } else if model.externalIds[externalId] != nil {
            refusal = .invalidState
        }
        var conversation = Conversation(id: id, externalId: externalId, contactPhone: "+5511987654321",
                                        department: department, openedAt: now, preferredAttendant: preferred)
        conversation.priority = priority
        try attempt("open", refusal, Prediction(changed: [id])) { () throws(RoutingError) in
            try router.open(conversation, now: now)
        } model: {
            model.add(ShadowModel.Chat(id: id, externalId: externalId, department: department,
                                       state: department == nil ? .potential : .queued, preferred: preferred,
                                       priority: priority))
        }
    }

    func route() throws {
        let id = rng.chance(80) ? (rng.pick(model.potentials) ?? anyChat()) : anyChat()
        let department = anyDepartment()
        note("route \(id) to \(department)")
        let chat = model.chats[id]
        var refusal: RoutingError.Kind?
        if chat == nil || model.queues[department] == nil {
            refusal = .notFound
        } else if chat!.state == .assigned {
            refusal = .invalidState
        }
        let stays = chat?.state == .queued && chat?.department == department
        try attempt("route", refusal, Prediction(changed: stays ? [] : [id])) { () throws(RoutingError) in
            try router.route(id, to: department, now: now)
        } model: {
            guard !stays, var chat else { return }
            model.detach(id)
            model.enqueue(&chat, in: department)
        }
    }

    func closeByBot() throws {
        let id = anyChat()
        let actor: Actor = rng.chance(50) ? .bot : .admin
        note("close \(id) by \(actor)")
        try close(id, by: actor, refusal: model.chats[id] == nil ? .notFound : nil)
    }

    func closeByAttendant() throws {
        let id = assignedChat()
        let chat = model.chats[id]
        let owner = chat?.state == .assigned ? chat?.attendant : nil
        let attendant = owner.flatMap { rng.chance(90) ? $0 : nil } ?? randomAgent()
        note("close \(id) by attendant \(attendant)")
        let refusal: RoutingError.Kind? = chat == nil ? .notFound : (owner == attendant ? nil : .forbidden)
        try close(id, by: .attendant(attendant), refusal: refusal)
    }

    func close(_ id: ConversationID, by actor: Actor, refusal: RoutingError.Kind?) throws {
        var prediction = Prediction(changed: [id])
        prediction.closed = (id, model.chats[id]?.attendant, .closed)
        try attempt("close", refusal, prediction) { () throws(RoutingError) in
            try router.close(id, by: actor, now: now)
        } model: {
            model.remove(id)
        }
    }

    func removePotential() throws {
        let id = rng.chance(80) ? (rng.pick(model.potentials) ?? anyChat()) : anyChat()
        note("remove potential \(id)")
        let chat = model.chats[id]
        let refusal: RoutingError.Kind? = chat == nil ? .notFound : (chat!.state == .potential ? nil : .invalidState)
        var prediction = Prediction(changed: [id])
        prediction.closed = (id, nil, .removed)
        try attempt("removePotential", refusal, prediction) { () throws(RoutingError) in
            try router.removePotential(id, now: now)
        } model: {
            model.remove(id)
        }
    }

    func take() throws {
        let id = rng.chance(90) ? waitingChat() : anyChat()
        // Mostly an attendant of the chat's department with room, as a panel offers; sometimes anyone.
        let department = model.chats[id]?.department
        let ready = model.agents.filter { agent in
            agent.connections > 0 && agent.profile.active && agent.open.count < agent.profile.maxChats
                && department.map { agent.profile.departments.contains($0) } == true
        }
        let attendant = rng.chance(75) ? (rng.pick(ready.map(\.profile.id)) ?? connectedAgent())
            : rng.chance(95) ? connectedAgent() : anyAttendant()
        note("take \(id) by \(attendant)")
        var refusal: RoutingError.Kind?
        if let chat = model.chats[id], let agent = model.agent(attendant) {
            if chat.state != .queued {
                refusal = .invalidState
            } else if !agent.profile.departments.contains(chat.department!) || !agent.profile.active {
                refusal = .forbidden
            } else if !agent.inHours {
                refusal = .outsideHours  // the eligibility rule's one order: hours before capacity
            } else if agent.open.count >= agent.profile.maxChats {
                refusal = .atCapacity
            }
        } else {
            refusal = .notFound
        }
        var prediction = Prediction(changed: [id])
        prediction.manual = (id, attendant, .take)
        try attempt("take", refusal, prediction) { () throws(RoutingError) in
            try router.take(id, by: attendant, now: now)
        } model: {}
    }

    func tickNow() throws {
        note("tick")
        try absorb(router.tick(now: now), Prediction(), "tick")
    }
}
