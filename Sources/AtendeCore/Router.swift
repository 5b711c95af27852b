// Router: the routing core of atende, a state machine with no I/O.
// It owns the potentials, the department queues and each attendant's routing state. Every operation takes `now`
// as a value and returns the effects the server must carry out. One thread owns a Router (the server's loop);
// it is deliberately not Sendable.
//
// Eligibility (Eligibility.swift) = active ∧ connected ∧ presence online ∧ inside working hours ∧ serves the
// department ∧ below maxChats. An attendant who is eligible sits in the IndexedHeap of every non-manual department
// it serves,
// keyed by that department's strategy, so picking an attendant is O(1) and every change of key O(log n).
// Queues drain whenever something could have made an attendant eligible; that keeps the invariant "no chat waits
// in an automatic department while an eligible attendant of it has room" after every operation.

/// The routing state machine.
public final class Router {
    /// A class for the same reason as DepartmentState: one lookup gives a reference that every step of an
    /// assignment mutates in place.
    final class AttendantState {
        var profile: AttendantProfile
        var connections = 0
        var wantsOnline = true
        var inHours = false
        /// Assigned and offered chats.
        var open: IDSet<ConversationID> = []
        /// Closed chats whose wrap-up still holds a slot.
        var wrapping: IDSet<ConversationID> = []
        /// Offers that expired in a row since the last accept or `presence.set`.
        var missedOffers = 0
        var idleSince: Instant
        /// Orders idleness without ties: taken from `idleCounter` whenever `idleSince` is set.
        var idleOrder: Int64 = 0
        /// The existing departments of `profile.departments`, with the attendant's slot in each one's heap, so
        /// re-keying after an assignment looks nothing up (`Router.link`).
        var links: [DepartmentLink] = []
        /// Counted in its departments' `staff`: it could take a chat now if it had room.
        var staffed = false

        init(profile: AttendantProfile, idleSince: Instant) {
            self.profile = profile
            self.idleSince = idleSince
        }

        /// Eligible for a chat of any department it serves (see Eligibility).
        var available: Bool { ineligibility.isEmpty }

        /// Eligible whenever it has room: counted in its departments' staff for the estimated wait.
        var canServe: Bool { ineligibility.subtracting(.atCapacity).isEmpty }
    }

    /// A class, not a struct: the router reaches into a department many times per assignment, and a reference
    /// lets every access mutate in place, where a struct read out of the dictionary would be copied (and a heap
    /// changed while such a copy lived would copy its storage).
    final class DepartmentState {
        var department: Department
        var queue = DepartmentQueue()
        var eligible = IndexedHeap()
        var assigned = 0
        var offered = 0
        var servedBy: IDSet<AttendantID> = []
        var roundRobinTurn: IDMap<AttendantID, Int64> = [:]
        /// Attendants serving the department who could take a chat now if they had room.
        var staff = 0
        /// Recent answer times (queue entry to assignment) in seconds, and the staff at those moments, as
        /// exponentially weighted averages (nil before the first answer); they feed the estimated wait.
        var answerAverage: Double?
        var staffAverage: Double = 0

        init(department: Department) { self.department = department }
    }

    /// A department an attendant serves, as that attendant's `links` keep it.
    struct DepartmentLink {
        let state: DepartmentState
        let slot: Int32
    }

    var attendants: IDMap<AttendantID, AttendantState> = [:]
    var departments: IDMap<String, DepartmentState> = [:]
    var conversations: IDMap<ConversationID, Conversation> = [:]
    var byExternalId: [String: ConversationID] = [:]
    var potentials = DepartmentQueue()
    /// Counts every change of the potentials list (a contact joins or leaves it, or moves in it), so one who shows
    /// the list can tell it changed even when its length did not.
    public internal(set) var potentialsVersion = 0
    /// Every timer: working-hours boundaries, and the kinds in `DeadlineKind`.
    var deadlines = DeadlineHeap()
    /// Closed chats whose wrap-up runs, by id (the router keeps them until it ends, to write the row then).
    var wrappingChats: IDMap<ConversationID, Conversation> = [:]
    /// Milliseconds an attendant without a connection keeps its assigned chats (config `presenceGrace`).
    public var presenceGrace: Int64 = 60_000
    /// Which assigned chats go back to their queues when the grace runs out (setting `requeueOnOffline`).
    public var requeueOnOffline: RequeueOnOffline = .unanswered
    /// Expired offers in a row that turn an attendant away (setting `maxMissedOffers`; 0: never).
    public var maxMissedOffers = 2
    var nextQueueSeq: Int64 = 1
    var roundRobinCounter: Int64 = 0
    var idleCounter: Int64 = 0

