// RouterSimulation, the judge. Every `.assigned` effect is checked when it appears, against the model as it is at
// that moment: the chat was waiting, an automatic assignment took the head of a non-manual queue (FIFO), the
// attendant is eligible now (active, connected, online, hours.contains(now), serves the department, below
// maxChats), the strategy would have picked it, and no older chat of another queue with an eligible attendant
// was passed over. Take and direct transfers are checked against their own rules. After every event the router's
// open conversations, queues, potentials, open counts and presences must equal the model's, and no chat may wait
// in an automatic department while an eligible attendant of it has room.

import AtendeCore

enum ManualAssignment {
    case take
    case direct
}

/// What the model predicts an operation must produce besides automatic assignments.
struct Prediction {
    /// Chats whose row the operation itself changes (each must get a `.saved` with its final state).
    var changed: Set<ConversationID> = []
    var manual: (chat: ConversationID, attendant: AttendantID, kind: ManualAssignment)?
    var closed: (chat: ConversationID, previous: AttendantID?, state: ConversationState)?
    var transferredFrom: (chat: ConversationID, attendant: AttendantID)?
    /// Departments whose waiting chats the operation puts in another order (each must get `.queueReordered`,
    /// and no other may).
    var reordered: Set<String> = []
}

extension RouterSimulation {
    func fail(_ text: String) -> SimulationFailure {
        SimulationFailure(description: text)
    }

    /// Runs an operation whose outcome the model predicted: refused with `refusal`, or accepted, and then `update`
    /// brings the model along before the effects are judged.
    func attempt(_ name: String, _ refusal: RoutingError.Kind?, _ prediction: Prediction,
                 _ operation: () throws(RoutingError) -> [RouterEffect], model update: () -> Void) throws {
        let effects: [RouterEffect]
        do {
            effects = try operation()
        } catch {
            guard let refusal else {
                throw fail("\(name) refused (\(error.kind): \(error.message)) where the model expected success")
            }
            guard error.kind == refusal else {
                throw fail("\(name) refused with \(error.kind) (\(error.message)), the model expected \(refusal)")
            }
            count("\(name) refused")
            count("\(name) refused \(error.kind)")
            return
        }
        if let refusal { throw fail("\(name) succeeded where the model expected \(refusal)") }
        count(name)
        update()
        try absorb(effects, prediction, name)
    }

    /// Judges the effects of one router call in order, bringing the model along with each assignment.
    func absorb(_ effects: [RouterEffect], _ prediction: Prediction, _ name: String) throws {
        var changed = prediction.changed
        var lastSaved: [ConversationID: Conversation] = [:]
        var sawManual = false
        var sawClosed = false
        var sawTransfer = false
        var sawReordered: Set<String> = []
        var explanationDue: (conversation: ConversationID, attendant: AttendantID, rule: AssignmentRule)?
        for effect in effects {
            if let due = explanationDue {
                guard case .explained(let explanation) = effect else {
                    throw fail("\(name): assignment of \(due.conversation) without an explanation")
                }
                try checkExplanation(explanation, due, allStandings: due.rule == .strategy
                                     || due.rule == .returningContact)
                explanationDue = nil
                continue
            }
            switch effect {
            case .saved(let conversation):
                lastSaved[conversation.id] = conversation
                if try absorbOverflow(conversation, name) { changed.insert(conversation.id) }
            case .assigned(let conversation):
                guard let attendant = conversation.attendantId, conversation.state == .assigned,
                      conversation.assignedAt == now else {
                    throw fail("\(name): malformed assignment \(conversation)")
                }
                if let manual = prediction.manual, manual.chat == conversation.id, !sawManual {
                    guard manual.attendant == attendant else {
                        throw fail("\(name): chat \(conversation.id) went to \(attendant), not \(manual.attendant)")
                    }
                    try checkManual(conversation, attendant, manual.kind)
                    sawManual = true
                    explanationDue = (conversation.id, attendant, manual.kind == .take ? .takenByHand : .transferred)
                } else {
                    try checkDrained(conversation, attendant, name)
                    let sticky = model.chats[conversation.id]?.preferred == attendant
                    explanationDue = (conversation.id, attendant, sticky ? .returningContact : .strategy)
                }
                model.assign(conversation.id, to: attendant, now: now)
                changed.insert(conversation.id)
                count("assigned")
            case .closed(let conversation, let previous):
                guard let closed = prediction.closed, closed.chat == conversation.id, closed.previous == previous,
                      closed.state == conversation.state, conversation.closedAt == now, !sawClosed else {
                    throw fail("\(name): unexpected \(effect)")
                }
                sawClosed = true
            case .transferredAway(let conversation, let from):
                guard let transfer = prediction.transferredFrom, transfer.chat == conversation.id,
                      transfer.attendant == from, !sawTransfer else {
                    throw fail("\(name): unexpected \(effect)")
                }
                sawTransfer = true
            case .queueReordered(let department):
                guard prediction.reordered.contains(department), sawReordered.insert(department).inserted else {
                    throw fail("\(name): unexpected \(effect)")
                }
                count("queue reordered")
            case .queueChanged, .attendantChanged:
                break
            case .explained(let explanation):
                throw fail("\(name): explanation \(explanation.compact) follows no assignment")
            case .offered, .revoked, .presenceChanged, .noted, .wrapUpEnded, .graceChanged, .waitExceeded,
                 .missedOffersChanged:
                // This run's departments assign directly and keep chats past the grace (RouterOfferSimulation
                // covers offers and their timers).
                throw fail("\(name): unexpected \(effect)")
            }
        }
        if let due = explanationDue { throw fail("\(name): assignment of \(due.conversation) without explanation") }
        if prediction.manual != nil && !sawManual { throw fail("\(name): no assignment in \(effects)") }
        if prediction.closed != nil && !sawClosed { throw fail("\(name): no closed effect in \(effects)") }
        if prediction.transferredFrom != nil && !sawTransfer { throw fail("\(name): no transferredAway effect") }
        if sawReordered != prediction.reordered {
            throw fail("\(name): no queueReordered for \(prediction.reordered.subtracting(sawReordered).sorted())")
        }
        try checkSaved(changed, lastSaved, name)
    }

