// Router, the read side: what clients list and admins count. Nothing here changes state except dropping stale
// queue entries on the way, which changes no answer.

extension Router {
    /// An open conversation by id.
    public func conversation(_ id: ConversationID) -> Conversation? { conversations[id] }

    /// Whether the conversation is open (without copying it out, as `conversation(_:)` does).
    public func isOpen(_ id: ConversationID) -> Bool { conversations.index(forKey: id) != nil }

    /// The id of the open conversation with this external id.
    public func conversationID(externalId: String) -> ConversationID? { byExternalId[externalId] }

    /// The chats waiting in a department, in queue order.
    public func waiting(in department: String, limit: Int = .max) -> [Conversation] {
        guard let state = departments[department] else { return [] }
        return state.queue.places(limit: limit).compactMap { conversations[$0.id] }
    }

    /// Number of chats waiting in a department.
    public func waitingCount(in department: String) -> Int { departments[department]?.queue.count ?? 0 }

    /// The potentials, oldest first.
    public func potentialList(limit: Int = .max) -> [Conversation] {
        potentials.places(limit: limit).compactMap { conversations[$0.id] }
    }

    /// Number of potentials.
    public var potentialCount: Int { potentials.count }

    /// The attendant's open chats, oldest assignment first.
    public func assigned(to attendant: AttendantID) -> [Conversation] {
        guard let state = attendants[attendant] else { return [] }
        return state.open.compactMap { conversations[$0] }
            .sorted { ($0.assignedAt ?? $0.openedAt, $0.id) < ($1.assignedAt ?? $1.openedAt, $1.id) }
    }

    /// Number of open chats of the attendant.
    public func openChats(of attendant: AttendantID) -> Int { attendants[attendant]?.open.count ?? 0 }

    /// The attendant's presence: offline without a connection, off-hours when connected outside its hours,
    /// otherwise what it chose.
    public func presence(of attendant: AttendantID) -> Presence {
        guard let state = attendants[attendant] else { return .offline }
        let reasons = state.ineligibility
        if reasons.contains(.offline) { return .offline }
        if reasons.contains(.offHours) { return .offHours }
        return reasons.contains(.away) ? .away : .online
    }

    /// The routing profile the router holds for the attendant.
    public func profile(of attendant: AttendantID) -> AttendantProfile? { attendants[attendant]?.profile }

    /// Departments the router knows, by id.
    public var departmentIDs: [String] { departments.keys.sorted() }

    /// The department's numbers for `stats.get`.
    public func stats(of department: String, now: Instant) -> DepartmentStats? {
        guard let state = departments[department] else { return nil }
        let oldest = state.queue.earliestQueuedAt().map { max(0, (now.millis - $0) / 1000) } ?? 0
        let online = state.servedBy.reduce(0) { $0 + (presence(of: $1) == .online ? 1 : 0) }
        return DepartmentStats(department: department, waiting: state.queue.count, oldestWaitSeconds: oldest,
                               assigned: state.assigned, offered: state.offered, attendantsOnline: online)
    }

    /// Every open conversation (for invariant checks and snapshots); no order.
    public var openConversations: [Conversation] { Array(conversations.values) }

    /// Attendant ids the router knows.
    public var attendantIDs: [AttendantID] { Array(attendants.keys) }

}

extension Router {
    /// The attendants whose profile lists the department.
    public func servers(of department: String) -> IDSet<AttendantID> { departments[department]?.servedBy ?? [] }
}
