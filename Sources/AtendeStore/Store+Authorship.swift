// Store, authorship of a transcript: which attendant wrote each attendant message (a chat can pass through
// several), and each transfer with who made it, from whom and to where. Read by `conversation.history
// {authors: true}`; kept apart from the messages table so the transcript rows stay as they were.

import AtendeCore

/// One transfer of a conversation.
public struct TransferRecord: Sendable, Equatable {
    /// When it happened.
    public var at: Instant
    /// The attendant who made it; nil for an admin.
    public var byAttendant: AttendantID?
    /// The attendant the chat was with before, if any.
    public var fromAttendant: AttendantID?
    /// The department it was sent to, if any.
    public var toDepartment: String?
    /// The attendant it was sent to, if any.
    public var toAttendant: AttendantID?
    /// The admin account that made it (nil for an attendant, and for an admin by token or by the socket's uid).
    public var byAdmin: Int64?

    /// Creates a record.
    public init(at: Instant, byAttendant: AttendantID?, fromAttendant: AttendantID?, toDepartment: String?,
                toAttendant: AttendantID?, byAdmin: Int64? = nil) {
        self.at = at
        self.byAttendant = byAttendant
        self.fromAttendant = fromAttendant
        self.toDepartment = toDepartment
        self.toAttendant = toAttendant
        self.byAdmin = byAdmin
    }
}

extension Store {
    /// Notes that `attendant` wrote message `message`.
    public func recordAuthor(message: Int64, attendant: AttendantID) throws(StoreError) {
        try write { () throws(StoreError) in
            try database.run("INSERT OR REPLACE INTO message_authors(message_id, attendant_id) VALUES (?, ?)",
                             [.int(message), .int(attendant)])
        }
    }

    /// The authors of the attendant messages among `messages`, by message id.
    public func authors(of messages: [Message]) throws(StoreError) -> [Int64: AttendantID] {
        var result: [Int64: AttendantID] = [:]
        let statement = try database.cached("SELECT attendant_id FROM message_authors WHERE message_id = ?")
        for message in messages where message.from == .attendant {
            defer { statement.reset() }
            try statement.bind([.int(message.id)])
            if try statement.step() { result[message.id] = statement.int(0) }
        }
        return result
    }

    /// Notes a transfer of conversation `id`.
    public func recordTransfer(_ id: ConversationID, _ transfer: TransferRecord) throws(StoreError) {
        try write { () throws(StoreError) in
            try database.run("""
                INSERT INTO conversation_transfers(conversation_id, at, by_attendant, from_attendant, to_department,
                    to_attendant, by_admin) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, [.int(id), .int(transfer.at.millis), transfer.byAttendant.map(SQLValue.int) ?? .null,
                      transfer.fromAttendant.map(SQLValue.int) ?? .null,
                      transfer.toDepartment.map(SQLValue.text) ?? .null,
                      transfer.toAttendant.map(SQLValue.int) ?? .null, transfer.byAdmin.map(SQLValue.int) ?? .null])
        }
    }

    /// The transfers of conversation `id`, oldest first.
    public func transfers(_ id: ConversationID) throws(StoreError) -> [TransferRecord] {
        let statement = try database.cached("""
            SELECT at, by_attendant, from_attendant, to_department, to_attendant, by_admin FROM conversation_transfers
                WHERE conversation_id = ? ORDER BY id
            """)
        defer { statement.reset() }
        try statement.bind([.int(id)])
        var result: [TransferRecord] = []
        while try statement.step() {
            result.append(TransferRecord(
                at: Instant(millis: statement.int(0)), byAttendant: statement.isNull(1) ? nil : statement.int(1),
                fromAttendant: statement.isNull(2) ? nil : statement.int(2),
                toDepartment: statement.isNull(3) ? nil : statement.text(3),
                toAttendant: statement.isNull(4) ? nil : statement.int(4),
                byAdmin: statement.isNull(5) ? nil : statement.int(5)))
        }
        return result
    }
}
