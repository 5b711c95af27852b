// AssignmentExplanation: the answer to "why did this chat go to her?". The router writes one for every assignment,
// at the moment of the decision: the rule that applied, the department's strategy, and for the attendants of the
// department (up to a bound, so a decision never costs more than that) the reason each one was not chosen.

/// How an assignment was decided.
public enum AssignmentRule: String, Sendable {
    /// The department's strategy picked the attendant.
    case strategy
    /// A returning contact went back to its last attendant.
    case returningContact = "returning-contact"
    /// The attendant took the chat from the queue by hand.
    case takenByHand = "taken-by-hand"
    /// Someone transferred the chat straight to the attendant.
    case transferred
}

/// Where an attendant stood when a chat was assigned.
public enum CandidateStanding: String, Sendable {
    /// Got the chat.
    case chosen
    /// Was eligible but another came first under the strategy (or the rule).
    case lostTheTie = "lost the tie"
    /// No connection.
    case offline
    /// Connected but away.
    case away
    /// Outside working hours.
    case offHours = "off-hours"
    /// No room left.
    case atCapacity = "at capacity"
    /// Deactivated.
    case inactive
}

/// One attendant's line in an explanation.
public struct Candidate: Equatable, Sendable {
    /// The attendant.
    public var attendantId: AttendantID
    /// Its standing.
    public var standing: CandidateStanding
    /// Open chats at the decision.
    public var openChats: Int
    /// Its maxChats.
    public var maxChats: Int
    /// Milliseconds since its last assignment (or login) at the decision.
    public var idleMillis: Int64
}

/// Why a conversation went to an attendant.
public struct AssignmentExplanation: Equatable, Sendable {
    /// Most candidates listed; the rest are counted in `omitted`.
    public static let maxCandidates = 64

    /// The conversation.
    public var conversationId: ConversationID
    /// Its department.
    public var department: String
    /// The department's strategy then.
    public var strategy: Strategy
    /// The rule that decided.
    public var rule: AssignmentRule
    /// Who got it.
    public var chosen: AttendantID
    /// When.
    public var at: Instant
    /// The attendants of the department and where each stood (the chosen one first).
    public var candidates: [Candidate]
    /// Attendants of the department not listed (beyond `maxCandidates`).
    public var omitted: Int
}

extension Router {
    /// Where an attendant stands for a department right now.
    func standing(of attendant: AttendantID) -> CandidateStanding {
        guard let state = attendants[attendant] else { return .offline }
        if !state.profile.active { return .inactive }
        if state.connections == 0 { return .offline }
        if !state.wantsOnline { return .away }
        if !state.inHours { return .offHours }
        if state.open.count >= state.profile.maxChats { return .atCapacity }
        return .lostTheTie
    }

    /// Builds the explanation of giving `conversation` to `chosen`, before the assignment changes any state.
    func explain(_ conversation: Conversation, chosen: AttendantID, rule: AssignmentRule, now: Instant)
        -> AssignmentExplanation {
        let department = conversation.department ?? ""
        let served = departments[department]?.servedBy ?? []
        func candidate(_ id: AttendantID, _ standing: CandidateStanding) -> Candidate {
            let state = attendants[id]
            return Candidate(attendantId: id, standing: standing, openChats: state?.open.count ?? 0,
                             maxChats: state?.profile.maxChats ?? 0,
                             idleMillis: max(0, now - (state?.idleSince ?? now)))
        }
        var candidates = [candidate(chosen, .chosen)]
        var omitted = 0
        for id in served where id != chosen {
            if candidates.count >= AssignmentExplanation.maxCandidates {
                omitted += 1
                continue
            }
            candidates.append(candidate(id, standing(of: id)))
        }
        candidates[1...].sort { ($0.standing.rawValue, $0.attendantId) < ($1.standing.rawValue, $1.attendantId) }
        return AssignmentExplanation(
            conversationId: conversation.id, department: department,
            strategy: departments[department]?.department.strategy ?? .leastBusy, rule: rule, chosen: chosen, at: now,
            candidates: candidates, omitted: omitted)
    }
}
