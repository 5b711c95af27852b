// DeferredRows: the rows every chat's life writes (its first row as it opens, its closing, the contact's route to
// its attendant) wait in memory until the next statement of the connection, whatever it is, or the commit, and
// are then written many rows to a statement. Each statement SQLite runs has a cost of its own (the cursors it
// opens on the table and each index, the program's set-up and halt) besides its rows; a turn of a busy loop opens
// and closes tens of chats, so one INSERT of twenty rows costs about a third less per row than twenty INSERTs of
// one. The other saves of a chat (an offer, an accept, an assignment from the queue) wait too, each still its own
// UPDATE: written at once, each would write every row queued before it, splitting the turn's statements.
//
// They are written kind by kind: new rows, updates in the order they came, closings, routes. That order keeps each
// chat's own writes in the order they were made, as a chat is opened once, before anything else of it, and a
// save that follows a closing of the same chat still queued (a wrap-up finished in the turn that closed it)
// writes the queue first.
//
// Nothing can tell the difference: the rows are queued inside the turn's transaction (`write` opens it), any
// statement on the connection writes them first (`Database.beforeNextStatement`), and `commit` writes them
// before COMMIT. A failed write fails the turn as the same write made at once would have: the error is kept and
// `commit` throws it even when the statement that met it was a read whose caller let the error go. Such a failure
// can make SQLite roll the whole transaction back itself (an I/O error, a full file); until the commit has thrown
// it, the store still counts the turn as open and refuses its further writes, so nothing of the turn starts a
// transaction of its own or is shown.

import AtendeCore

/// The rows waiting to be written, in the order they were queued within each kind.
struct DeferredRows {
    /// A conversation's row as saved, with the explanation lines it carries. (A struct, not a tuple: arrays of
    /// tuples are copied and destroyed through the runtime's generic tuple witnesses.)
    struct Saved {
        var conversation: Conversation
        var explained: String?
    }
    /// New conversations (their INSERT), with the explanation lines of their row.
    var opened: [Saved] = []
    /// Other saves of conversations that have a row, in order (`saveConversationNow`).
    var updated: [Saved] = []
    /// Closed or removed conversations (an UPDATE of their state, closing time and wrap-up).
    var closed: [Conversation] = []
    /// The ids in `closed`.
    var closedIDs: IDSet<ConversationID> = []
    /// Contact routes (an upsert of phone → attendant; a later one for the same phone wins).
    var routes: [(phone: String, attendant: AttendantID)] = []

    var isEmpty: Bool { opened.isEmpty && updated.isEmpty && closed.isEmpty && routes.isEmpty }

    mutating func removeAll() {
        opened.removeAll(keepingCapacity: true)
        updated.removeAll(keepingCapacity: true)
        closed.removeAll(keepingCapacity: true)
        closedIDs.removeAll(keepingCapacity: true)
        routes.removeAll(keepingCapacity: true)
    }

    /// Rows per statement at most (the INSERT binds 28 parameters a row).
    static let maxRowsPerStatement = 32
}

/// SQL of many rows from the SQL of one.
enum BulkSQL {
    /// `row` repeated `count` times, joined by ", ", each copy's parameters `?k` numbered on by `width`.
    static func rows(_ row: String, count: Int, width: Int) -> String {
        (0..<count).map { renumber(row, by: $0 * width) }.joined(separator: ", ")
    }

    /// `sql` with every parameter `?k` made `?(k + offset)`.
    static func renumber(_ sql: String, by offset: Int) -> String {
        guard offset != 0 else { return sql }
        var result = ""
        var digits = ""
        var inParameter = false
        func endParameter() {
            if inParameter { result += String(Int(digits)! + offset) }
            inParameter = false
            digits = ""
        }
        for character in sql {
            if inParameter, character.isASCII, character.isNumber {
                digits.append(character)
                continue
            }
            endParameter()
            result.append(character)
            if character == "?" { inParameter = true }
        }
        endParameter()
        return result
    }
}

extension Store {
    // MARK: - Queueing

    /// Queues a new conversation's row (see `saveConversation(_:new:explained:)`).
    func deferOpened(_ c: Conversation, explained: String?) {
        deferred.opened.append(DeferredRows.Saved(conversation: c, explained: explained))
        armDeferredWrite()
    }

    /// Queues a save of a conversation that has a row (see `saveConversation`); after a closing of the same
    /// conversation still queued, the queue is written first, and this save after it.
    func deferUpdated(_ c: Conversation, explained: String?) throws(StoreError) {
        if deferred.closedIDs.contains(c.id) { try writeDeferred() }
        deferred.updated.append(DeferredRows.Saved(conversation: c, explained: explained))
        armDeferredWrite()
    }

    /// Queues a closing (see `saveClosing`).
    func deferClosed(_ c: Conversation) {
        deferred.closed.append(c)
        deferred.closedIDs.insert(c.id)
        armDeferredWrite()
    }

    /// Queues a contact route (see `setLastAttendant`).
    func deferRoute(phone: String, attendant: AttendantID) {
        deferred.routes.append((phone, attendant))
        armDeferredWrite()
    }

    private func armDeferredWrite() {
        guard database.beforeNextStatement == nil else { return }
        database.beforeNextStatement = { [unowned self] () throws(StoreError) in try self.writeDeferred() }
    }

    /// Drops the queued rows (the transaction they belong to is rolled back).
    func discardDeferred() {
        deferred.removeAll()
        deferredFailure = nil
        database.beforeNextStatement = nil
    }

    // MARK: - Writing

