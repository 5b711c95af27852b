// Router, recovery in steps: departments and attendants first, then the open conversations one at a time as the
// store reads them (in queue order), then the closed chats in wrap-up and the presence graces. `restore` runs the
// three steps over an array; the daemon feeds the middle one straight from the store's rows, so a restart at a
// million waiting chats builds no array of them and copies each chat once, into the router's table.

extension Router {
    /// Recovery, first step: the departments and the attendants (none connected).
    public func beginRestore(departments: [Department], attendants: [AttendantProfile], now: Instant) {
        for department in departments {
            self.departments[department.id] = DepartmentState(department: department)
        }
        for profile in attendants {
            self.attendants[profile.id] = AttendantState(profile: profile, idleSince: now)
            for id in profile.departments { self.departments[id]?.servedBy.insert(profile.id) }
            link(self.attendants[profile.id]!)
        }
    }

    /// Sizes the router's tables for `count` more open conversations (before `restoreConversation` adds them).
    public func reserveConversations(_ count: Int) {
        conversations.reserveCapacity(conversations.count + count)
        byExternalId.reserveCapacity(byExternalId.count + count)
    }

    /// Recovery, second step, once per open conversation in queue order: it comes back in its queue in its
    /// original place with its original timestamps, or with its attendant, its offer or reply deadline (one
    /// already past is applied by the first tick).
    public func restoreConversation(_ conversation: consuming Conversation, now: Instant) {
        guard conversation.state.isOpen else { return }
        let id = conversation.id
        byExternalId[conversation.externalId] = id
        nextQueueSeq = max(nextQueueSeq, conversation.queueSeq + 1)
        switch conversation.state {
        case .potential, .queued:
            joinWaiting(conversation)
        case .assigned:
            if let attendant = conversation.attendantId { attendants[attendant]?.open.insert(id) }
            if let department = conversation.department { departments[department]?.assigned += 1 }
            if let due = conversation.replyDueAt { deadlines.schedule(.replyTimeout(id), at: due) }
        case .offered:
            if let attendant = conversation.attendantId { attendants[attendant]?.open.insert(id) }
            if let department = conversation.department { departments[department]?.offered += 1 }
            deadlines.schedule(.offerExpiry(id), at: conversation.offerExpiresAt ?? now)
        case .closed, .removed:
            break
        }
        // Last, and moved rather than copied: the table holds the one copy.
        conversations[id] = consume conversation
    }

    /// Recovery, last step: closed chats whose wrap-up was running keep their attendants' slots until it ends,
    /// and the presence graces that were running get their deadlines back.
    /// `away`: the attendants whose last choice was away (they come back so when a session resumes);
    /// `missedOffers`: each attendant's run of offers that ran out unanswered.
    public func finishRestore(wrapping: [Conversation], graces: [AttendantID: Instant], away: [AttendantID] = [],
                              missedOffers: [AttendantID: Int] = [:]) {
        for id in away { attendants[id]?.wantsOnline = false }
        for (id, count) in missedOffers { attendants[id]?.missedOffers = count }
        for chat in wrapping {
            guard let attendant = chat.attendantId, let until = chat.wrapUpUntil else { continue }
            wrappingChats[chat.id] = chat
            attendants[attendant]?.wrapping.insert(chat.id)
            deadlines.schedule(.wrapUpEnd(chat.id), at: until)
        }
        for (id, until) in graces where attendants[id] != nil {
            deadlines.schedule(.presenceGrace(id), at: until)
        }
    }
}
