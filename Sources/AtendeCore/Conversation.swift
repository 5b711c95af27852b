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
///
/// Every open chat lives in the router and is copied into each effect about it, so its storage is kept tight:
/// optional times and attendant ids are stored as plain integers with `Int64.min` for nil (an `Optional` of an
/// 8-byte value takes 16), and the small numbers share the last word. The public members are the optionals.
public struct Conversation: Equatable, Sendable {
    /// Assigned by the store, unique.
    public var id: ConversationID
    /// The bot's id for the conversation; `conversation.open` is idempotent on it.
    public var externalId: String
    /// The contact's phone in E.164 form.
    public var contactPhone: String
    /// The department, once chosen.
    public var department: String?
    /// When the bot opened it.
    public var openedAt: Instant
    /// Position in queue order: a global sequence taken each time the chat joins a queue.
    public var queueSeq: Int64
    /// The members seldom set and seldom changed, in one shared box: most chats have the defaults, and share one.
    @usableFromInline var details = ConversationDetails.standard

    /// The contact's name, when the bot knows it.
    @inlinable public var contactName: String? {
        get { details.fields.contactName }
        set { changeDetails { $0.contactName = newValue } }
    }
    /// Channel name, e.g. "whatsapp".
    @inlinable public var channel: String {
        get { details.fields.channel }
        set { changeDetails { $0.channel = newValue } }
    }
    /// The department it overflowed from (contract v2), while it waits in the department it overflowed to.
    @inlinable public var overflowedFrom: String? {
        get { details.fields.overflowedFrom }
        set { changeDetails { $0.overflowedFrom = newValue } }
    }
    /// Attendants it was taken back from while it waits (declined, expired, reply timeout, gone offline): passed
    /// over for it while anyone else is eligible; emptied when it is assigned.
    @inlinable public var passedOver: [AttendantID] {
        get { details.fields.passedOver }
        set { if newValue != passedOver { changeDetails { $0.passedOver = newValue } } }  // emptied at each assignment
    }
    /// Departments whose wait alert was already sent for it (once per chat per department). Not on the wire.
    @inlinable public var waitAlertedIn: [String] {
        get { details.fields.waitAlertedIn }
        set { changeDetails { $0.waitAlertedIn = newValue } }
    }

    /// Changes the boxed members: a new box unless nothing changed, the shared one when they are the defaults.
    @inlinable mutating func changeDetails(_ change: (inout ConversationDetails.Fields) -> Void) {
        var fields = details.fields
        change(&fields)
        guard fields != details.fields else { return }
        let standard = ConversationDetails.standard
        details = fields == standard.fields ? standard : ConversationDetails(fields)
    }

    // The optional members' storage: `Int64.min` is nil.
    @usableFromInline var storedAttendant = Int64.min
    @usableFromInline var storedPreferred = Int64.min
    @usableFromInline var storedAvoid = Int64.min
    @usableFromInline var storedQueuedAt = Int64.min
    @usableFromInline var storedAssignedAt = Int64.min
    @usableFromInline var storedClosedAt = Int64.min
    @usableFromInline var storedOfferedAt = Int64.min
    @usableFromInline var storedOfferExpiresAt = Int64.min
    @usableFromInline var storedFirstReplyAt = Int64.min
    @usableFromInline var storedWrapUpUntil = Int64.min
    @usableFromInline var storedReplyDueAt = Int64.min
    @usableFromInline var storedQueueJoinedAt = Int64.min

    /// Life-cycle state.
    public var state: ConversationState
    /// The priority (0...9).
    @usableFromInline var priorityLevel: UInt8 = 0
    /// The rating, 0 for none.
    @usableFromInline var storedRating: UInt8 = 0
    /// Overflow moves made so far.
    @usableFromInline var storedOverflowMoves: UInt8 = 0

