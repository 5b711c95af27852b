// AssignmentExplanation: the answer to "why did this chat go to her?". The router writes one for every assignment,
// at the moment of the decision: the rule that applied, the department's strategy, and for the attendants of the
// department (up to a bound, so a decision never costs more than that) the reason each one was not chosen. The
// runners-up of the strategy's heap are always listed; `Compact` is the short text form the store keeps.

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
    /// Was eligible but had given this chat back (declined, let the offer expire, had it taken back), and
    /// someone else could take it.
    case passedOver = "passed over"
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

extension CandidateStanding {
    /// Its letter in `AssignmentExplanation.compact`.
    var code: UInt8 {
        switch self {
        case .chosen: return UInt8(ascii: "c")
        case .lostTheTie: return UInt8(ascii: "t")
        case .passedOver: return UInt8(ascii: "p")
        case .offline: return UInt8(ascii: "o")
        case .away: return UInt8(ascii: "a")
        case .offHours: return UInt8(ascii: "h")
        case .atCapacity: return UInt8(ascii: "f")
        case .inactive: return UInt8(ascii: "i")
        }
    }

    /// Order in explanations: closest to being chosen first.
    var rank: Int {
        switch self {
        case .chosen: return 0
        case .lostTheTie: return 1
        case .passedOver: return 2
        case .atCapacity: return 3
        case .away: return 4
        case .offHours: return 5
        case .offline: return 6
        case .inactive: return 7
        }
    }
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
    /// Most candidates listed (the chosen one included); the rest are counted in `omitted`. The bound keeps the
    /// cost of a decision independent of how many attendants serve the department.
    public static let maxCandidates = 8

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
    /// Where an attendant stands for a chat of a department right now, given the attendants the chat passes over.
    func standing(of state: AttendantState, passedOver: [AttendantID]) -> CandidateStanding {
        let reasons = ineligibility(of: state, passedOver: passedOver)
        switch reasons.first {
        case nil: return reasons.contains(.passedOver) ? .passedOver : .lostTheTie
        case .inactive?: return .inactive
        case .offline?: return .offline
        case .away?: return .away
        case .offHours?: return .offHours
        default: return .atCapacity
        }
    }

    /// Builds the explanation of giving `conversation` of department `state` to `person`, before the assignment
    /// changes any state. Its cost is bounded by `maxCandidates`, whatever the size of the department.
    func explain(_ conversation: ConversationID, in state: DepartmentState, chosen person: AttendantState,
                 rule: AssignmentRule, now: Instant) -> AssignmentExplanation {
        let chosen = person.profile.id
        // Read before the assignment or offer spends it.
        let passedOver = conversations.withValue(forKey: conversation) { $0.passedOver } ?? []
        func candidate(_ attendant: AttendantState, _ standing: CandidateStanding?) -> Candidate {
            let standing = standing ?? self.standing(of: attendant, passedOver: passedOver)
            return Candidate(attendantId: attendant.profile.id, standing: standing,
                             openChats: attendant.open.count, maxChats: attendant.profile.maxChats,
                             idleMillis: max(0, now - attendant.idleSince))
        }
        func candidate(_ id: AttendantID, _ standing: CandidateStanding?) -> Candidate {
            guard let attendant = attendants[id] else {
                return Candidate(attendantId: id, standing: standing ?? .offline, openChats: 0, maxChats: 0,
                                 idleMillis: 0)
            }
            return candidate(attendant, standing)
        }
        var candidates: [Candidate] = []
        candidates.reserveCapacity(AssignmentExplanation.maxCandidates)
        candidates.append(candidate(person, .chosen))
        func isListed(_ id: AttendantID) -> Bool { candidates.contains { $0.attendantId == id } }
        if let top = state.eligible.top {
            // In the heap, so eligible: each either lost the tie or was passed over for this chat.
            func runnerUp(_ id: AttendantID) -> CandidateStanding {
                guard let attendant = attendants[id],
                      ineligibility(of: attendant, passedOver: passedOver).contains(.passedOver) else {
                    return .lostTheTie
                }
                return .passedOver
            }
            if !isListed(top) { candidates.append(candidate(top, runnerUp(top))) }
            if let next = state.eligible.best(excluding: top), !isListed(next) {
                candidates.append(candidate(next, runnerUp(next)))
            }
        }
        let runnersUp = candidates.count
        for id in state.servedBy {
            if candidates.count >= AssignmentExplanation.maxCandidates { break }
            if !isListed(id) { candidates.append(candidate(id, nil)) }
        }
        let omitted = max(0, state.servedBy.count - candidates.count + (state.servedBy.contains(chosen) ? 0 : 1))
        // The chosen one and the strategy's runners-up stay first; the rest in the order of `CandidateStanding`.
        // Sorted where they lie: sorting the array's slice would copy the slice first (the array still holds it).
        if candidates.count - runnersUp > 1 {
            candidates.withUnsafeMutableBufferPointer { list in
                list[runnersUp...].sort { ($0.standing.rank, $0.attendantId) < ($1.standing.rank, $1.attendantId) }
            }
        }
        return AssignmentExplanation(
            conversationId: conversation, department: state.department.id, strategy: state.department.strategy,
            rule: rule, chosen: chosen, at: now, candidates: candidates, omitted: omitted)
    }
}

