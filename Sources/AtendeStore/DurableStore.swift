// DurableStore: what the daemon asks of a store: the turn's writes (each opens the turn's transaction when none is
// open), the commit at the end of the turn, the barrier whose `sync` tells when that commit is durable, and the
// reads of recovery and of the methods. Two stores answer it: Store (an SQLite file, the default) and
// PostgresStore (a PostgreSQL database shared by a leader and its standbys).

import AtendeCore
import Glibc

/// Something a committed turn's output waits on before it leaves (durable before visible).
public protocol DurabilityBarrier: AnyObject, Sendable {
    /// Blocks until every commit made before this barrier was taken is durable: 0, or an errno saying why not.
    func sync() -> Int32
}

extension WALFile: DurabilityBarrier {}

extension CommitTicket: DurabilityBarrier {
    /// 0 once PostgreSQL has committed the turn; ECONNRESET when the connection was lost first, ECANCELED when
    /// PostgreSQL refused a statement of the turn (nothing of it was committed; later turns are not affected).
    public func sync() -> Int32 {
        guard let error = wait() else { return 0 }
        return error.isConnectionLost ? ECONNRESET : ECANCELED
    }

    /// Why PostgreSQL refused the turn, once it did (nil while pending, committed, or lost with the connection).
    public var refusal: StoreError? {
        guard let settled, let error = settled, !error.isConnectionLost else { return nil }
        return error
    }
}

/// An account whose login, normalized as `Login.key` does today, is another account's: its older key was kept
/// when the store opened, and an admin has to rename one of the two.
public struct LoginKeyCollision: Equatable, Sendable {
    /// "attendant" or "admin".
    public let kind: String
    public let id: Int64
    public let login: String
}

/// The store the daemon writes its turns to and recovers from.
public protocol DurableStore: AnyObject, WebSessionStore {
    /// The accounts whose logins could not be brought to today's key when the store opened.
    var loginKeyCollisions: [LoginKeyCollision] { get }
    /// True while the turn has writes not yet committed.
    var inTransaction: Bool { get }
    /// Counts calls that write, so the server can tell which requests changed something.
    var writeCount: Int { get }
    /// Counts writes that were taken (they wait in the open turn until it commits).
    var changeCount: Int { get }
    /// Ends the turn: its writes commit together (SQLite: now; PostgreSQL: in order, on the connection's thread).
    func commit() throws(StoreError)
    /// Abandons the turn's writes.
    func rollback()
    /// After `commit`: what the turn's output must wait on (nil when there is nothing to wait for).
    var durabilityBarrier: (any DurabilityBarrier)? { get }

    /// The account settings.
    func settings() throws(StoreError) -> AccountSettings
    /// Saves all settings.
    func saveSettings(_ settings: AccountSettings) throws(StoreError)
    /// Every department, by id.
    func departments() throws(StoreError) -> [Department]
    /// Inserts or updates a department.
    func saveDepartment(_ department: Department, now: Instant) throws(StoreError)
    /// Deletes a department.
    func deleteDepartment(_ id: String) throws(StoreError)

    /// Every attendant, by id.
    func attendants() throws(StoreError) -> [AttendantRecord]
    /// One attendant by id.
    func attendant(_ id: AttendantID) throws(StoreError) -> AttendantRecord?
    /// One attendant by login key.
    func attendant(loginKey: String) throws(StoreError) -> AttendantRecord?
    /// Inserts a new attendant (id 0) or replaces an existing one; returns the id.
    @discardableResult
    func saveAttendant(_ record: AttendantRecord) throws(StoreError) -> AttendantID
    /// Records a login or logout time.
    func touchLastSeen(_ id: AttendantID, at instant: Instant) throws(StoreError)
    /// Stores the attendant's photo.
    func saveImage(_ id: AttendantID, contentType: String, bytes: [UInt8]) throws(StoreError)
    /// The attendant's photo.
    func image(_ id: AttendantID) throws(StoreError) -> (contentType: String, bytes: [UInt8])?
    /// Adds a score to the attendant's rating.
    func addRating(_ id: AttendantID, score: Int) throws(StoreError)

