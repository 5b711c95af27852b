// Router, the half that makes sure a human picks the chat up: offers (accept, decline, expiry, rescinding),
// reply timeouts, the presence grace after an attendant's last connection closes, and wrap-up after a close.
// Every timer here is a kind in the deadline heap. A chat taken back from an attendant goes back to its queue in
// its original place (same queuedAt and queue seq) and that attendant is passed over for it while anyone else is
// eligible.

/// Which assigned chats go back to their queues when an attendant's presence grace runs out.
public enum RequeueOnOffline: String, Sendable, CaseIterable {
    /// None: the chats wait for the attendant.
    case none
    /// Those the attendant never replied to (no `firstReplyAt`).
    case unanswered
    /// All of them.
    case all
}

extension Router {
    // MARK: - Requests

    /// The attendant accepts the chat offered to it: the chat is assigned for real now.
    public func accept(_ id: ConversationID, by attendant: AttendantID, now: Instant) throws(RoutingError)
        -> [RouterEffect] {
        let conversation = try offeredConversation(id, to: attendant, now: now)
        let index = conversations.index(forKey: id)!
        let department = conversation.department!
        deadlines.cancel(.offerExpiry(id))
        deadlines.cancel(.offerWithdrawal(id))
        conversations.values[index].state = .assigned
        conversations.values[index].assignedAt = now
        conversations.values[index].offeredAt = nil
        conversations.values[index].offerExpiresAt = nil
        conversations.values[index].avoidAttendant = nil
        conversations.values[index].passedOver = []
        if let state = departments[department] {
            state.offered -= 1
            state.assigned += 1
            conversations.values[index].replyDueAt = scheduleReplyTimeout(id, in: state.department, now: now)
        }
        let accepted = conversations.values[index]
        var effects: [RouterEffect] = [.saved(accepted), .assigned(accepted),
                                       .noted(OfferNote(conversationId: id, attendantId: attendant, kind: .accepted,
                                                        at: now))]
        if let person = attendants[attendant], person.missedOffers > 0 {
            person.missedOffers = 0
            effects.append(.missedOffersChanged(attendant, count: 0))
        }
        return effects
    }

    /// The attendant declines the chat offered to it: back to its queue in its place, passing the attendant over.
    public func decline(_ id: ConversationID, by attendant: AttendantID, now: Instant) throws(RoutingError)
        -> [RouterEffect] {
        _ = try offeredConversation(id, to: attendant, now: now)
        var effects = Self.effectList()
        effects.append(.noted(OfferNote(conversationId: id, attendantId: attendant, kind: .declined, at: now)))
        let dirty = takeBack(id, reason: nil, now: now, effects: &effects)
        drain(dirty, now: now, effects: &effects)
        return effects
    }

    /// The attendant ends the wrap-up of one of its closed chats now.
    public func finishWrapUp(_ id: ConversationID, by attendant: AttendantID, now: Instant) throws(RoutingError)
        -> [RouterEffect] {
        guard let chat = wrappingChats[id] else {
            throw RoutingError(.invalidState, "conversation \(id) is not in wrap-up", field: "id")
        }
        guard chat.attendantId == attendant else { throw RoutingError(.forbidden, "not your conversation") }
        deadlines.cancel(.wrapUpEnd(id))
        var effects = Self.effectList()
        let dirty = endWrapUp(id, effects: &effects)
        drain(dirty, now: now, effects: &effects)
        return effects
    }

    /// The attendant replied in the chat: the reply timeout of this assignment is off, and the first reply is
    /// recorded. Effects only when something changed (most replies change nothing the router keeps).
    public func noteReply(_ id: ConversationID, by attendant: AttendantID, now: Instant) -> [RouterEffect] {
        guard let index = conversations.index(forKey: id),
              conversations.withValue(at: index, { $0.state == .assigned && $0.attendantId == attendant }),
              conversations.withValue(at: index, { $0.replyDueAt != nil || $0.firstReplyAt == nil }) else { return [] }
        deadlines.cancel(.replyTimeout(id))
        conversations.values[index].replyDueAt = nil
        if conversations.values[index].firstReplyAt == nil { conversations.values[index].firstReplyAt = now }
        return [.saved(conversations.values[index])]
    }

    /// The closed chats of the attendant whose wrap-up runs.
    public func wrappingChats(of attendant: AttendantID) -> Int { attendants[attendant]?.wrapping.count ?? 0 }

    /// A closed chat in wrap-up, by id.
    public func wrappingChat(_ id: ConversationID) -> Conversation? { wrappingChats[id] }

    // MARK: - Internals

    /// The chat, when it is offered to this attendant and the offer still runs. An offer whose time is up is
    /// refused even before the tick that expires it runs: of a decline (or accept) and an expiry in the same
    /// turn, exactly one takes effect, and it is the expiry.
    func offeredConversation(_ id: ConversationID, to attendant: AttendantID, now: Instant) throws(RoutingError)
        -> Conversation {
        let conversation = try openConversation(id)
        guard conversation.state == .offered else {
            throw RoutingError(.invalidState, "conversation is \(conversation.state.rawValue), not offered",
                               field: "id")
        }
        guard conversation.attendantId == attendant else {
            throw RoutingError(.forbidden, "conversation is offered to another attendant")
        }
        guard let expires = conversation.offerExpiresAt, now < expires else {
            throw RoutingError(.invalidState, "the offer has expired", field: "id")
        }
        return conversation
    }

