// RouterSimulation, the events that change who may get chats: transfers, capacity, departments served, the active
// flag, working hours, strategies, and departments coming and going. Each predicts the router's refusal from the
// model in the order the contract gives the checks, then lets the effects be judged.

import AtendeCore

extension RouterSimulation {
    func transferByAttendant() throws {
        let id = assignedChat()
        let chat = model.chats[id]
        let owner = chat?.state == .assigned ? chat?.attendant : nil
        let attendant = owner.flatMap { rng.chance(90) ? $0 : nil } ?? randomAgent()
        try transfer(id, by: .attendant(attendant))
    }

    func transferByAdmin() throws {
        try transfer(rng.chance(70) ? waitingChat() : anyChat(), by: .admin)
    }

    func transfer(_ id: ConversationID, by actor: Actor) throws {
        let toAttendant: AttendantID? = rng.chance(35) ? anyAttendant() : nil
        var toDepartment: String? = toAttendant == nil || rng.chance(40) ? anyDepartment() : nil
        if rng.chance(2) { toDepartment = nil }
        note("transfer \(id) by \(actor) to \(toDepartment ?? "-")/\(toAttendant.map(String.init) ?? "-")")
        let chat = model.chats[id]
        var refusal: RoutingError.Kind?
        let department = toDepartment ?? chat?.department ?? ""
        if chat == nil {
            refusal = .notFound
        } else if case .attendant(let attendant) = actor, chat!.attendant != attendant || chat!.state != .assigned {
            refusal = .forbidden
        } else if chat!.state != .assigned && chat!.state != .queued {
            refusal = .invalidState
        } else if let toDepartment, model.queues[toDepartment] == nil {
            refusal = .notFound
        } else if let target = toAttendant {
            if let agent = model.agent(target) {
                // One error per condition, as in take: serving and being active are permissions.
                if target == chat!.attendant {
                    refusal = .invalidState
                } else if !agent.profile.departments.contains(department) || !agent.profile.active {
                    refusal = .forbidden
                } else if agent.connections == 0 {
                    refusal = .invalidState
                } else if !agent.inHours {
                    refusal = .outsideHours
                } else if agent.open.count >= agent.profile.maxChats {
                    refusal = .atCapacity
                }
            } else {
                refusal = .notFound
            }
        } else if toDepartment == nil {
            refusal = .invalidState
        }
        let previous = chat?.attendant
        var prediction = Prediction(changed: [id])
        if let toAttendant { prediction.manual = (id, toAttendant, .direct) }
        if let previous { prediction.transferredFrom = (id, previous) }
        try attempt("transfer", refusal, prediction) { () throws(RoutingError) in
            try router.transfer(id, by: actor, toDepartment: toDepartment, toAttendant: toAttendant, now: now)
        } model: {
            model.detach(id)
            var moved = model.chats[id]!
            moved.avoid = previous
            moved.preferred = nil
            if toAttendant != nil {
                moved.department = department
                moved.state = .assigned
                moved.attendant = nil
                model.chats[id] = moved
            } else {
                model.enqueue(&moved, in: department)
            }
        }
    }

    /// What an admin does before deleting d4: close its chats and take it off every attendant.
    func retireExtraDepartment() throws {
        note("retire d4")
        let chats = model.openIds.filter { model.chats[$0]?.department == "d4" }
        for id in chats { try close(id, by: .admin, refusal: nil) }
        for agent in model.agents where agent.profile.departments.contains("d4") {
            var profile = agent.profile
            profile.departments.removeAll { $0 == "d4" }
            try upsert(profile, "departments")
        }
    }

    func upsert(_ profile: AttendantProfile, _ name: String) throws {
        let index = Int(profile.id) - 1
        model.agents[index].profile = profile
        model.agents[index].inHours = profile.hours.contains(now)
        count(name)
        try absorb(router.upsertAttendant(profile, now: now), Prediction(), name)
    }

