// Router, queue membership: the one place that knows which queue a waiting chat is in and where in it.
// A potential waits among the potentials in the order it arrived (its queue sequence); a queued chat waits in
// its department's queue in contract v2 order, `queuedAt - priority x priorityStep`, then `queuedAt`, then id.
// Every operation that moves a chat in or out of waiting goes through `joinWaiting` and `leaveWaiting`, while the
// chat still holds the state, department, priority and queue time it waits with.

extension Router {
    /// The place a waiting chat holds in its queue (nil when it does not wait).
    func place(of conversation: Conversation) -> QueuePlace? {
        switch conversation.state {
        case .potential:
            return QueuePlace(rank: conversation.queueSeq, queuedAt: conversation.queueSeq, id: conversation.id)
        case .queued:
            guard let department = conversation.department, let state = departments[department],
                  let queuedAt = conversation.queuedAt?.millis else { return nil }
            return Self.place(id: conversation.id, queuedAt: queuedAt, priority: conversation.priority,
                              step: state.department.priorityStep)
        default:
            return nil
        }
    }

    /// The place of a chat with this queue time and priority in a queue whose step is `step` seconds.
    static func place(id: ConversationID, queuedAt: Int64, priority: Int, step: Int) -> QueuePlace {
        QueuePlace(rank: queuedAt &- Int64(priority) &* Int64(step) &* 1000, queuedAt: queuedAt, id: id)
    }

    /// Puts a waiting chat (potential or queued) in its queue.
    func joinWaiting(_ conversation: Conversation) {
        guard let place = place(of: conversation) else { return }
        if conversation.state == .potential {
            potentials.insert(place)
            potentialsVersion &+= 1
        } else if let department = conversation.department {
            departments[department]?.queue.insert(place)
            scheduleWaitTimers(conversation)
        }
    }

    /// Takes a chat out of the queue it waits in (nothing when it does not wait); call before changing its state.
    func leaveWaiting(_ conversation: Conversation) {
        guard let place = place(of: conversation) else { return }
        if conversation.state == .potential {
            potentials.remove(place)
            potentialsVersion &+= 1
        } else if let department = conversation.department {
            guard let state = departments[department] else { return }
            state.queue.remove(place)
            // Its timers exist only where the department has a rule (a rule removed cancels them all at once).
            if state.department.overflow != nil || state.department.waitAlert != nil {
                deadlines.cancel(.overflow(conversation.id))
                deadlines.cancel(.waitAlert(conversation.id))
            }
        }
    }

    /// Rebuilds a department's queue after its priority step changed (every rank moves); returns whether the
    /// order changed.
    func reorderQueue(of state: DepartmentState) -> Bool {
        let ids = state.queue.places().map(\.id)
        state.queue.removeAll()
        for id in ids {
            if let conversation = conversations[id], let place = place(of: conversation) {
                state.queue.insert(place)
            }
        }
        return state.queue.places().map(\.id) != ids
    }

    /// The 1-based position of a waiting chat in its queue (nil when it does not wait), without scanning.
    public func position(of id: ConversationID) -> Int? {
        guard let conversation = conversations.withValue(forKey: id, { $0 }), let place = place(of: conversation)
        else { return nil }
        if conversation.state == .potential { return potentials.position(of: place) }
        return conversation.department.flatMap { departments[$0]?.queue.position(of: place) }
    }
}

extension Router {
    /// True when waiting chat `a` comes before `b` in queue order (across departments: by their places).
    public func comesFirst(_ a: Conversation, _ b: Conversation) -> Bool {
        guard let first = place(of: a), let second = place(of: b) else { return a.queueSeq < b.queueSeq }
        return first < second
    }
}