    /// Writes the queued rows, or throws the error an earlier attempt met (the turn has failed then).
    func writeDeferred() throws(StoreError) {
        database.beforeNextStatement = nil
        if let deferredFailure { throw deferredFailure }
        guard !deferred.isEmpty else { return }
        writingDeferred = true
        defer { writingDeferred = false }
        do {
            // New rows first: a chat opened and closed in the same turn has its row before its closing.
            try writeOpened()
            for row in deferred.updated { try saveConversationNow(row.conversation, explained: row.explained) }
            try writeClosed()
            try writeRoutes()
            deferred.removeAll()
        } catch {
            deferredFailure = error
            deferred.removeAll()
            throw error
        }
    }

    private func chunks(_ count: Int) -> StrideTo<Int> {
        stride(from: 0, to: count, by: DeferredRows.maxRowsPerStatement)
    }

    private func writeOpened() throws(StoreError) {
        let rows = deferred.opened
        for start in chunks(rows.count) {
            let end = min(rows.count, start + DeferredRows.maxRowsPerStatement)
            let s = try database.bulk(Self.insertConversationRow, rows: end - start) { row, count in
                Self.insertConversationPrefix + BulkSQL.rows(row, count: count, width: Self.insertConversationWidth)
            }
            for index in start..<end {
                try bindNew(rows[index].conversation, explained: rows[index].explained, to: s,
                            base: Int32((index - start) * Self.insertConversationWidth))
            }
            try s.stepToEnd()
        }
    }

    /// Closings share one UPDATE when they share its values (a turn closes its chats at one instant). The groups
    /// are made of positions in the queue: the queued conversations are read in place, not copied into them.
    private func writeClosed() throws(StoreError) {
        let closings = deferred.closed
        var pending = Array(closings.indices)
        while let first = pending.first {
            let key = ClosingValues(closings[first])
            var group: [Int] = []
            var rest: [Int] = []
            for index in pending {
                if ClosingValues(closings[index]) == key { group.append(index) } else { rest.append(index) }
            }
            pending = rest
            for start in chunks(group.count) {
                let chunk = group[start..<min(group.count, start + DeferredRows.maxRowsPerStatement)]
                let s: Statement
                let firstID: Int32
                if let wrapUpUntil = key.wrapUpUntil {
                    s = try database.bulk(Self.closeWrappingRow, rows: chunk.count) { row, count in
                        Self.closeWrappingPrefix + BulkSQL.rows(row, count: count, width: 1) + ")"
                    }
                    try s.bind(wrapUpUntil, at: 3)
                    firstID = 4
                } else {
                    s = try database.bulk(Self.closeRow, rows: chunk.count) { row, count in
                        Self.closePrefix + BulkSQL.rows(row, count: count, width: 1) + ")"
                    }
                    firstID = 3
                }
                try s.bind(key.state.rawValue, at: 1)
                try s.bind(key.closedAt, at: 2)
                for (offset, index) in chunk.enumerated() {
                    try s.bind(closings[index].id, at: firstID + Int32(offset))
                }
                try s.stepToEnd()
                // A chat without a row (opened and closed before any write of it) gets its whole row.
                if database.changes != chunk.count {
                    for index in chunk { try saveClosingNow(closings[index]) }
                }
            }
        }
    }

    private func writeRoutes() throws(StoreError) {
        let rows = deferred.routes
        for start in chunks(rows.count) {
            let end = min(rows.count, start + DeferredRows.maxRowsPerStatement)
            let s = try database.bulk(Self.routeRow, rows: end - start) { row, count in
                Self.routePrefix + BulkSQL.rows(row, count: count, width: 2) + Self.routeSuffix
            }
            for index in start..<end {
                let base = Int32((index - start) * 2)
                try s.bind(rows[index].phone, at: base + 1)
                try s.bind(rows[index].attendant, at: base + 2)
            }
            try s.stepToEnd()
        }
    }

    // MARK: - The statements

    static let insertConversationPrefix = """
        INSERT INTO conversations(id, contact_name, department, state, attendant_id, queued_at, assigned_at,
            closed_at, rating, queue_seq, preferred_attendant, avoid_attendant, offered_at, offer_expires_at,
            first_reply_at, wrap_up_until, reply_due_at, passed_over,
            external_id, phone, channel, opened_at, explanations, priority, first_queued_at, first_assigned_at,
            overflowed_from, overflow_moves, queue_joined_at, wait_alerted, first_department)
        VALUES
        """ + " "
    /// One row of the INSERT; `bindNew` binds its 28 parameters.
    static let insertConversationRow: StaticString = """
        (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21,
            ?22, ?23, ?24, ?6, ?7, ?25, ?26, ?27, ?28, CASE WHEN ?6 IS NOT NULL THEN ?3 END)
        """
    static let insertConversationWidth = 28

    static let closePrefix = "UPDATE conversations SET state = ?1, closed_at = ?2 WHERE id IN ("
    static let closeRow: StaticString = "?3"
    static let closeWrappingPrefix =
        "UPDATE conversations SET state = ?1, closed_at = ?2, wrap_up_until = ?3 WHERE id IN ("
    static let closeWrappingRow: StaticString = "?4"

    static let routePrefix = "INSERT INTO contact_routes(phone, attendant_id) VALUES "
    static let routeRow: StaticString = "(?1, ?2)"
    static let routeSuffix = " ON CONFLICT(phone) DO UPDATE SET attendant_id = excluded.attendant_id"
}

/// What a closing's UPDATE sets: closings with the same values share a statement.
private struct ClosingValues: Equatable {
    let state: ConversationState
    let closedAt: Int64?
    let wrapUpUntil: Int64?

    init(_ c: Conversation) {
        state = c.state
        closedAt = c.closedAt?.millis
        wrapUpUntil = c.wrapUpUntil?.millis
    }
}