    /// Inserts or updates a conversation row (`new`: just opened; `explained`: explanation lines to append).
    func saveConversation(_ c: Conversation, new: Bool, explained: String?) throws(StoreError)
    /// Writes a conversation the router has just closed or removed.
    func saveClosing(_ c: Conversation) throws(StoreError)
    /// The open conversations in queue order.
    func openConversations() throws(StoreError) -> [Conversation]
    /// The open conversations in queue order, for recovery: `count` first gets how many there are, then `each` gets
    /// them one at a time, so a restart at a million waiting chats never holds them all in an array.
    func readOpenConversations(count: (Int) -> Void, each: (consuming Conversation) -> Void) throws(StoreError)
    /// A conversation by id.
    func conversation(_ id: ConversationID) throws(StoreError) -> Conversation?
    /// A conversation by the bot's external id.
    func conversation(externalId: String) throws(StoreError) -> Conversation?
    /// The largest conversation id ever used.
    func maxConversationID() throws(StoreError) -> ConversationID
    /// Every external id of a stored conversation and every phone with a last attendant, as UTF-8 bytes (valid
    /// only during the call), for the loop's record of what the store may hold (StoredKeys).
    func readKnownKeys(externalId: (UnsafeRawBufferPointer) -> Void,
                       phone: (UnsafeRawBufferPointer) -> Void) throws(StoreError)
    /// The largest queue sequence ever used.
    func maxQueueSeq() throws(StoreError) -> Int64
    /// Records a score on a closed conversation; false when it was not closed or already rated.
    func rate(_ id: ConversationID, score: Int) throws(StoreError) -> Bool
    /// The last attendant who served this contact.
    func lastAttendant(phone: String) throws(StoreError) -> AttendantID?
    /// What `conversation.open` reads before it opens a chat: the stored conversation of that external id, if
    /// any, and the contact's last attendant. A store may answer both with one read.
    func lookUpForOpen(externalId: String, phone: String) throws(StoreError) -> OpenLookup
    /// Remembers who served this contact last.
    func setLastAttendant(phone: String, attendant: AttendantID) throws(StoreError)
    /// Appends a message; returns it with its id.
    func appendMessage(_ message: Message) throws(StoreError) -> Message
    /// A transcript in order, at most `limit` messages (the latest ones).
    func messages(_ conversation: ConversationID, limit: Int) throws(StoreError) -> [Message]
    /// Saves (or updates) a contact.
    func saveContact(_ contact: ContactRecord) throws(StoreError)
    /// Contacts whose name or phone contains `query`, by name.
    func contacts(query: String?, limit: Int) throws(StoreError) -> [ContactRecord]
    /// Appends assignment explanations to a conversation's row.
    func saveExplanation(conversation: ConversationID, body: String) throws(StoreError)
    /// Every recorded explanation of a conversation, oldest first.
    func explanations(conversation: ConversationID) throws(StoreError) -> [String]

    /// Deletes an attendant (its id is retired); false when there was none with that id.
    @discardableResult
    func deleteAttendant(_ id: AttendantID) throws(StoreError) -> Bool
    /// Notes that `attendant` wrote message `message`.
    func recordAuthor(message: Int64, attendant: AttendantID) throws(StoreError)
    /// The authors of the attendant messages among `messages`, by message id.
    func authors(of messages: [Message]) throws(StoreError) -> [Int64: AttendantID]
    /// Notes a transfer of conversation `id`.
    func recordTransfer(_ id: ConversationID, _ transfer: TransferRecord) throws(StoreError)
    /// The transfers of conversation `id`, oldest first.
    func transfers(_ id: ConversationID) throws(StoreError) -> [TransferRecord]
    /// The service-level figures over chats that first joined a queue at or after `since`.
    func serviceLevels(since: Instant, targets: [String: Int]) throws(StoreError)
        -> (departments: [DepartmentServiceLevel], attendants: [AttendantServiceLevel])
    /// Conversations newest id first, filtered, below `before` when given, each with when it first joined a queue.
    func conversations(state: ConversationState?, department: String?, attendant: AttendantID?,
                       before: ConversationID?, limit: Int) throws(StoreError)
        -> [(conversation: Conversation, firstQueuedAt: Instant?)]