    /// Offers a waiting chat (just taken off its queue's head) to `attendant`, holding one of its slots.
    func offer(_ id: ConversationID, to attendant: AttendantID, rule: AssignmentRule, expiresAt: Instant,
               now: Instant, effects: inout [RouterEffect]) {
        let index = conversations.index(forKey: id)!
        let department = conversations.withValue(at: index) { $0.department! }
        let state = departments[department]!
        let person = attendants[attendant]!
        let explanation = explain(id, in: state, chosen: person, rule: rule, now: now)
        conversations.values[index].state = .offered
        conversations.values[index].attendantId = attendant
        conversations.values[index].offeredAt = now
        conversations.values[index].offerExpiresAt = expiresAt
        let conversation = conversations.values[index]
        person.open.insert(id)
        // The offer is the routing decision: the strategy's order moves on as for an assignment.
        markIdle(person, now: now)
        roundRobinCounter += 1
        state.offered += 1
        state.roundRobinTurn[attendant] = roundRobinCounter
        reposition(person)
        deadlines.schedule(.offerExpiry(id), at: expiresAt)
        effects.append(.saved(conversation))
        effects.append(.offered(conversation))
        effects.append(.explained(explanation))
        effects.append(.queueChanged(department))
    }

    /// Sets the reply deadline of an assignment in a department with `replyTimeout`; returns it.
    func scheduleReplyTimeout(_ id: ConversationID, in department: Department, now: Instant) -> Instant? {
        guard let timeout = department.replyTimeout else {
            // Only a chat that had a reply deadline (taken back, transferred) can hold one now.
            if !deadlines.isEmpty { deadlines.cancel(.replyTimeout(id)) }
            return nil
        }
        let due = now + timeout * 1000
        deadlines.schedule(.replyTimeout(id), at: due)
        return due
    }

    /// Takes an offered or assigned chat from its attendant and puts it back in its queue in its original place,
    /// passing the attendant over for it. With a `reason`, the attendant is told (`.revoked`). Returns the
    /// departments that may drain: the chat's, and those where the freed slot makes the attendant eligible.
    func takeBack(_ id: ConversationID, reason: RevokeReason?, now: Instant, effects: inout [RouterEffect])
        -> [String] {
        guard var conversation = conversations[id], let attendant = conversation.attendantId,
              let department = conversation.department,
              conversation.state == .offered || conversation.state == .assigned else { return [] }
        let wasOffer = conversation.state == .offered
        if wasOffer {
            departments[department]?.offered -= 1
            deadlines.cancel(.offerExpiry(id))
            deadlines.cancel(.offerWithdrawal(id))
        } else {
            departments[department]?.assigned -= 1
            deadlines.cancel(.replyTimeout(id))
        }
        attendants[attendant]?.open.remove(id)
        conversation.state = .queued
        conversation.attendantId = nil
        conversation.assignedAt = nil  // no attendant has it now (the store keeps the first answer apart)
        conversation.offeredAt = nil
        conversation.offerExpiresAt = nil
        conversation.replyDueAt = nil
        if !conversation.passedOver.contains(attendant) { conversation.passedOver.append(attendant) }
        conversations[id] = conversation
        joinWaiting(conversation)  // its queuedAt and priority are kept: the same place as before
        effects.append(.saved(conversation))
        if let reason {
            effects.append(.revoked(conversation, from: attendant, reason: reason))
            effects.append(.noted(OfferNote(conversationId: id, attendantId: attendant, kind: .revoked(reason),
                                            at: now, wasOffer: wasOffer)))
        }
        effects.append(.queueChanged(department))
        effects.append(.attendantChanged(attendant))
        return [department] + refresh(attendant)
    }

    /// An offer ran out: the chat goes back, and after `maxMissedOffers` in a row the attendant turns away. Only an
    /// offer its attendant could have taken counts: one that ran out while the daemon was down (its attendant not
    /// connected again yet) is no miss.
    func expireOffer(_ id: ConversationID, now: Instant, effects: inout [RouterEffect]) -> [String] {
        guard let attendant = conversations[id]?.attendantId, conversations[id]?.state == .offered else { return [] }
        let dirty = takeBack(id, reason: .offerExpired, now: now, effects: &effects)
        guard let person = attendants[attendant], person.connections > 0 else { return dirty }
        person.missedOffers += 1
        if maxMissedOffers > 0, person.missedOffers >= maxMissedOffers, person.wantsOnline {
            person.wantsOnline = false
            person.missedOffers = 0
            _ = refresh(attendant)
            effects.append(.presenceChanged(attendant, presence(of: attendant), reason: "missed-offers"))
            // Nobody is answering there: the offers it still holds go back now, in queue order, rather than
            // each keeping its chat waiting for the rest of its offer time.
            let held = person.open.compactMap { conversations[$0] }.filter { $0.state == .offered }
                .sorted { $0.queueSeq < $1.queueSeq }
            for chat in held {
                deadlines.cancel(.offerExpiry(chat.id))
                deadlines.schedule(.offerWithdrawal(chat.id), at: now)
            }
        }
        effects.append(.missedOffersChanged(attendant, count: person.missedOffers))
        return dirty
    }

