// Router, overflow and wait alerts (contract v2): two kinds of the one deadline heap, set when a chat joins a
// department queue and cancelled when it leaves one. A chat that waits `overflow.after` seconds in a queue moves
// to the overflow department's queue keeping its `queuedAt` and priority (so it takes its place there by the same
// order), at most `maxOverflowMoves` times, so a ring of overflows cannot move a chat for ever. A wait alert goes
// to the bots once per chat per department. Both count from `queueJoinedAt`, the moment the chat joined the
// queue it waits in, which the store keeps, so a restart sets the same deadlines again.

extension Router {
    /// The most overflow moves a chat makes.
    public static let maxOverflowMoves = 3

    /// Sets (or clears) a waiting chat's overflow and wait-alert deadlines from its department's settings.
    func scheduleWaitTimers(_ conversation: Conversation) {
        let id = conversation.id
        guard conversation.state == .queued, let department = conversation.department,
              let settings = departments[department]?.department,
              settings.overflow != nil || settings.waitAlert != nil,
              let joined = conversation.queueJoinedAt ?? conversation.queuedAt else {
            // Most departments have neither rule: a restart of a million waiting chats then looks nothing up.
            if !deadlines.isEmpty {
                deadlines.cancel(.overflow(id))
                deadlines.cancel(.waitAlert(id))
            }
            return
        }
        // The alert first: at the same instant (ties go in scheduling order) the chat did wait that long here.
        if let alert = settings.waitAlert, !conversation.waitAlertedIn.contains(department) {
            deadlines.schedule(.waitAlert(id), at: joined + alert * 1000)
        } else {
            deadlines.cancel(.waitAlert(id))
        }
        if let overflow = settings.overflow, conversation.overflowMoves < Self.maxOverflowMoves {
            deadlines.schedule(.overflow(id), at: joined + overflow.after * 1000)
        } else {
            deadlines.cancel(.overflow(id))
        }
    }

    /// Moves a chat that waited too long to its department's overflow queue; returns the departments to drain.
    func overflow(_ id: ConversationID, now: Instant, effects: inout [RouterEffect]) -> [String] {
        guard var conversation = conversations[id], conversation.state == .queued,
              let from = conversation.department, let rule = departments[from]?.department.overflow,
              departments[rule.department] != nil, rule.department != from,
              conversation.overflowMoves < Self.maxOverflowMoves else { return [] }
        leaveWaiting(conversation)
        conversation.department = rule.department
        conversation.overflowedFrom = from
        conversation.overflowMoves += 1
        conversation.queueJoinedAt = now
        conversations[id] = conversation
        joinWaiting(conversation)
        effects.append(.saved(conversation))
        effects.append(.queueChanged(from))
        effects.append(.queueChanged(rule.department))
        return [rule.department]
    }

    /// A department was created: the chats of departments that overflow into it get their deadlines again. A
    /// deadline that fell while the department did not exist (it was deleted and is back) moved nothing; the
    /// chat has waited long enough, so it moves now, as it would after a restart.
    func rearmOverflows(into target: String) {
        for (_, state) in departments where state.department.overflow?.department == target {
            for place in state.queue.places() { if let chat = conversations[place.id] { scheduleWaitTimers(chat) } }
        }
    }

    /// Tells the bots that a chat has waited its department's `waitAlert` (once per department).
    func alertWait(_ id: ConversationID, now: Instant, effects: inout [RouterEffect]) {
        guard let index = conversations.index(forKey: id) else { return }
        let (state, department, joined) = conversations.withValue(at: index) {
            ($0.state, $0.department, $0.queueJoinedAt ?? $0.queuedAt)
        }
        guard state == .queued, let department, let joined,
              !conversations.values[index].waitAlertedIn.contains(department) else { return }
        conversations.values[index].waitAlertedIn.append(department)
        let conversation = conversations.values[index]
        effects.append(.saved(conversation))
        effects.append(.waitExceeded(conversation, waitedSeconds: max(0, now - joined) / 1000))
    }
}
