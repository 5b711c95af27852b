// Router, the attendant and department half: presence, working hours, capacity, strategies.
// `refresh` is the single place that decides whether an attendant is eligible and where it sits in each heap;
// every operation that can change eligibility calls it and then drains the departments it returns.

extension Router {
    // MARK: - Departments

    /// Creates or updates a department. A new strategy re-keys the department's heap.
    public func upsertDepartment(_ department: Department, now: Instant) -> [RouterEffect] {
        var effects: [RouterEffect] = []
        if departments[department.id] == nil {
            departments[department.id] = DepartmentState(department: department)
            for (id, state) in attendants where state.profile.departments.contains(department.id) {
                departments[department.id]!.servedBy.insert(id)
                link(state)
            }
            rearmOverflows(into: department.id)
        } else {
            let state = departments[department.id]!
            let old = state.department
            state.department = department
            state.eligible.removeAll()
            if old.priorityStep != department.priorityStep && reorderQueue(of: state) {
                effects.append(.queueReordered(department.id))
            }
            // Not an alternative to the re-sort: one update may change the step and the rules together.
            if old.overflow != department.overflow || old.waitAlert != department.waitAlert {
                for place in state.queue.places() { if let chat = conversations[place.id] { scheduleWaitTimers(chat) } }
            }
        }
        for id in departments[department.id]!.servedBy { _ = refresh(id) }
        drain([department.id], now: now, effects: &effects)
        return effects
    }

    /// Deletes a department; refused while chats wait or are assigned in it, or attendants serve it.
    public func removeDepartment(_ id: String) throws(RoutingError) {
        guard let state = departments[id] else {
            throw RoutingError(.notFound, "department '\(id)' does not exist", field: "id")
        }
        guard state.queue.isEmpty, state.assigned == 0, state.offered == 0 else {
            throw RoutingError(.invalidState, "department '\(id)' has open chats", field: "id")
        }
        guard state.servedBy.isEmpty else {
            throw RoutingError(.invalidState, "department '\(id)' is served by \(state.servedBy.count) attendant(s)",
                               field: "id")
        }
        departments[id] = nil
    }

    /// True when the department exists.
    public func hasDepartment(_ id: String) -> Bool { departments[id] != nil }

    // MARK: - Attendants

    /// Creates or updates an attendant's routing profile (active flag, departments, hours, capacity).
    /// Open chats stay with the attendant whatever changes.
    public func upsertAttendant(_ profile: AttendantProfile, now: Instant) -> [RouterEffect] {
        let old = attendants[profile.id]?.profile
        if attendants[profile.id] == nil {
            attendants[profile.id] = AttendantState(profile: profile, idleSince: now)
        } else {
            attendants[profile.id]!.profile = profile
        }
        for department in old?.departments ?? [] where !profile.departments.contains(department) {
            departments[department]?.servedBy.remove(profile.id)
            departments[department]?.eligible.remove(profile.id)
        }
        for department in profile.departments { departments[department]?.servedBy.insert(profile.id) }
        link(attendants[profile.id]!)
        if old?.hours != profile.hours { _ = refreshHours(profile.id, now: now) }
        var effects: [RouterEffect] = [.attendantChanged(profile.id)]
        drain(refresh(profile.id), now: now, effects: &effects)
        return effects
    }

    /// A session of the attendant logged in: the attendant is connected and `online` (a login always makes it
    /// online; `online: false` restores an `away` session, e.g. when the state is rebuilt after a failed commit).
    public func connect(_ attendant: AttendantID, online: Bool = true, now: Instant) -> [RouterEffect] {
        guard attendants[attendant] != nil else { return [] }
        var effects: [RouterEffect] = [.attendantChanged(attendant)]
        if attendants[attendant]!.connections == 0 {
            markIdle(attendant, now: now)
            if deadlines.deadline(of: .presenceGrace(attendant)) != nil {
                deadlines.cancel(.presenceGrace(attendant))  // back within the grace: everything stays
                effects.append(.graceChanged(attendant, until: nil))
            }
        }
        attendants[attendant]!.connections += 1
        attendants[attendant]!.wantsOnline = online
        _ = refreshHours(attendant, now: now)
        drain(refresh(attendant), now: now, effects: &effects)
        return effects
    }

