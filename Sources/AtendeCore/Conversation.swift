// Conversation and the other values the router works with, as the contract names them.
// They are plain values: the router owns the live ones, the store persists them, the protocol writes them out.

/// An attendant's numeric id.
public typealias AttendantID = Int64
/// A conversation's numeric id.
public typealias ConversationID = Int64

/// Where a conversation is in its life: potential → queued → (offered →) assigned → closed (or potential →
/// removed); an offer that is declined, expires or is rescinded goes back to queued.
public enum ConversationState: String, Sendable, CaseIterable {
    /// The contact has not chosen a department yet.
    case potential
    /// Waiting in a department's queue.
    case queued
    /// Offered to one attendant, who must accept it before `offerExpiresAt`; it holds one of its slots.
    case offered
    /// With an attendant.
    case assigned
    /// Finished.
    case closed
    /// A potential that was removed from the potentials list.
    case removed

    /// True for the states the router keeps in memory.
    public var isOpen: Bool { self == .potential || self == .queued || self == .assigned || self == .offered }
}

/// A chat between a contact and the service.
public struct Conversation: Equatable, Sendable {
    /// Assigned by the store, unique.
    public var id: ConversationID
    /// The bot's id for the conversation; `conversation.open` is idempotent on it.
    public var externalId: String
    /// The contact's phone in E.164 form.
    public var contactPhone: String
    /// The contact's name, when the bot knows it.
    public var contactName: String?
    /// Channel name, e.g. "whatsapp".
    public var channel: String
    /// The department, once chosen.
    public var department: String?
    /// Life-cycle state.
    public var state: ConversationState
    /// The priority, stored in the byte after `state` that alignment leaves free (every open chat is in memory).
    var priorityLevel: UInt8 = 0
    /// The attendant, while assigned (and after closing, the one who served it).
    public var attendantId: AttendantID?
    /// When the bot opened it.
    public var openedAt: Instant
    /// When it last joined a department queue.
    public var queuedAt: Instant?
    /// When it was last assigned.
    public var assignedAt: Instant?
    /// When it was closed or removed.
    public var closedAt: Instant?
    /// The contact's score (1...5) after closing.
    public var rating: Int?
    /// Position in queue order: a global sequence taken each time the chat joins a queue.
    public var queueSeq: Int64
    /// The contact's last attendant, preferred when eligible (stickiness).
    public var preferredAttendant: AttendantID?
    /// The attendant who transferred it away, avoided once when another eligible attendant exists.
    public var avoidAttendant: AttendantID?
    /// When it was last offered (while offered).
    public var offeredAt: Instant?
    /// When the current offer runs out (while offered).
    public var offerExpiresAt: Instant?
    /// The first attendant reply.
    public var firstReplyAt: Instant?
    /// While its wrap-up runs (closed chats only): when the attendant's slot is freed.
    public var wrapUpUntil: Instant?
    /// When the current assignment is taken back unless the attendant replies first (the department's
    /// `replyTimeout`); internal, not on the wire.
    public var replyDueAt: Instant?
    /// Attendants it was taken back from while it waits (declined, expired, reply timeout, gone offline): passed
    /// over for it while anyone else is eligible; emptied when it is assigned.
    public var passedOver: [AttendantID] = []

    /// 0...9: each level puts the chat ahead of chats that joined up to the department's `priorityStep` earlier.
    public var priority: Int {
        get { Int(priorityLevel) }
        set { priorityLevel = UInt8(clamping: newValue) }
    }

