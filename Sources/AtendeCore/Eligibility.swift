// Eligibility: the one answer to "why can this attendant not take a chat now?".
// Routing (an attendant sits in a department's heap only when the answer is empty), take, transfer, the
// explanations' standings and the presence shown to clients all read this computation, and each reason maps to
// one error, so a condition gives the same refusal wherever it is met. Readers that do not care about a reason
// (a manual take by an attendant who set itself away; a transfer straight to a colleague who is away) subtract it.
//
// Error per reason: serving the department and being active are permissions (1003); not being logged in or being
// away is the attendant's state (1010); outside working hours is 1011; no free slot is 1012. Being passed over
// for one chat (it gave that chat back) is a reason of that chat only, and a soft one: it only yields the chat to
// someone else eligible, so it refuses nothing; the explanations show it as a standing.

/// The reasons an attendant cannot take a chat now; empty when it can.
public struct Ineligibility: OptionSet, Hashable, Sendable {
    /// The bits.
    public let rawValue: UInt8

    /// Creates a set from its bits.
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    /// The attendant does not serve the chat's department.
    public static let notServing = Ineligibility(rawValue: 1 << 0)
    /// The attendant is deactivated.
    public static let inactive = Ineligibility(rawValue: 1 << 1)
    /// No logged-in connection.
    public static let offline = Ineligibility(rawValue: 1 << 2)
    /// Connected, but chose `away` (or was turned away after missing offers).
    public static let away = Ineligibility(rawValue: 1 << 3)
    /// Outside its working hours.
    public static let offHours = Ineligibility(rawValue: 1 << 4)
    /// Every slot is held: open chats, offers and chats in wrap-up count.
    public static let atCapacity = Ineligibility(rawValue: 1 << 5)
    /// Gave this chat back (declined the offer, let it expire, had it taken back): the attendant yields it to
    /// anyone else eligible, and gets it only when nobody else can. Not in `precedence`: it never refuses a
    /// request, so a passed-over attendant may still take the chat by hand or be transferred it.
    public static let passedOver = Ineligibility(rawValue: 1 << 6)

    /// The reasons in the order a refusal names them: the first one present is the one reported.
    public static let precedence: [Ineligibility] = [.notServing, .inactive, .offline, .away, .offHours, .atCapacity]

    /// The reason a refusal reports: the first present in `precedence`.
    public var first: Ineligibility? { Self.precedence.first { contains($0) } }
}

extension Router.AttendantState {
    /// The reasons that hold whatever the department: the cached `inHours` stands for the hours, which the
    /// router keeps current through its hours-boundary deadlines.
    var ineligibility: Ineligibility {
        var reasons: Ineligibility = []
        if !profile.active { reasons.insert(.inactive) }
        if connections == 0 { reasons.insert(.offline) }
        if !wantsOnline { reasons.insert(.away) }
        if !inHours { reasons.insert(.offHours) }
        if heldSlots >= profile.maxChats { reasons.insert(.atCapacity) }
        return reasons
    }

    /// Slots in use: open chats (offers included) and chats in wrap-up.
    var heldSlots: Int { open.count + wrapping.count }
}

extension Router {
    /// Why the attendant cannot take a chat of `department` now. With `hoursAt`, the hours are read at that
    /// instant instead of from the cached state: a request that may be refused must not refresh the cache, since
    /// a refusal changes nothing.
    func ineligibility(of state: AttendantState, for department: String?, hoursAt now: Instant? = nil)
        -> Ineligibility {
        var reasons = state.ineligibility
        if let department, !state.profile.departments.contains(department) { reasons.insert(.notServing) }
        if let now {
            if state.profile.hours.contains(now) { reasons.remove(.offHours) } else { reasons.insert(.offHours) }
        }
        return reasons
    }

    /// The refusal for the first of `reasons` (nil when there is none), naming `field` when the request has one.
    func refusal(_ reasons: Ineligibility, of state: AttendantState, department: String, field: String? = nil)
        -> RoutingError? {
        guard let reason = reasons.first else { return nil }
        switch reason {
        case .notServing:
            return RoutingError(.forbidden, "attendant does not serve department '\(department)'", field: field)
        case .inactive:
            return RoutingError(.forbidden, "attendant is inactive", field: field)
        case .offline:
            return RoutingError(.invalidState, "attendant is not logged in", field: field)
        case .away:
            return RoutingError(.invalidState, "attendant is away", field: field)
        case .offHours:
            return RoutingError(.outsideHours, "attendant is outside working hours", field: field)
        default:
            return RoutingError(.atCapacity, "attendant already holds \(state.heldSlots) of \(state.profile.maxChats) "
                                + "chats", field: field)
        }
    }

    /// Why the attendant would not get one particular chat now: the reasons of any chat of its department, plus
    /// `.passedOver` when it is among those the chat passes over (`Conversation.passedOver`).
    func ineligibility(of state: AttendantState, passedOver: [AttendantID]) -> Ineligibility {
        var reasons = state.ineligibility
        if !passedOver.isEmpty && passedOver.contains(state.profile.id) { reasons.insert(.passedOver) }
        return reasons
    }

    /// Why the attendant cannot take a chat of the department now (empty when it can; an unknown attendant
    /// neither serves nor is logged in).
    public func ineligibility(of attendant: AttendantID, for department: String) -> Ineligibility {
        guard let state = attendants[attendant] else { return [.notServing, .offline] }
        return ineligibility(of: state, for: department)
    }
}