    /// Creates an empty router.
    public init() {}

    // MARK: - Recovery

    /// Loads what the store holds after a restart: departments, attendants (none connected), and the open
    /// conversations, which come back in their queues in their original order with their original timestamps.
    /// `wrapping`: closed chats whose wrap-up was running; `graces`: the presence graces that were running; `away`:
    /// the attendants whose last choice was away; `missedOffers`: their runs of offers left to run out. Offers,
    /// reply timeouts, wrap-ups and graces get their deadlines back (one already past is applied by the first
    /// tick). An attendant still connected when the daemon stopped gets its grace from the start
    /// (`startGracesAfterRestart`, called by the daemon once it is configured).
    public func restore(departments: [Department], attendants: [AttendantProfile], conversations: [Conversation],
                        wrapping: [Conversation] = [], graces: [AttendantID: Instant] = [:],
                        away: [AttendantID] = [], missedOffers: [AttendantID: Int] = [:], now: Instant) {
        beginRestore(departments: departments, attendants: attendants, now: now)
        reserveConversations(conversations.count)
        for conversation in conversations { restoreConversation(conversation, now: now) }
        finishRestore(wrapping: wrapping, graces: graces, away: away, missedOffers: missedOffers)
    }

    // MARK: - Conversations

    /// The next queue sequence number (exposed so the store can number potentials consistently).
    public func takeQueueSeq() -> Int64 {
        defer { nextQueueSeq += 1 }
        return nextQueueSeq
    }

    /// Opens a new conversation: a potential without department, otherwise queued and routed at once.
    /// The caller gives it its id, `openedAt` and (for stickiness) `preferredAttendant`.
    public func open(_ new: Conversation, now: Instant) throws(RoutingError) -> [RouterEffect] {
        if let department = new.department, departments[department] == nil {
            throw RoutingError(.notFound, "department '\(department)' does not exist", field: "department")
        }
        guard !isOpen(new.id), byExternalId[new.externalId] == nil else {
            throw RoutingError(.invalidState, "conversation already open", field: "externalId")
        }
        var conversation = new
        conversation.state = .potential
        conversation.attendantId = nil
        conversation.queuedAt = nil
        conversation.queueSeq = takeQueueSeq()
        byExternalId[conversation.externalId] = conversation.id
        var effects = Self.effectList()
        if let department = new.department {
            enqueue(&conversation, in: department, now: now, effects: &effects)
            drain([department], now: now, effects: &effects)
        } else {
            conversations[conversation.id] = conversation
            joinWaiting(conversation)
            effects.append(.saved(conversation))
        }
        return effects
    }

    /// Sends a potential (or a queued, unassigned chat) to a department's queue.
    public func route(_ id: ConversationID, to department: String, now: Instant) throws(RoutingError)
        -> [RouterEffect] {
        var conversation = try openConversation(id)
        guard departments[department] != nil else {
            throw RoutingError(.notFound, "department '\(department)' does not exist", field: "department")
        }
        switch conversation.state {
        case .potential:
            break
        case .queued:
            if conversation.department == department { return [] }
        default:
            throw RoutingError(.invalidState, "conversation is \(conversation.state.rawValue), not waiting",
                               field: "id")
        }
        leaveWaiting(conversation)
        var effects = Self.effectList()
        if let old = conversation.department, conversation.state == .queued { effects.append(.queueChanged(old)) }
        enqueue(&conversation, in: department, now: now, effects: &effects)
        drain([department], now: now, effects: &effects)
        return effects
    }