    /// Creates a conversation.
    public init(
        id: ConversationID, externalId: String, contactPhone: String, contactName: String? = nil,
        channel: String = "whatsapp", department: String? = nil, state: ConversationState = .potential,
        attendantId: AttendantID? = nil, openedAt: Instant, queuedAt: Instant? = nil, assignedAt: Instant? = nil,
        closedAt: Instant? = nil, rating: Int? = nil, queueSeq: Int64 = 0, preferredAttendant: AttendantID? = nil,
        avoidAttendant: AttendantID? = nil, offeredAt: Instant? = nil, offerExpiresAt: Instant? = nil,
        firstReplyAt: Instant? = nil, wrapUpUntil: Instant? = nil, replyDueAt: Instant? = nil,
        passedOver: [AttendantID] = []
    ) {
        self.id = id
        self.externalId = externalId
        self.contactPhone = contactPhone
        self.contactName = contactName
        self.channel = channel
        self.department = department
        self.state = state
        self.attendantId = attendantId
        self.openedAt = openedAt
        self.queuedAt = queuedAt
        self.assignedAt = assignedAt
        self.closedAt = closedAt
        self.rating = rating
        self.queueSeq = queueSeq
        self.preferredAttendant = preferredAttendant
        self.avoidAttendant = avoidAttendant
        self.offeredAt = offeredAt
        self.offerExpiresAt = offerExpiresAt
        self.firstReplyAt = firstReplyAt
        self.wrapUpUntil = wrapUpUntil
        self.replyDueAt = replyDueAt
        self.passedOver = passedOver
    }
}

/// A department: a queue of chats and the attendants who serve it.
public struct Department: Equatable, Sendable {
    /// Slug id.
    public var id: String
    /// Display name.
    public var name: String
    /// How the next attendant is chosen.
    public var strategy: Strategy
    /// Seconds an attendant has to accept an automatic assignment, which is then an offer; nil: assign directly.
    public var offerTimeout: Int64?
    /// Seconds an assigned chat may go without an attendant reply before it is taken back; nil: no limit.
    public var replyTimeout: Int64?
    /// Seconds a closed chat keeps its attendant's slot.
    public var wrapUp: Int64 = 0

    /// Seconds of queue time one priority level is worth (contract v2, 0...86400).
    public var priorityStep: Int = Department.defaultPriorityStep
    /// The answer-time target, in seconds, that the service level is measured against (1...3600).
    public var serviceLevel: Int = Department.defaultServiceLevel

    /// The priority step a department gets when none is given.
    public static let defaultPriorityStep = 600
    /// The service-level target a department gets when none is given.
    public static let defaultServiceLevel = 60

    /// Creates a department.
    public init(id: String, name: String, strategy: Strategy = .leastBusy, offerTimeout: Int64? = nil,
                replyTimeout: Int64? = nil, wrapUp: Int64 = 0) {
        self.id = id
        self.name = name
        self.strategy = strategy
        self.offerTimeout = offerTimeout
        self.replyTimeout = replyTimeout
        self.wrapUp = wrapUp
    }

    /// The ranges the contract allows for the routing settings.
    public static let offerTimeoutRange: ClosedRange<Int64> = 5...3600
    /// See `offerTimeoutRange`.
    public static let replyTimeoutRange: ClosedRange<Int64> = 10...86400
    /// See `offerTimeoutRange`.
    public static let wrapUpRange: ClosedRange<Int64> = 0...900
}

/// What the router needs to know about an attendant (the rest lives in the store).
public struct AttendantProfile: Equatable, Sendable {
    /// The attendant's id.
    public var id: AttendantID
    /// Inactive attendants get no chats.
    public var active: Bool
    /// Departments served.
    public var departments: [String]
    /// Working hours.
    public var hours: WeeklyHours
    /// Concurrent open chats allowed.
    public var maxChats: Int

    /// Creates a profile.
    public init(id: AttendantID, active: Bool = true, departments: [String], hours: WeeklyHours = .always,
                maxChats: Int = 5) {
        self.id = id
        self.active = active
        self.departments = departments
        self.hours = hours
        self.maxChats = maxChats
    }
}

/// An attendant's presence as shown to clients.
public enum Presence: String, Sendable, CaseIterable {
    /// Logged in and taking chats.
    case online
    /// Logged in, not taking chats.
    case away
    /// No connection.
    case offline
    /// Logged in outside working hours.
    case offHours = "off-hours"
}

/// Who asks the router to change a conversation.
public enum Actor: Equatable, Sendable {
    /// The chatbot process.
    case bot
    /// An admin.
    case admin
    /// An attendant.
    case attendant(AttendantID)
}