    /// Withdraws the offer of a chat that is being closed or transferred: the attendant's slot is freed and it is
    /// told (`rescinded`). The chat is left out of any queue, in state `queued` for the caller to finish.
    func rescind(_ conversation: inout Conversation, now: Instant, effects: inout [RouterEffect]) -> [String] {
        guard let attendant = conversation.attendantId else { return [] }
        deadlines.cancel(.offerExpiry(conversation.id))
        deadlines.cancel(.offerWithdrawal(conversation.id))
        if let department = conversation.department { departments[department]?.offered -= 1 }
        attendants[attendant]?.open.remove(conversation.id)
        conversation.state = .queued
        conversation.attendantId = nil
        conversation.offeredAt = nil
        conversation.offerExpiresAt = nil
        conversations[conversation.id] = conversation
        var told = conversation
        told.state = .offered  // as the attendant knew it; the close or transfer that follows says the rest
        told.attendantId = attendant
        effects.append(.revoked(told, from: attendant, reason: .rescinded))
        effects.append(.noted(OfferNote(conversationId: conversation.id, attendantId: attendant,
                                        kind: .revoked(.rescinded), at: now)))
        effects.append(.attendantChanged(attendant))
        return refresh(attendant)
    }

    /// Starts the wrap-up of an assigned chat being closed, when its department has one: the attendant keeps the
    /// slot until `wrapUpUntil`.
    func beginWrapUp(_ conversation: inout Conversation, now: Instant) {
        guard let attendant = conversation.attendantId, let department = conversation.department,
              let seconds = departments[department]?.department.wrapUp, seconds > 0 else { return }
        let until = now + seconds * 1000
        conversation.wrapUpUntil = until
        attendants[attendant]?.wrapping.insert(conversation.id)
        deadlines.schedule(.wrapUpEnd(conversation.id), at: until)
    }

    /// Ends a wrap-up: the slot is free and the row loses its `wrapUpUntil`.
    func endWrapUp(_ id: ConversationID, effects: inout [RouterEffect]) -> [String] {
        guard var chat = wrappingChats.removeValue(forKey: id) else { return [] }
        chat.wrapUpUntil = nil
        effects.append(.wrapUpEnded(chat))
        guard let attendant = chat.attendantId, let person = attendants[attendant] else { return [] }
        person.wrapping.remove(id)
        effects.append(.attendantChanged(attendant))
        return refresh(attendant)
    }

    /// The presence grace ran out without a connection: offers still held go back (there are some only after a
    /// restart: a closing connection gives them back at once), and assigned chats as `requeueOnOffline` says.
    func requeueAfterGrace(_ attendant: AttendantID, now: Instant, effects: inout [RouterEffect]) -> [String] {
        effects.append(.graceChanged(attendant, until: nil))
        guard let person = attendants[attendant], person.connections == 0 else { return [] }
        var dirty: [String] = []
        let held = person.open.compactMap { id in conversations[id] }.sorted { $0.queueSeq < $1.queueSeq }
        for chat in held where chat.state == .offered || goesBackAfterGrace(chat) {
            dirty += takeBack(chat.id, reason: .offline, now: now, effects: &effects)
        }
        return dirty
    }

    /// Whether an assigned chat goes back when its attendant's grace runs out (`requeueOnOffline`).
    private func goesBackAfterGrace(_ chat: Conversation) -> Bool {
        switch requeueOnOffline {
        case .none: return false
        case .all: return true
        case .unanswered: return chat.firstReplyAt == nil
        }
    }

    /// After recovery (at start, or when the state is loaded again after a failed turn): an attendant that holds
    /// offers or assigned chats, is not connected and has no grace running (it was connected when the daemon
    /// stopped) gets `presenceGrace` from now to come back, as after a dropped connection. The daemon left, not
    /// it; but one that does not come back must not keep chats for ever.
    public func startGracesAfterRestart(now: Instant) -> [RouterEffect] {
        var effects: [RouterEffect] = []
        for (id, person) in attendants where person.connections == 0 && !person.open.isEmpty
            && deadlines.deadline(of: .presenceGrace(id)) == nil {
            let holdsOffers = person.open.contains { conversations[$0]?.state == .offered }
            guard holdsOffers || requeueOnOffline != .none else { continue }
            deadlines.schedule(.presenceGrace(id), at: now + presenceGrace)
            effects.append(.graceChanged(id, until: now + presenceGrace))
        }
        return effects
    }
}