    /// An attendant takes a waiting chat of one of its departments by hand.
    public func take(_ id: ConversationID, by attendant: AttendantID, now: Instant) throws(RoutingError)
        -> [RouterEffect] {
        let conversation = try openConversation(id)
        guard let state = attendants[attendant] else { throw RoutingError(.notFound, "attendant not found") }
        guard conversation.state == .queued, let department = conversation.department else {
            throw RoutingError(.invalidState, "conversation is \(conversation.state.rawValue), not waiting",
                               field: "id")
        }
        // A manual pull: the attendant is at the keyboard, so being away (or a passive tool's session) is no bar.
        let reasons = ineligibility(of: state, for: department, hoursAt: now).subtracting([.offline, .away])
        if let refusal = refusal(reasons, of: state, department: department) { throw refusal }
        var effects = Self.effectList()
        leaveWaiting(conversation)
        assign(id, to: attendant, rule: .takenByHand, now: now, effects: &effects)
        return effects
    }

    /// Closes an open conversation. An attendant may close only its own chats.
    public func close(_ id: ConversationID, by actor: Actor, now: Instant) throws(RoutingError) -> [RouterEffect] {
        var conversation = try openConversation(id)
        if case .attendant(let attendant) = actor, conversation.attendantId != attendant
            || conversation.state != .assigned {
            throw RoutingError(.forbidden, "not your conversation")
        }
        var effects = Self.effectList()
        var freed: [String] = []
        var previous = conversation.attendantId
        leaveWaiting(conversation)
        switch conversation.state {
        case .queued:
            if let department = conversation.department { effects.append(.queueChanged(department)) }
        case .offered:
            freed = rescind(&conversation, now: now, effects: &effects)
            previous = nil
        case .assigned:
            if conversation.replyDueAt != nil { deadlines.cancel(.replyTimeout(id)) }
            conversation.replyDueAt = nil
            beginWrapUp(&conversation, now: now)
            freed = release(conversation)
        default:
            break
        }
        conversation.state = .closed
        conversation.closedAt = now
        forget(conversation)
        if conversation.wrapUpUntil != nil { wrappingChats[id] = conversation }
        effects.append(.saved(conversation))
        effects.append(.closed(consume conversation, previousAttendant: previous))
        drain(freed, now: now, effects: &effects)
        return effects
    }

    /// Removes a potential from the potentials list.
    public func removePotential(_ id: ConversationID, now: Instant) throws(RoutingError) -> [RouterEffect] {
        var conversation = try openConversation(id)
        guard conversation.state == .potential else {
            throw RoutingError(.invalidState, "conversation is \(conversation.state.rawValue), not a potential",
                               field: "id")
        }
        leaveWaiting(conversation)
        conversation.state = .removed
        conversation.closedAt = now
        forget(conversation)
        return [.saved(conversation), .closed(conversation, previousAttendant: nil)]
    }