    /// A session of the attendant ended; with the last one it goes offline and its chats stay its own.
    public func disconnect(_ attendant: AttendantID, now: Instant) -> [RouterEffect] {
        guard let state = attendants[attendant], state.connections > 0 else { return [] }
        state.connections -= 1
        _ = refresh(attendant)
        var effects: [RouterEffect] = [.attendantChanged(attendant)]
        guard state.connections == 0 else { return effects }
        deadlines.cancel(.hoursBoundary(attendant))
        // Gone: its offers go back at once; its assigned chats after the grace, if it does not come back.
        var dirty: [String] = []
        for id in Array(state.open) where conversations[id]?.state == .offered {
            dirty += takeBack(id, reason: .offline, now: now, effects: &effects)
        }
        if !state.open.isEmpty && requeueOnOffline != .none {
            deadlines.schedule(.presenceGrace(attendant), at: now + presenceGrace)
            effects.append(.graceChanged(attendant, until: now + presenceGrace))
        }
        // Only when offers went back: a plain logout drains nothing (the slot it frees is no one else's).
        if !dirty.isEmpty || presenceGrace == 0 { drain(dirty, now: now, effects: &effects) }
        return effects
    }

    /// True when the attendant's last choice, or its missed offers, left it `away` (kept while it is disconnected,
    /// so that a panel reloaded within its session comes back as it was).
    public func prefersAway(_ attendant: AttendantID) -> Bool { attendants[attendant]?.wantsOnline == false }

    /// The attendant chose `online` (true) or `away` (false).
    public func setPresence(_ attendant: AttendantID, online: Bool, now: Instant) -> [RouterEffect] {
        guard attendants[attendant] != nil else { return [] }
        attendants[attendant]!.wantsOnline = online
        var effects: [RouterEffect] = [.attendantChanged(attendant)]
        if attendants[attendant]!.missedOffers > 0 {
            attendants[attendant]!.missedOffers = 0
            effects.append(.missedOffersChanged(attendant, count: 0))
        }
        drain(refresh(attendant), now: now, effects: &effects)
        return effects
    }

    // MARK: - Deadlines

    /// When the router next needs `tick`: the earliest deadline of any kind.
    public var nextDeadline: Instant? { deadlines.next?.at }

    /// Applies every deadline reached by `now`; attendants whose hours start take waiting chats.
    /// (Every operation that drains applies them as well, so the order of requests and ticks does not matter.)
    public func tick(now: Instant) -> [RouterEffect] {
        var effects: [RouterEffect] = []
        drain([], now: now, effects: &effects)
        return effects
    }

    /// Most deadlines applied by one tick or operation: a burst of them (100k offers running out together) is
    /// spread over several loop turns, so requests are served between them; the rest stay due, and the daemon
    /// ticks again at once. The hours boundary of an attendant about to get a chat is applied on the spot, so a
    /// boundary left for the next turn never lets a chat through (see `drain`).
    public static let deadlinesPerTurn = 256

    /// Applies the deadlines reached by `now` (at most `deadlinesPerTurn`), earliest first; returns the
    /// departments that may drain.
    func applyDue(now: Instant, effects: inout [RouterEffect]) -> [String] {
        var dirty: [String] = []
        var applied = 0
        while applied < Self.deadlinesPerTurn, let kind = deadlines.popDue(now: now) {
            applied += 1
            switch kind {
            case .hoursBoundary(let attendant):
                dirty += applyHoursBoundary(attendant, now: now, effects: &effects)
            case .offerExpiry(let id):
                dirty += expireOffer(id, now: now, effects: &effects)
            case .offerWithdrawal(let id):
                // (takeBack also takes assigned chats: a withdrawal is only ever for an offer)
                if conversations[id]?.state == .offered {
                    dirty += takeBack(id, reason: .away, now: now, effects: &effects)
                }
            case .replyTimeout(let id):
                dirty += takeBack(id, reason: .replyTimeout, now: now, effects: &effects)
            case .wrapUpEnd(let id):
                dirty += endWrapUp(id, effects: &effects)
            case .presenceGrace(let attendant):
                dirty += requeueAfterGrace(attendant, now: now, effects: &effects)
            case .overflow(let id):
                dirty += overflow(id, now: now, effects: &effects)
            case .waitAlert(let id):
                alertWait(id, now: now, effects: &effects)
            }
        }
        return dirty
    }