    /// Each changed chat must be saved, its last saved row equal to what the router now holds; nothing else is.
    func checkSaved(_ changed: Set<ConversationID>, _ lastSaved: [ConversationID: Conversation],
                    _ name: String) throws {
        for id in changed {
            guard let saved = lastSaved[id] else { throw fail("\(name): chat \(id) changed but was not saved") }
            if let current = router.conversation(id) {
                guard saved == current else { throw fail("\(name): saved \(saved) but the router holds \(current)") }
            } else if !(saved.state == .closed || saved.state == .removed) || model.chats[id] != nil {
                throw fail("\(name): chat \(id) left the router but was saved as \(saved.state)")
            }
        }
        if let extra = lastSaved.keys.first(where: { !changed.contains($0) }) {
            throw fail("\(name): chat \(extra) was saved without a change")
        }
    }

    /// An automatic assignment: the head of a non-manual queue, to the eligible attendant the strategy picks.
    func checkDrained(_ conversation: Conversation, _ attendant: AttendantID, _ name: String) throws {
        let id = conversation.id
        guard let chat = model.chats[id], chat.state == .queued, let department = chat.department,
              conversation.department == department else {
            throw fail("\(name): assigned chat \(id), which was not waiting (\(String(describing: model.chats[id])))")
        }
        guard let queue = model.queues[department], queue.strategy != .manual else {
            throw fail("\(name): chat \(id) assigned automatically in manual department \(department)")
        }
        guard queue.waiting.first == id else {
            throw fail("\(name): FIFO broken in \(department): assigned \(id) while \(queue.waiting.prefix(5)) wait")
        }
        guard let agent = model.agent(attendant) else { throw fail("\(name): unknown attendant \(attendant)") }
        if let why = model.ineligibility(agent, for: department) {
            throw fail("\(name): chat \(id) of \(department) assigned to ineligible attendant \(attendant): \(why)")
        }
        let expected = model.expectedPick(chat, in: department)
        guard expected == attendant else {
            throw fail("""
                \(name): \(queue.strategy.rawValue) in \(department) gave chat \(id) to \(attendant), the model \
                picks \(expected.map(String.init) ?? "nobody") (preferred \(String(describing: chat.preferred)), \
                avoid \(String(describing: chat.avoid))); eligible (id: key): \(candidates(for: department))
                """)
        }
        for other in Self.departmentNames where other != department {
            guard let otherQueue = model.queues[other], otherQueue.strategy != .manual,
                  let head = otherQueue.waiting.first, model.orderKey(head) < model.orderKey(id),
                  let free = model.agents.first(where: { model.eligible($0, for: other) }) else { continue }
            throw fail("\(name): chat \(id) assigned before the older chat \(head) of \(other), "
                       + "which attendant \(free.profile.id) could take")
        }
    }