    /// Moves a chat to another department's queue or straight to another attendant.
    /// An attendant may transfer only its own chats; an admin any open, non-potential chat.
    public func transfer(_ id: ConversationID, by actor: Actor, toDepartment: String?, toAttendant: AttendantID?,
                         now: Instant) throws(RoutingError) -> [RouterEffect] {
        var conversation = try openConversation(id)
        if case .attendant(let attendant) = actor, conversation.attendantId != attendant
            || conversation.state != .assigned {
            throw RoutingError(.forbidden, "not your conversation")
        }
        guard conversation.state == .assigned || conversation.state == .queued || conversation.state == .offered else {
            throw RoutingError(.invalidState, "conversation is \(conversation.state.rawValue)", field: "id")
        }
        if let toDepartment, departments[toDepartment] == nil {
            throw RoutingError(.notFound, "department '\(toDepartment)' does not exist", field: "department")
        }
        let department = toDepartment ?? conversation.department ?? ""
        if let target = toAttendant {
            guard let state = attendants[target] else {
                throw RoutingError(.notFound, "attendant \(target) does not exist", field: "attendantId")
            }
            guard target != conversation.attendantId else {
                throw RoutingError(.invalidState, "conversation is already with that attendant", field: "attendantId")
            }
            // Sent to a colleague by name: being away is no bar, the rest is.
            let reasons = ineligibility(of: state, for: department, hoursAt: now).subtracting(.away)
            if let refusal = refusal(reasons, of: state, department: department, field: "attendantId") {
                throw refusal
            }
        } else if toDepartment == nil {
            throw RoutingError(.invalidState, "give department or attendantId", field: "department")
        }
        var effects = Self.effectList()
        var freed: [String] = []
        let previous = conversation.attendantId
        if conversation.state == .assigned {
            deadlines.cancel(.replyTimeout(id))
            conversations[id]!.replyDueAt = nil
            freed = release(conversation)
            conversation = conversations[id]!
            if let previous { effects.append(.transferredAway(conversation, from: previous)) }
        } else if conversation.state == .offered {
            freed = rescind(&conversation, now: now, effects: &effects)
        } else {
            leaveWaiting(conversation)
            if let old = conversation.department { effects.append(.queueChanged(old)) }
        }
        conversation.avoidAttendant = previous
        conversation.preferredAttendant = nil
        if let target = toAttendant {
            conversation.department = department
            conversation.state = .assigned
            conversations[id] = conversation
            assign(id, to: target, rule: .transferred, now: now, effects: &effects)
        } else {
            enqueue(&conversation, in: department, now: now, effects: &effects)
            freed.append(department)
        }
        drain(freed, now: now, effects: &effects)
        return effects
    }

    // MARK: - Internals shared by the operations

    /// An empty effect list with room for an operation and the assignment it usually causes: effects carry whole
    /// conversations, and growing the list from empty would copy them three times.
    static func effectList() -> [RouterEffect] {
        var effects: [RouterEffect] = []
        effects.reserveCapacity(8)
        return effects
    }

    func openConversation(_ id: ConversationID) throws(RoutingError) -> Conversation {
        guard let conversation = conversations[id] else {
            throw RoutingError(.notFound, "conversation \(id) is not open", field: "id")
        }
        return conversation
    }

    func enqueue(_ conversation: inout Conversation, in department: String, now: Instant,
                 effects: inout [RouterEffect]) {
        conversation.state = .queued
        conversation.department = department
        conversation.attendantId = nil
        conversation.assignedAt = nil
        conversation.queuedAt = now
        conversation.queueJoinedAt = now
        conversation.queueSeq = takeQueueSeq()
        conversations[conversation.id] = conversation
        joinWaiting(conversation)
        effects.append(.saved(conversation))
        effects.append(.queueChanged(department))
    }

    /// Takes an assigned chat away from its attendant; returns the departments that may now drain to it.
    func release(_ conversation: Conversation) -> [String] {
        guard let attendant = conversation.attendantId else { return [] }
        attendants[attendant]?.open.remove(conversation.id)
        if let department = conversation.department { departments[department]?.assigned -= 1 }
        // In place, not a copy out and back (nor through the subscript's optional, whose in-place change goes
        // through the runtime's generic witnesses).
        conversations.withValue(forKey: conversation.id) { $0.attendantId = nil }
        return refresh(attendant)
    }

    /// The attendant starts being idle now (an assignment, or a first connection).
    func markIdle(_ attendant: AttendantID, now: Instant) {
        if let person = attendants[attendant] { markIdle(person, now: now) }
    }

    func markIdle(_ person: AttendantState, now: Instant) {
        idleCounter += 1
        person.idleSince = now
        person.idleOrder = idleCounter
    }

    func forget(_ conversation: Conversation) {
        conversations[conversation.id] = nil
        byExternalId[conversation.externalId] = nil
    }