extension AssignmentExplanation {
    /// Each standing's letter in the compact form, and back.
    private static let standings: [Character: CandidateStanding] = Dictionary(uniqueKeysWithValues:
        [CandidateStanding.chosen, .lostTheTie, .passedOver, .offline, .away, .offHours, .atCapacity, .inactive].map {
            (Character(Unicode.Scalar($0.code)), $0)
        })

    /// A short text form for storage: "1|strategy|rule|chosen|omitted|at|department|id:code:open:max:idle,...".
    /// Written into a buffer sized for the longest form (20 characters per number): it is built for every
    /// assignment, and appending byte by byte to an array checked its capacity at every byte.
    public var compact: String {
        let numberBound = 20
        let bound = 16 + strategy.rawValue.utf8.count + rule.rawValue.utf8.count + 3 * numberBound
            + department.utf8.count + candidates.count * (4 * numberBound + 6)
        // Written in a temporary buffer and decoded from there: the String is the one allocation (an array built
        // with `unsafeUninitializedCapacity` is allocated through the standard library's unspecialized code).
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: bound) { buffer in
            var at = 0
            func byte(_ value: UInt8) {
                buffer[at] = value
                at += 1
            }
            func number(_ value: Int64) {
                if value < 0 { byte(UInt8(ascii: "-")) }
                var magnitude = value.magnitude
                var digits = 1
                var scale: UInt64 = 10
                while digits < 20 && magnitude >= scale {
                    digits += 1
                    if digits < 20 { scale &*= 10 }
                }
                var index = at + digits
                at = index
                repeat {
                    index -= 1
                    buffer[index] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                    magnitude /= 10
                } while magnitude > 0
            }
            func text(_ value: String) {
                var value = value
                value.withUTF8 { utf8 in
                    for unit in utf8 { byte(unit) }
                }
            }
            let bar = UInt8(ascii: "|")
            byte(UInt8(ascii: "1"))
            byte(bar)
            text(strategy.rawValue)
            byte(bar)
            text(rule.rawValue)
            byte(bar)
            number(chosen)
            byte(bar)
            number(Int64(omitted))
            byte(bar)
            number(self.at.millis)
            byte(bar)
            text(department)
            byte(bar)
            for (index, candidate) in candidates.enumerated() {
                if index > 0 { byte(UInt8(ascii: ",")) }
                number(candidate.attendantId)
                byte(UInt8(ascii: ":"))
                byte(candidate.standing.code)
                byte(UInt8(ascii: ":"))
                number(Int64(candidate.openChats))
                byte(UInt8(ascii: ":"))
                number(Int64(candidate.maxChats))
                byte(UInt8(ascii: ":"))
                number(candidate.idleMillis / 1000)
            }
            return String(decoding: UnsafeBufferPointer(rebasing: buffer[..<at]), as: UTF8.self)
        }
    }

    /// Reads the `compact` form back (nil when it is not one).
    public init?(compact text: String, conversationId: ConversationID) {
        let parts = text.split(separator: "|", maxSplits: 7, omittingEmptySubsequences: false)
        guard parts.count == 8, parts[0] == "1", let strategy = Strategy(rawValue: String(parts[1])),
              let rule = AssignmentRule(rawValue: String(parts[2])), let chosen = Int64(parts[3]),
              let omitted = Int(parts[4]), let at = Int64(parts[5]) else { return nil }
        var candidates: [Candidate] = []
        for item in parts[7].split(separator: ",") {
            let fields = item.split(separator: ":")
            guard fields.count == 5, let id = Int64(fields[0]), let code = fields[1].first,
                  let standing = Self.standings[code], let open = Int(fields[2]), let max = Int(fields[3]),
                  let idle = Int64(fields[4]) else { return nil }
            candidates.append(Candidate(attendantId: id, standing: standing, openChats: open, maxChats: max,
                                        idleMillis: idle * 1000))
        }
        self.init(conversationId: conversationId, department: String(parts[6]), strategy: strategy, rule: rule,
                  chosen: chosen, at: Instant(millis: at), candidates: candidates, omitted: omitted)
    }
}