    /// The explanation names the chat, the attendant first as chosen, and the rule; for automatic assignments,
    /// made after every due hour boundary, each other attendant's standing must be the model's too.
    func checkExplanation(_ explanation: AssignmentExplanation,
                          _ due: (conversation: ConversationID, attendant: AttendantID, rule: AssignmentRule),
                          allStandings: Bool) throws {
        guard explanation.conversationId == due.conversation, explanation.chosen == due.attendant,
              explanation.rule == due.rule, explanation.at == now,
              explanation.candidates.first?.attendantId == due.attendant,
              explanation.candidates.first?.standing == .chosen else {
            throw fail("explanation \(explanation.compact) for chat \(due.conversation) → \(due.attendant), "
                       + "expected rule \(due.rule.rawValue)")
        }
        guard allStandings else { return }
        for candidate in explanation.candidates.dropFirst() {
            guard let agent = model.agent(candidate.attendantId) else { continue }
            let expected = model.standing(agent)
            guard candidate.standing == expected, candidate.openChats == agent.open.count else {
                throw fail("explanation of chat \(due.conversation) says attendant \(candidate.attendantId) "
                           + "\(candidate.standing.rawValue) with \(candidate.openChats) open, the model "
                           + "\(expected.rawValue) with \(agent.open.count)")
            }
        }
    }

    /// The model's eligible attendants of a department with their strategy keys, for failure messages.
    func candidates(for department: String) -> String {
        model.agents.filter { model.eligible($0, for: department) }.map { agent in
            let id = agent.profile.id
            return "\(id): \(model.key(agent, in: department)) router: \(router.presence(of: id)), "
                + "eligible \(router.isEligible(id, for: department)), \(router.openChats(of: id)) open"
        }.joined(separator: "; ")
    }

    /// A take (by hand) or a direct transfer, each with its own rules; neither may exceed maxChats.
    func checkManual(_ conversation: Conversation, _ attendant: AttendantID, _ kind: ManualAssignment) throws {
        guard let chat = model.chats[conversation.id], let agent = model.agent(attendant),
              let department = conversation.department, chat.department == department else {
            throw fail("\(kind): inconsistent assignment \(conversation)")
        }
        let serves = agent.profile.departments.contains(department)
        let room = agent.open.count < agent.profile.maxChats
        switch kind {
        case .take:
            guard chat.state == .queued, serves, agent.profile.active, room, agent.inHours else {
                throw fail("take of \(chat.id) by \(attendant) should have been refused")
            }
        case .direct:
            guard chat.state == .assigned, chat.attendant == nil, serves, agent.profile.active,
                  agent.connections > 0, agent.inHours, room else {
                throw fail("transfer of \(chat.id) to \(attendant) should have been refused")
            }
        }
    }

    // MARK: - After every event

    func checkInvariants() throws {
        let open = router.openConversations
        guard open.count == model.chats.count else {
            throw fail("the router holds \(open.count) open chats, the model \(model.chats.count)")
        }
        var seen = Set<ConversationID>(minimumCapacity: open.count)
        for conversation in open {
            guard seen.insert(conversation.id).inserted else { throw fail("chat \(conversation.id) is held twice") }
            guard let chat = model.chats[conversation.id] else {
                throw fail("the router holds chat \(conversation.id), which the model does not")
            }
            guard conversation.state == chat.state, conversation.department == chat.department,
                  conversation.attendantId == chat.attendant, conversation.preferredAttendant == chat.preferred,
                  conversation.avoidAttendant == chat.avoid else {
                throw fail("the router holds \(conversation), the model \(chat)")
            }
        }
        for name in Self.departmentNames {
            guard let queue = model.queues[name] else {
                if router.hasDepartment(name) { throw fail("department \(name) should be gone") }
                continue
            }
            let waiting = router.waiting(in: name).map(\.id)
            guard waiting == queue.waiting, router.waitingCount(in: name) == queue.waiting.count else {
                throw fail("queue \(name) is \(waiting) (count \(router.waitingCount(in: name))), "
                           + "the model's \(queue.waiting)")
            }
            if queue.strategy != .manual, let head = queue.waiting.first,
               let free = model.agents.first(where: { model.eligible($0, for: name) }) {
                throw fail("chat \(head) waits in \(name) while attendant \(free.profile.id) is eligible with room")
            }
        }
        let potentials = router.potentialList().map(\.id)
        guard potentials == model.potentials, router.potentialCount == potentials.count else {
            throw fail("potentials are \(potentials), the model's \(model.potentials)")
        }
        for agent in model.agents {
            let id = agent.profile.id
            guard router.openChats(of: id) == agent.open.count, router.presence(of: id) == model.presence(agent) else {
                throw fail("attendant \(id): \(router.openChats(of: id)) open, \(router.presence(of: id)); "
                           + "the model: \(agent.open.count) open, \(model.presence(agent))")
            }
        }
    }
}