    func assign(_ id: ConversationID, to attendant: AttendantID, rule: AssignmentRule, now: Instant,
                effects: inout [RouterEffect]) {
        // The chat is changed where it lies: a copy out and back would copy every one of its fields twice.
        let index = conversations.index(forKey: id)!
        let department = conversations.withValue(at: index) { $0.department! }
        let state = departments[department]!
        let person = attendants[attendant]!
        let explanation = explain(id, in: state, chosen: person, rule: rule, now: now)
        conversations.values[index].state = .assigned
        conversations.values[index].attendantId = attendant
        conversations.values[index].assignedAt = now
        conversations.values[index].avoidAttendant = nil
        conversations.values[index].passedOver = []
        conversations.values[index].replyDueAt = scheduleReplyTimeout(id, in: state.department, now: now)
        let conversation = conversations.values[index]
        if rule != .transferred, let queuedAt = conversation.queuedAt { noteAnswer(in: state, after: now - queuedAt) }
        person.open.insert(id)
        markIdle(person, now: now)
        roundRobinCounter += 1
        state.assigned += 1
        state.roundRobinTurn[attendant] = roundRobinCounter
        reposition(person)
        effects.append(.saved(conversation))
        effects.append(.assigned(conversation))
        effects.append(.explained(explanation))
        effects.append(.queueChanged(department))
    }

    /// Assigns waiting chats while some department among `dirty` has both a waiting chat and an eligible
    /// attendant. The oldest head among them goes first, so one attendant serving several queues takes them in
    /// arrival order.
    /// Deadlines reached by `now` are applied first: the daemon handles a turn's requests before
    /// the turn's tick, and no chat may go to an attendant whose hours have ended, even by a millisecond.
    func drain(_ dirty: consuming [String], now: Instant, effects: inout [RouterEffect]) {
        // Consumed: the caller's list becomes this one, so trimming it below copies nothing.
        var pending = dirty
        let due = applyDue(now: now, effects: &effects)
        if !due.isEmpty { pending += due }
        if pending.count > 1 { pending = Array(Set(pending)) }
        while !pending.isEmpty {
            var best: (state: DepartmentState, entry: QueuePlace)?
            var index = 0
            while index < pending.count {
                let id = pending[index]
                guard let state = departments[id], state.department.strategy != .manual,
                      state.eligible.isEmpty == false,
                      let head = state.queue.first else {
                    pending.swapAt(index, pending.count - 1)
                    pending.removeLast()
                    continue
                }
                if best == nil || head < best!.entry { best = (state, head) }
                index += 1
            }
            guard let (state, entry) = best else { return }
            let waiting = conversations.index(forKey: entry.id)!
            let (avoid, preference, passed) = conversations.withValue(at: waiting) {
                ($0.avoidAttendant, $0.preferredAttendant, $0.passedOver)
            }
            var chosen: AttendantID
            if passed.isEmpty {
                chosen = state.eligible.best(excluding: avoid) ?? state.eligible.top!
            } else {
                // Passed over while anyone else is eligible: the first of the strategy's order not passed over.
                chosen = state.eligible.best { $0 != avoid && !Self.isPassedOver($0, by: passed) }
                    ?? state.eligible.best(excluding: avoid) ?? state.eligible.top!
            }
            var rule = AssignmentRule.strategy
            if let preferred = preference, preferred != avoid, !Self.isPassedOver(preferred, by: passed),
               state.eligible.contains(preferred) {
                chosen = preferred
                rule = .returningContact
            }
            // A boundary of the chosen one's hours still due (left by a burst for the next turn) is applied first,
            // and the choice made again.
            if let boundary = deadlines.deadline(of: .hoursBoundary(chosen)), boundary <= now {
                deadlines.cancel(.hoursBoundary(chosen))
                pending += applyHoursBoundary(chosen, now: now, effects: &effects)
                continue
            }
            state.queue.remove(entry)
            if let timeout = state.department.offerTimeout {
                offer(entry.id, to: chosen, rule: rule, expiresAt: now + timeout * 1000, now: now, effects: &effects)
            } else {
                assign(entry.id, to: chosen, rule: rule, now: now, effects: &effects)
            }
        }
    }
}