    func changeCapacity() throws {
        var profile = model.agents[Int(randomAgent()) - 1].profile
        profile.maxChats = 1 + rng.below(5)
        note("attendant \(profile.id) maxChats \(profile.maxChats)")
        try upsert(profile, "maxChats")
    }

    func changeDepartments() throws {
        var profile = model.agents[Int(randomAgent()) - 1].profile
        let name = Self.departmentNames[rng.below(Self.departmentNames.count)]
        if let index = profile.departments.firstIndex(of: name) {
            profile.departments.remove(at: index)
        } else {
            profile.departments.append(name)
        }
        note("attendant \(profile.id) departments \(profile.departments)")
        try upsert(profile, "departments")
    }

    func toggleActive() throws {
        var profile = model.agents[Int(randomAgent()) - 1].profile
        profile.active.toggle()
        note("attendant \(profile.id) active \(profile.active)")
        try upsert(profile, "active")
        // Like the daemon, usually end the sessions of a deactivated attendant; sometimes leave them, which the
        // router must survive as well.
        if !profile.active && rng.chance(70) {
            while model.agents[Int(profile.id) - 1].connections > 0 {
                model.agents[Int(profile.id) - 1].connections -= 1
                _ = router.disconnect(profile.id, now: now)
            }
        }
    }

    func changeHours() throws {
        var profile = model.agents[Int(randomAgent()) - 1].profile
        profile.hours = Self.palette[rng.below(Self.palette.count)]
        note("attendant \(profile.id) hours \(profile.hours.timeZoneName ?? "always")")
        try upsert(profile, "hours")
    }

    func changeStrategy() throws {
        guard let name = rng.pick(Self.departmentNames.filter { model.queues[$0] != nil }) else { return }
        let strategy = Strategy.allCases[rng.below(Strategy.allCases.count)]
        note("department \(name) \(strategy.rawValue)")
        model.queues[name]!.strategy = strategy
        let reordered = rng.chance(30) ? changeStep(of: name) : []
        count("strategy")
        try absorb(router.upsertDepartment(department(name, strategy), now: now), Prediction(reordered: reordered),
                   "strategy")
    }

    /// Gives a department a random priority step, which re-sorts its whole queue; returns it when the order of its
    /// waiting chats changed (the router then says so).
    func changeStep(of name: String) -> Set<String> {
        let before = model.queues[name]!.waiting
        let step = Self.initialSteps[rng.below(Self.initialSteps.count)]
        let changed = step != model.queues[name]!.step
        model.queues[name]!.step = step
        model.reorder(name)
        count("priorityStep")
        return changed && model.queues[name]!.waiting != before ? [name] : []
    }

    func addOrRemoveDepartment() throws {
        if model.queues["d4"] == nil && rng.chance(70) {
            let strategy = Strategy.allCases[rng.below(Strategy.allCases.count)]
            note("add department d4 \(strategy.rawValue)")
            model.queues["d4"] = ShadowModel.Queue(strategy: strategy, step: 300)
            model.rearmOverflows(into: "d4")
            count("department added")
            return try absorb(router.upsertDepartment(department("d4", strategy), now: now),
                              Prediction(), "add department")
        }
        if model.queues["d4"] != nil && rng.chance(40) { try retireExtraDepartment() }
        let name = rng.chance(70) ? "d4" : anyDepartment()
        note("remove department \(name)")
        var refusal: RoutingError.Kind?
        if let queue = model.queues[name] {
            if !queue.waiting.isEmpty || model.assignedCount(in: name) > 0
                || model.agents.contains(where: { $0.profile.departments.contains(name) }) {
                refusal = .invalidState
            }
        } else {
            refusal = .notFound
        }
        try attempt("removeDepartment", refusal, Prediction()) { () throws(RoutingError) in
            try router.removeDepartment(name)
            return []
        } model: {
            model.queues[name] = nil
        }
    }
}