    /// The attendant, while assigned (and after closing, the one who served it).
    @inlinable public var attendantId: AttendantID? {
        get { Conversation.id(storedAttendant) }
        set { storedAttendant = newValue ?? .min }
    }
    /// When it last joined a department queue.
    @inlinable public var queuedAt: Instant? {
        get { Conversation.instant(storedQueuedAt) }
        set { storedQueuedAt = newValue?.millis ?? .min }
    }
    /// When it was last assigned.
    @inlinable public var assignedAt: Instant? {
        get { Conversation.instant(storedAssignedAt) }
        set { storedAssignedAt = newValue?.millis ?? .min }
    }
    /// When it was closed or removed.
    @inlinable public var closedAt: Instant? {
        get { Conversation.instant(storedClosedAt) }
        set { storedClosedAt = newValue?.millis ?? .min }
    }
    /// The contact's score (1...5) after closing.
    @inlinable public var rating: Int? {
        get { storedRating == 0 ? nil : Int(storedRating) }
        set { storedRating = newValue.map { UInt8(clamping: max($0, 1)) } ?? 0 }
    }
    /// The contact's last attendant, preferred when eligible (stickiness).
    @inlinable public var preferredAttendant: AttendantID? {
        get { Conversation.id(storedPreferred) }
        set { storedPreferred = newValue ?? .min }
    }
    /// The attendant who transferred it away, avoided once when another eligible attendant exists.
    @inlinable public var avoidAttendant: AttendantID? {
        get { Conversation.id(storedAvoid) }
        set { storedAvoid = newValue ?? .min }
    }
    /// When it was last offered (while offered).
    @inlinable public var offeredAt: Instant? {
        get { Conversation.instant(storedOfferedAt) }
        set { storedOfferedAt = newValue?.millis ?? .min }
    }
    /// When the current offer runs out (while offered).
    @inlinable public var offerExpiresAt: Instant? {
        get { Conversation.instant(storedOfferExpiresAt) }
        set { storedOfferExpiresAt = newValue?.millis ?? .min }
    }
    /// The first attendant reply.
    @inlinable public var firstReplyAt: Instant? {
        get { Conversation.instant(storedFirstReplyAt) }
        set { storedFirstReplyAt = newValue?.millis ?? .min }
    }
    /// While its wrap-up runs (closed chats only): when the attendant's slot is freed.
    @inlinable public var wrapUpUntil: Instant? {
        get { Conversation.instant(storedWrapUpUntil) }
        set { storedWrapUpUntil = newValue?.millis ?? .min }
    }
    /// When the current assignment is taken back unless the attendant replies first (the department's
    /// `replyTimeout`); on the wire as `replyDueAt`, so desks can show the time left.
    @inlinable public var replyDueAt: Instant? {
        get { Conversation.instant(storedReplyDueAt) }
        set { storedReplyDueAt = newValue?.millis ?? .min }
    }
    /// When it joined the queue it waits in (its `queuedAt`, or the moment it overflowed there); overflow and
    /// wait-alert deadlines count from here. Not on the wire.
    @inlinable public var queueJoinedAt: Instant? {
        get { Conversation.instant(storedQueueJoinedAt) }
        set { storedQueueJoinedAt = newValue?.millis ?? .min }
    }
    /// Overflow moves made so far (at most `Router.maxOverflowMoves`).
    @inlinable public var overflowMoves: Int {
        get { Int(storedOverflowMoves) }
        set { storedOverflowMoves = UInt8(clamping: newValue) }
    }

    /// 0...9: each level puts the chat ahead of chats that joined up to the department's `priorityStep` earlier.
    @inlinable public var priority: Int {
        get { Int(priorityLevel) }
        set { priorityLevel = UInt8(clamping: newValue) }
    }

    @inlinable static func instant(_ millis: Int64) -> Instant? { millis == .min ? nil : Instant(millis: millis) }
    @inlinable static func id(_ value: Int64) -> Int64? { value == .min ? nil : value }

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
        if contactName != nil || channel != ConversationDetails.standard.fields.channel || !passedOver.isEmpty {
            details = ConversationDetails(.init(contactName: contactName, channel: channel, passedOver: passedOver))
        }
        self.department = department
        self.state = state
        self.openedAt = openedAt
        self.queueSeq = queueSeq
        self.attendantId = attendantId
        self.queuedAt = queuedAt
        self.assignedAt = assignedAt
        self.closedAt = closedAt
        self.rating = rating
        self.preferredAttendant = preferredAttendant
        self.avoidAttendant = avoidAttendant
        self.offeredAt = offeredAt
        self.offerExpiresAt = offerExpiresAt
        self.firstReplyAt = firstReplyAt
        self.wrapUpUntil = wrapUpUntil
        self.replyDueAt = replyDueAt
    }
}

/// A conversation's seldom-changed members. Every copy of a conversation (each effect about it carries one)
/// retains each string and array it holds: kept in one immutable box, they cost one retain, and the chats that
/// have none of them share a single box.
public final class ConversationDetails: Equatable, Sendable {
    /// The members themselves.
    public struct Fields: Equatable, Sendable {
        public var contactName: String?
        public var channel: String
        public var overflowedFrom: String?
        public var passedOver: [AttendantID]
        public var waitAlertedIn: [String]

        public init(contactName: String? = nil, channel: String = "whatsapp", overflowedFrom: String? = nil,
                    passedOver: [AttendantID] = [], waitAlertedIn: [String] = []) {
            self.contactName = contactName
            self.channel = channel
            self.overflowedFrom = overflowedFrom
            self.passedOver = passedOver
            self.waitAlertedIn = waitAlertedIn
        }
    }

    public let fields: Fields

    @usableFromInline init(_ fields: Fields) { self.fields = fields }

    /// The defaults: no name, WhatsApp, never overflowed, passed over or alerted.
    public static let standard = ConversationDetails(Fields())

    public static func == (a: ConversationDetails, b: ConversationDetails) -> Bool {
        a === b || a.fields == b.fields
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
    /// A chat that waited `after` seconds in this queue moves to `department`'s queue (contract v2).
    public var overflow: Overflow?
    /// Seconds of waiting after which the bots get `conversation.waitExceeded` (10...86400).
    public var waitAlert: Int64?

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

/// Where a department's chats go when they wait too long.
public struct Overflow: Equatable, Sendable {
    /// Seconds in the queue before the move (10...86400).
    public var after: Int64
    /// The department whose queue receives them.
    public var department: String

    /// Creates an overflow rule.
    public init(after: Int64, department: String) {
        self.after = after
        self.department = department
    }
}
