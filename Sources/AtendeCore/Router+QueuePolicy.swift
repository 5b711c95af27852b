// Router, queue policy: priorities and where a waiting chat stands (position, estimated wait, when the
// department opens). The estimate follows Asterisk's announce-holdtime: an exponentially
// weighted average of the department's answer times, new = (3 x old + sample) / 4, here scaled by how many
// attendants could take chats then against how many can now (`DepartmentState.staff`), less what the chat has
// already waited. Before the first answer the department's service-level target stands in for the average.

/// Where a waiting chat stands, for `conversation.position` and the bots' `conversation.queued` push.
public struct QueueStanding: Equatable, Sendable {
    /// 1-based position in the queue's order.
    public var position: Int
    /// The queue's length.
    public var waiting: Int
    /// Seconds the chat may still wait; nil when nobody of the department can take chats now.
    public var estimatedWaitSeconds: Int64?
    /// When no attendant of the department is inside working hours now, the next time one is.
    public var opensAt: Instant?

    /// Creates a standing.
    public init(position: Int, waiting: Int, estimatedWaitSeconds: Int64?, opensAt: Instant?) {
        self.position = position
        self.waiting = waiting
        self.estimatedWaitSeconds = estimatedWaitSeconds
        self.opensAt = opensAt
    }
}

extension Router {
    /// The highest priority a chat may have.
    public static let priorities = 0...9

    /// Changes a waiting chat's priority; it moves to its new place in the queue. Refused (invalid state) for a
    /// chat that does not wait.
    public func setPriority(_ id: ConversationID, to priority: Int, now: Instant) throws(RoutingError)
        -> [RouterEffect] {
        var conversation = try openConversation(id)
        guard conversation.state == .queued || conversation.state == .potential else {
            throw RoutingError(.invalidState, "conversation is \(conversation.state.rawValue), not waiting",
                               field: "id")
        }
        guard Self.priorities.contains(priority) else {
            throw RoutingError(.invalidState, "priority must be 0...9", field: "priority")
        }
        if conversation.priority == priority { return [] }
        let before = position(of: id)
        leaveWaiting(conversation)
        conversation.priority = priority
        conversations[id] = conversation
        joinWaiting(conversation)
        var effects: [RouterEffect] = [.saved(conversation)]
        if conversation.state == .queued, let department = conversation.department {
            effects.append(position(of: id) == before ? .queueChanged(department) : .queueReordered(department))
        }
        return effects
    }

    /// Folds one answer time into the department's averages.
    func noteAnswer(in state: DepartmentState, after millis: Int64) {
        let seconds = Double(max(0, millis)) / 1000
        let staff = Double(max(state.staff, 1))
        if let average = state.answerAverage {
            state.answerAverage = (3 * average + seconds) / 4
            state.staffAverage = (3 * state.staffAverage + staff) / 4
        } else {
            state.answerAverage = seconds
            state.staffAverage = staff
        }
    }

    /// Where a waiting chat stands in its department's queue (nil when it is not queued).
    public func standing(of id: ConversationID, now: Instant) -> QueueStanding? {
        guard let conversation = conversations[id], conversation.state == .queued,
              let department = conversation.department, let state = departments[department],
              let place = place(of: conversation), let position = state.queue.position(of: place) else { return nil }
        var estimate: Int64?
        if state.staff > 0 {
            let average = state.answerAverage ?? Double(state.department.serviceLevel)
            let staffThen = state.answerAverage == nil ? Double(state.staff) : state.staffAverage
            let scaled = average * staffThen / Double(state.staff)
            let waited = Double(max(0, now - (conversation.queuedAt ?? now))) / 1000
            estimate = Int64(max(0, scaled - waited).rounded())
        }
        return QueueStanding(position: position, waiting: state.queue.count, estimatedWaitSeconds: estimate,
                             opensAt: opensAt(department, now: now))
    }

    /// When no active attendant of the department is inside working hours at `now`, the next time one is; nil
    /// when one is inside now, or none ever will be.
    public func opensAt(_ department: String, now: Instant) -> Instant? {
        guard let state = departments[department] else { return nil }
        // Someone who can take chats now is inside its hours (unless a deadline, perhaps an hours boundary, is
        // due and not yet applied): no need to read anyone's time zone.
        if state.staff > 0, (deadlines.next?.at.millis ?? .max) > now.millis { return nil }
        var earliest: Instant?
        for id in state.servedBy {
            guard let person = attendants[id], person.profile.active else { continue }
            let hours = person.profile.hours
            if hours.contains(now) { return nil }
            if let start = hours.nextStart(after: now), earliest.map({ start < $0 }) ?? true { earliest = start }
        }
        return earliest
    }
}

extension WeeklyHours {
    /// The next moment after `t` at which these hours are inside (a boundary that only crosses a time-zone
    /// transition is passed over); nil when there is none within a few weeks.
    public func nextStart(after t: Instant) -> Instant? {
        var moment = t
        for _ in 0..<64 {
            guard let next = nextChange(after: moment) else { return nil }
            if contains(next) { return next }
            moment = next
        }
        return nil
    }
}