    /// The attendant's working hours started or ended: re-read them and re-key it.
    func applyHoursBoundary(_ attendant: AttendantID, now: Instant, effects: inout [RouterEffect]) -> [String] {
        let wasInside = attendants[attendant]?.inHours
        if refreshHours(attendant, now: now) != wasInside { effects.append(.attendantChanged(attendant)) }
        return refresh(attendant)
    }

    /// Re-reads whether the attendant is inside its hours now and sets its next boundary timer (connected
    /// attendants only). Returns whether it is inside.
    @discardableResult
    func refreshHours(_ attendant: AttendantID, now: Instant) -> Bool {
        guard let state = attendants[attendant] else {
            deadlines.cancel(.hoursBoundary(attendant))
            return false
        }
        let inside = state.profile.hours.contains(now)
        attendants[attendant]!.inHours = inside
        if state.connections > 0, let next = state.profile.hours.nextChange(after: now) {
            deadlines.schedule(.hoursBoundary(attendant), at: Instant(millis: max(next.millis, now.millis + 1)))
        } else {
            deadlines.cancel(.hoursBoundary(attendant))
        }
        return inside
    }

    // MARK: - Eligibility

    /// Puts the attendant in (or takes it out of) the heap of each department it serves, keyed by that
    /// department's strategy. Returns the departments where it is now eligible, to be drained.
    func refresh(_ attendant: AttendantID) -> [String] {
        guard let state = attendants[attendant], reposition(state) else { return [] }
        return state.links.compactMap { $0.state.department.strategy == .manual ? nil : $0.state.department.id }
    }

    /// `refresh` without the list (an assignment only moves the attendant down): true when it is available.
    @discardableResult
    func reposition(_ state: AttendantState) -> Bool {
        let available = state.available
        if state.canServe != state.staffed {
            state.staffed.toggle()
            for link in state.links { link.state.staff += state.staffed ? 1 : -1 }
        }
        for link in state.links {
            let department = link.state
            let strategy = department.department.strategy
            if available && strategy != .manual {
                let turn = strategy == .roundRobin ? department.roundRobinTurn[state.profile.id] ?? 0 : 0
                department.eligible.upsert(key(for: state, strategy: strategy, turn: turn), slot: link.slot)
            } else {
                department.eligible.remove(slot: link.slot)
            }
        }
        return available
    }

    /// Resolves the attendant's departments to their states and its slots in their heaps (after its profile or
    /// the set of departments changed).
    func link(_ state: AttendantState) {
        if state.staffed { for link in state.links { link.state.staff -= 1 } }
        state.links = state.profile.departments.compactMap { id in
            departments[id].map { DepartmentLink(state: $0, slot: $0.eligible.slot(for: state.profile.id)) }
        }
        if state.staffed { for link in state.links { link.state.staff += 1 } }
    }

    func key(for state: AttendantState, strategy: Strategy, turn: Int64) -> HeapKey {
        let id = state.profile.id
        let idle = state.idleOrder
        switch strategy {
        case .leastBusy, .manual:
            return HeapKey(primary: Int64(state.heldSlots), secondary: idle, id: id)
        case .longestIdle:
            return HeapKey(primary: idle, secondary: 0, id: id)
        case .roundRobin:
            return HeapKey(primary: turn, secondary: idle, id: id)
        }
    }

    /// True when the attendant could be given a chat of the department right now.
    public func isEligible(_ attendant: AttendantID, for department: String) -> Bool {
        guard let state = attendants[attendant] else { return false }
        return ineligibility(of: state, for: department).isEmpty
    }
}
