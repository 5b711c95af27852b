// What the router asks the outside world to do, and how it refuses.
// The router never touches a socket, a clock or a database: every change it makes is described by an effect,
// which the server persists (in the turn's transaction) and turns into pushes once that transaction commits.

/// A consequence of a routing decision, for the server to carry out.
public enum RouterEffect: Equatable, Sendable {
    /// Persist this conversation row as it now is.
    case saved(Conversation)
    /// The conversation was just assigned: push `conversation.assigned` to its attendant.
    case assigned(Conversation)
    /// The conversation was closed or removed: push `conversation.closed` to its attendant and the bots.
    case closed(Conversation, previousAttendant: AttendantID?)
    /// The conversation left this attendant by a transfer.
    case transferredAway(Conversation, from: AttendantID)
    /// The department's waiting list changed.
    case queueChanged(String)
    /// The department's waiting chats changed order (a priority, the priority step): the attendants' list changed
    /// even where its count and first chat did not.
    case queueReordered(String)
    /// The attendant's presence may have changed (login, logout, online/away, hours starting or ending, profile).
    case attendantChanged(AttendantID)
    /// Why the last `.assigned` or `.offered` conversation went where it did (always follows one of them).
    case explained(AssignmentExplanation)
    /// The conversation was just offered to its `attendantId`: push `conversation.offered` to it.
    case offered(Conversation)
    /// The conversation (as it now is) was taken from this attendant: push `conversation.revoked` to it.
    case revoked(Conversation, from: AttendantID, reason: RevokeReason)
    /// The router changed the attendant's presence (missed offers): push `presence.changed` to it.
    case presenceChanged(AttendantID, Presence, reason: String)
    /// An offer or assignment ended or was accepted: kept with the conversation's explanations, and counted.
    case noted(OfferNote)
    /// The attendant's presence grace started (until that instant) or ended (nil): persist it, so a grace that
    /// was running comes back after a restart.
    case graceChanged(AttendantID, until: Instant?)
    /// The attendant's run of offers that ran out unanswered changed (an expiry added one; an accept, a presence
    /// choice or turning away ended it): persist it, so the run carries over a restart.
    case missedOffersChanged(AttendantID, count: Int)
    /// A closed chat's wrap-up ended (`wrapUpUntil` now nil): persist it; the attendant's slot is free.
    case wrapUpEnded(Conversation)
    /// The chat has waited its department's `waitAlert`: push `conversation.waitExceeded` to the bots.
    case waitExceeded(Conversation, waitedSeconds: Int64)
}

extension RouterEffect {
    /// The conversation a `.saved` effect saves (nil for the other effects).
    public var savedID: ConversationID? {
        if case .saved(let conversation) = self { return conversation.id }
        return nil
    }

    /// Which effect this is, without its payload.
    public enum Kind: Sendable {
        case saved, assigned, closed, transferredAway, queueChanged, queueReordered, attendantChanged, explained
        case offered, revoked, presenceChanged, noted, graceChanged, missedOffersChanged, wrapUpEnded, waitExceeded
    }

    /// Which effect this is. Asking it reads the effect where it lies: a caller that matches an element of a list
    /// of effects against a pattern with bindings gets a copy of the whole effect first, conversation and all.
    public var kind: Kind {
        switch self {
        case .saved: .saved
        case .assigned: .assigned
        case .closed: .closed
        case .transferredAway: .transferredAway
        case .queueChanged: .queueChanged
        case .queueReordered: .queueReordered
        case .attendantChanged: .attendantChanged
        case .explained: .explained
        case .offered: .offered
        case .revoked: .revoked
        case .presenceChanged: .presenceChanged
        case .noted: .noted
        case .graceChanged: .graceChanged
        case .missedOffersChanged: .missedOffersChanged
        case .wrapUpEnded: .wrapUpEnded
        case .waitExceeded: .waitExceeded
        }
    }
}

/// Why the router refused a request; each kind maps to one error code of the contract.
public struct RoutingError: Error, Equatable, Sendable {
    /// The kinds of refusal.
    public enum Kind: Equatable, Sendable {
        /// 1004: the conversation, department or attendant does not exist.
        case notFound
        /// 1010: the action does not fit the conversation's state.
        case invalidState
        /// 1003: the actor may not do this.
        case forbidden
        /// 1012: the attendant has no room.
        case atCapacity
        /// 1011: the attendant is outside working hours.
        case outsideHours
    }

    /// The kind of refusal.
    public var kind: Kind
    /// A sentence for people.
    public var message: String
    /// The request field the refusal is about, when there is one.
    public var field: String?

    /// Creates a refusal.
    public init(_ kind: Kind, _ message: String, field: String? = nil) {
        self.kind = kind
        self.message = message
        self.field = field
    }
}

/// The numbers `stats.get` reports for one department.
public struct DepartmentStats: Equatable, Sendable {
    /// Department id.
    public var department: String
    /// Chats waiting in the queue.
    public var waiting: Int
    /// Age of the oldest waiting chat, in seconds (0 when none waits).
    public var oldestWaitSeconds: Int64
    /// Open chats assigned in the department.
    public var assigned: Int
    /// Chats of the department offered to an attendant, waiting for an accept (in no queue meanwhile).
    public var offered: Int = 0
    /// Attendants serving the department whose presence is `online`.
    public var attendantsOnline: Int
}