    /// Every admin account, by id.
    func admins() throws(StoreError) -> [AdminRecord]
    /// One admin account by id.
    func admin(_ id: Int64) throws(StoreError) -> AdminRecord?
    /// One admin account by login key.
    func admin(loginKey: String) throws(StoreError) -> AdminRecord?
    /// Inserts a new admin account (id 0) or replaces an existing one; returns the id.
    @discardableResult
    func saveAdmin(_ record: AdminRecord) throws(StoreError) -> Int64
    /// Deletes an admin account; false when there was none.
    func deleteAdmin(_ id: Int64) throws(StoreError) -> Bool
    /// Records an admin's login time.
    func touchAdminLastSeen(_ id: Int64, at instant: Instant) throws(StoreError)

    /// The attendant's display name, nil when there is no such attendant.
    func attendantName(_ id: AttendantID) throws(StoreError) -> String?
    /// Records the end of the attendant's running presence grace (nil: none runs).
    func setGraceUntil(_ attendant: AttendantID, _ until: Instant?) throws(StoreError)
    /// The presence graces that were running, by attendant.
    func graces() throws(StoreError) -> [AttendantID: Instant]
    /// Records whether the attendant chose `away` (or was turned away by missed offers), for a resumed session.
    func setAway(_ attendant: AttendantID, _ away: Bool) throws(StoreError)
    /// The attendants whose last choice was `away`.
    func awayAttendants() throws(StoreError) -> [AttendantID]
    /// Records the attendant's run of offers that ran out unanswered.
    func setMissedOffers(_ attendant: AttendantID, _ count: Int) throws(StoreError)
    /// Each attendant's run of offers that ran out unanswered, where one is running.
    func missedOffers() throws(StoreError) -> [AttendantID: Int]
    /// The outcomes of the offers made since `since`, by attendant.
    func offerOutcomes(since: Instant) throws(StoreError) -> [AttendantID: OfferOutcomes]
    /// Closed conversations whose wrap-up was running.
    func wrappingConversations() throws(StoreError) -> [Conversation]
}

/// What `DurableStore.lookUpForOpen` found.
public struct OpenLookup: Sendable {
    /// The conversation already stored under the external id (open is idempotent on it).
    public var conversation: Conversation?
    /// The contact's last attendant, when no conversation was found (nil otherwise: it is not needed then).
    public var lastAttendant: AttendantID?

    /// Creates a lookup result.
    public init(conversation: Conversation?, lastAttendant: AttendantID?) {
        self.conversation = conversation
        self.lastAttendant = lastAttendant
    }
}

extension DurableStore {
    /// The two reads one after the other. On SQLite that is the cheaper way (a joined statement costs more than
    /// the two lookups it replaces); PostgreSQL answers both in one round trip.
    public func lookUpForOpen(externalId: String, phone: String) throws(StoreError) -> OpenLookup {
        if let stored = try conversation(externalId: externalId) {
            return OpenLookup(conversation: stored, lastAttendant: nil)
        }
        return OpenLookup(conversation: nil, lastAttendant: try lastAttendant(phone: phone))
    }

    /// Saves a conversation that is not new, with no explanation.
    public func saveConversation(_ c: Conversation) throws(StoreError) {
        try saveConversation(c, new: false, explained: nil)
    }
}

extension Store: DurableStore {
    /// SQLite: the WAL, whose fdatasync makes the commit durable (when commits leave the fsync to the caller).
    public var durabilityBarrier: (any DurabilityBarrier)? { defersSync ? walFile : nil }
}
