// OfferNote: what happened to an offer or an assignment after the routing decision that made it: accepted,
// declined, expired, rescinded, or taken back (reply timeout, attendant gone offline). The router emits one with
// each such change; the store keeps its compact form in the conversation's explanation lines, so
// `conversation.explain` can tell the whole story, and the metrics count them.

/// Why a chat was taken from an attendant without the attendant closing or transferring it.
public enum RevokeReason: String, Sendable, CaseIterable {
    /// The offer ran out.
    case offerExpired = "offer-expired"
    /// No attendant reply within the department's `replyTimeout` after the assignment.
    case replyTimeout = "reply-timeout"
    /// The attendant lost its last connection (offers at once; assigned chats after the presence grace).
    case offline
    /// Closed or transferred while it was offered.
    case rescinded
    /// The attendant was turned away for missing `maxMissedOffers` offers in a row: the other offers it held go
    /// back at once instead of each running out in turn (an addition to the contract's reasons).
    case away
}

/// One event in the life of an offer or an assignment.
public struct OfferNote: Equatable, Sendable {
    /// What happened.
    public enum Kind: Equatable, Sendable {
        /// The attendant accepted the offer.
        case accepted
        /// The attendant declined the offer.
        case declined
        /// The chat was taken away from the attendant for this reason.
        case revoked(RevokeReason)
    }

    /// The conversation.
    public var conversationId: ConversationID
    /// The attendant the offer or assignment was with.
    public var attendantId: AttendantID
    /// What happened.
    public var kind: Kind
    /// When.
    public var at: Instant
    /// True when it ended an offer, false when it took back an assignment.
    public var wasOffer: Bool

    /// Creates a note.
    public init(conversationId: ConversationID, attendantId: AttendantID, kind: Kind, at: Instant,
                wasOffer: Bool = true) {
        self.conversationId = conversationId
        self.attendantId = attendantId
        self.kind = kind
        self.at = at
        self.wasOffer = wasOffer
    }

    /// The outcome's name: for an offer `accepted`, `declined`, `expired`, `rescinded` or `offline`; for an
    /// assignment taken back, `revoked` (the reason says why).
    public var outcome: String {
        switch kind {
        case .accepted: return "accepted"
        case .declined: return "declined"
        case .revoked(.offerExpired): return "expired"
        case .revoked(let reason): return wasOffer ? reason.rawValue : "revoked"
        }
    }

    /// The revocation's reason, if it is one.
    public var reason: RevokeReason? {
        if case .revoked(let reason) = kind { return reason }
        return nil
    }

    /// A line for the conversation's explanation lines: "n|kind|attendant|at|o" (o: 1 for an offer, 0 for an
    /// assignment; an explanation line starts "1|").
    public var compact: String {
        let name: String
        switch kind {
        case .accepted: name = "accepted"
        case .declined: name = "declined"
        case .revoked(let reason): name = reason.rawValue
        }
        return "n|\(name)|\(attendantId)|\(at.millis)|\(wasOffer ? 1 : 0)"
    }

    /// Reads the `compact` form back (nil when it is not one).
    public init?(compact text: String, conversationId: ConversationID) {
        let parts = text.split(separator: "|", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "n", let attendant = Int64(parts[2]), let at = Int64(parts[3]) else {
            return nil
        }
        let kind: Kind
        switch parts[1] {
        case "accepted": kind = .accepted
        case "declined": kind = .declined
        default:
            guard let reason = RevokeReason(rawValue: String(parts[1])) else { return nil }
            kind = .revoked(reason)
        }
        self.init(conversationId: conversationId, attendantId: attendant, kind: kind, at: Instant(millis: at),
                  wasOffer: parts[4] == "1")
    }
}
