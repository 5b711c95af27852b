// The rows the store reads and writes that are not routing values: attendant records, messages, contacts.

import AtendeCore

/// Everything the store keeps about an attendant.
public struct AttendantRecord: Equatable, Sendable {
    /// Id (0 before insert).
    public var id: AttendantID
    /// First name and surname.
    public var name: String
    /// Login as entered.
    public var login: String
    /// yescrypt (or sha512-crypt) hash; never leaves the daemon.
    public var passwordHash: String
    /// E.164 phone.
    public var phone: String?
    /// E-mail.
    public var email: String?
    /// Inactive attendants get no chats and cannot log in.
    public var active: Bool
    /// Departments served, in the order given.
    public var departments: [String]
    /// Working hours.
    public var hours: WeeklyHours
    /// Concurrent open chats allowed.
    public var maxChats: Int
    /// Sum of scores received.
    public var ratingSum: Int64
    /// Number of scores received.
    public var ratingCount: Int64
    /// Last login or logout.
    public var lastSeenAt: Instant?
    /// Creation time.
    public var createdAt: Instant
    /// True when a photo is stored.
    public var hasImage: Bool

    /// Creates a record.
    public init(id: AttendantID = 0, name: String, login: String, passwordHash: String, phone: String? = nil,
                email: String? = nil, active: Bool = true, departments: [String], hours: WeeklyHours = .always,
                maxChats: Int, ratingSum: Int64 = 0, ratingCount: Int64 = 0, lastSeenAt: Instant? = nil,
                createdAt: Instant, hasImage: Bool = false) {
        self.id = id
        self.name = name
        self.login = login
        self.passwordHash = passwordHash
        self.phone = phone
        self.email = email
        self.active = active
        self.departments = departments
        self.hours = hours
        self.maxChats = maxChats
        self.ratingSum = ratingSum
        self.ratingCount = ratingCount
        self.lastSeenAt = lastSeenAt
        self.createdAt = createdAt
        self.hasImage = hasImage
    }

    /// What the router needs of it.
    public var profile: AttendantProfile {
        AttendantProfile(id: id, active: active, departments: departments, hours: hours, maxChats: maxChats)
    }
}

/// One message of a transcript.
public struct Message: Equatable, Sendable {
    /// Who wrote it.
    public enum Sender: String, Sendable {
        /// The customer, through the bot.
        case contact
        /// The attendant.
        case attendant
    }

    /// Row id; orders the transcript.
    public var id: Int64
    /// The conversation.
    public var conversationId: ConversationID
    /// Who wrote it.
    public var from: Sender
    /// The text.
    public var text: String
    /// When it was received.
    public var at: Instant

    /// Creates a message.
    public init(id: Int64 = 0, conversationId: ConversationID, from: Sender, text: String, at: Instant) {
        self.id = id
        self.conversationId = conversationId
        self.from = from
        self.text = text
        self.at = at
    }
}

/// An entry of the bot's contact agenda.
public struct ContactRecord: Equatable, Sendable {
    /// E.164 phone, the key.
    public var phone: String
    /// Name.
    public var name: String
    /// Other fields the bot sent, as a JSON object text.
    public var extra: String?
    /// Last update.
    public var updatedAt: Instant

    /// Creates a contact.
    public init(phone: String, name: String, extra: String?, updatedAt: Instant) {
        self.phone = phone
        self.name = name
        self.extra = extra
        self.updatedAt = updatedAt
    }
}
