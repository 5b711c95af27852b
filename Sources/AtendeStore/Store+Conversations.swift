// Store, conversations: the rows the router's effects write, the open ones recovery reads back in queue order,
// transcripts, the bot's contact agenda, and the contact → last attendant routes used for stickiness.

import AtendeCore

extension Store {
    static let conversationColumns = """
        id, external_id, phone, contact_name, channel, department, state, attendant_id, opened_at, queued_at,
        assigned_at, closed_at, rating, queue_seq, preferred_attendant, avoid_attendant, offered_at,
        offer_expires_at, first_reply_at, wrap_up_until, reply_due_at, passed_over, priority, overflowed_from,
        overflow_moves, queue_joined_at, wait_alerted
        """

    /// How many columns `conversationColumns` names (a query may select more after them).
    static let conversationColumnCount: Int32 = 27

    func readConversation(_ s: Statement) -> Conversation {
        var c = Conversation(
            id: s.int(0), externalId: s.text(1), contactPhone: s.text(2), contactName: s.optionalText(3),
            channel: s.text(4), department: s.optionalText(5),
            state: ConversationState(rawValue: s.text(6)) ?? .closed, attendantId: s.optionalInt(7),
            openedAt: Instant(millis: s.int(8)), queuedAt: s.optionalInt(9).map(Instant.init(millis:)),
            assignedAt: s.optionalInt(10).map(Instant.init(millis:)),
            closedAt: s.optionalInt(11).map(Instant.init(millis:)), rating: s.optionalInt(12).map { Int($0) },
            queueSeq: s.int(13), preferredAttendant: s.optionalInt(14), avoidAttendant: s.optionalInt(15),
            offeredAt: s.optionalInt(16).map(Instant.init(millis:)),
            offerExpiresAt: s.optionalInt(17).map(Instant.init(millis:)),
            firstReplyAt: s.optionalInt(18).map(Instant.init(millis:)),
            wrapUpUntil: s.optionalInt(19).map(Instant.init(millis:)),
            replyDueAt: s.optionalInt(20).map(Instant.init(millis:)),
            passedOver: s.optionalText(21).map { $0.split(separator: ",").compactMap { Int64($0) } } ?? [])
        c.priority = Int(s.int(22))
        c.overflowedFrom = s.optionalText(23)
        c.overflowMoves = Int(s.int(24))
        c.queueJoinedAt = s.optionalInt(25).map(Instant.init(millis:))
        c.waitAlertedIn = s.optionalText(26).map { $0.split(separator: " ").map(String.init) } ?? []
        return c
    }

    /// Inserts or updates a conversation row as the router now sees it, queued in `deferred` until the next
    /// statement or the commit (DeferredRows.swift). `new` (the conversation was just opened) is an INSERT;
    /// otherwise an UPDATE of the columns that change (`saveConversationNow`), falling back to the INSERT when
    /// there was no row (an UPDATE costs about a third less than an upsert that meets its row).
    /// Most saves (an offer, an accept, an assignment, an expiry) keep the chat's queue place, wrap-up and first
    /// queue time: a first UPDATE leaves those three columns out of its SET list, guarded in its WHERE clause,
    /// so SQLite does not rewrite the two indexes on them; when the guard fails, the whole UPDATE runs. The first
    /// queue's department is taken with the first queue time, in the same save.
    /// `explained`: assignment explanations (`AssignmentExplanation.compact`, one per line) to append to the row's.
    public func saveConversation(_ c: Conversation, new: Bool = false, explained: String? = nil) throws(StoreError) {
        try write { () throws(StoreError) in
            if new {
                deferOpened(c, explained: explained)
            } else {
                try deferUpdated(c, explained: explained)
            }
        }
    }

    /// `saveConversation` of a conversation that has a row, at once.
    func saveConversationNow(_ c: Conversation, explained: String?) throws(StoreError) {
        try write { () throws(StoreError) in
            let kept = try database.cachedLiteral("""
                UPDATE conversations SET contact_name = ?2, department = ?3, state = ?4, attendant_id = ?5,
                    queued_at = ?6, assigned_at = ?7, closed_at = ?8, rating = ?9,
                    preferred_attendant = ?11, avoid_attendant = ?12, offered_at = ?13, offer_expires_at = ?14,
                    first_reply_at = ?15, reply_due_at = ?17, passed_over = ?18,
                    priority = ?24, overflowed_from = ?25, overflow_moves = ?26, queue_joined_at = ?27,
                    wait_alerted = ?28, first_assigned_at = coalesce(first_assigned_at, ?7),
                    explanations = CASE WHEN ?19 IS NULL THEN explanations
                        ELSE coalesce(explanations || char(10), '') || ?19 END
                WHERE id = ?1 AND queue_seq = ?10 AND wrap_up_until IS ?16
                    AND (first_queued_at IS NOT NULL OR ?6 IS NULL)
                """)
            try kept.bind(explained.map(SQLValue.text) ?? .null, at: 19)
            try bindChanging(c, to: kept)
            try kept.stepToEnd()
            if database.changes == 1 { return }
            let whole = try database.cachedLiteral("""
                UPDATE conversations SET contact_name = ?2, department = ?3, state = ?4, attendant_id = ?5,
                    queued_at = ?6, assigned_at = ?7, closed_at = ?8, rating = ?9, queue_seq = ?10,
                    preferred_attendant = ?11, avoid_attendant = ?12, offered_at = ?13, offer_expires_at = ?14,
                    first_reply_at = ?15, wrap_up_until = ?16, reply_due_at = ?17, passed_over = ?18,
                    priority = ?24, overflowed_from = ?25, overflow_moves = ?26, queue_joined_at = ?27,
                    wait_alerted = ?28, first_queued_at = coalesce(first_queued_at, ?6),
                    first_department = CASE WHEN first_queued_at IS NULL AND ?6 IS NOT NULL THEN ?3
                        ELSE first_department END,
                    first_assigned_at = coalesce(first_assigned_at, ?7),
                    explanations = CASE WHEN ?19 IS NULL THEN explanations
                        ELSE coalesce(explanations || char(10), '') || ?19 END
                WHERE id = ?1
                """)
            try whole.bind(explained.map(SQLValue.text) ?? .null, at: 19)
            try bindChanging(c, to: whole)
            try whole.stepToEnd()
            if database.changes == 1 { return }
            // The INSERT of one new row (DeferredRows.swift); the UPDATEs above wrote any queued rows first.
            let insert = try database.bulk(Self.insertConversationRow, rows: 1) { row, _ in
                Self.insertConversationPrefix + row
            }
            try bindNew(c, explained: explained, to: insert, base: 0)
            try insert.stepToEnd()
        }
    }

    /// Writes a conversation the router has just closed or removed: `Router.close` changes only its state, its
    /// closing time and its wrap-up, and the row held everything else already (each change is written in the turn
    /// that made it), so only those columns are updated. An UPDATE of every column costs more per chat closed:
    /// SQLite rebuilds the record either way, but reads, checks and copies what is set, and keeps up every index
    /// whose columns (or partial-index condition) are set. Without a wrap-up the column is left out: an open chat's
    /// row never has one, so it is already NULL, and the wrapping index is not touched. Without a row (a
    /// conversation opened and closed before any write of it) the whole row is saved. Queued in `deferred`, to
    /// share an UPDATE with the turn's other closings.
    public func saveClosing(_ c: Conversation) throws(StoreError) {
        try write { deferClosed(c) }
    }

    /// `saveClosing` at once, one row.
    func saveClosingNow(_ c: Conversation) throws(StoreError) {
        let updated = try write { () throws(StoreError) -> Bool in
            let s: Statement
            if let wrapUpUntil = c.wrapUpUntil {
                s = try database.cachedLiteral(
                    "UPDATE conversations SET state = ?2, closed_at = ?3, wrap_up_until = ?4 WHERE id = ?1")
                try s.bind(.int(wrapUpUntil.millis), at: 4)
            } else {
                s = try database.cachedLiteral("UPDATE conversations SET state = ?2, closed_at = ?3 WHERE id = ?1")
            }
            try s.bind(.int(c.id), at: 1)
            try s.bind(.text(c.state.rawValue), at: 2)
            try s.bind(c.closedAt.map { .int($0.millis) } ?? .null, at: 3)
            try s.stepToEnd()
            return database.changes == 1
        }
        if !updated { try saveConversationNow(c, explained: nil) }
    }

    /// Binds ?1 (the id) and ?2-?18, the columns a conversation's life changes, as both statements number them.
    private func bindChanging(_ c: Conversation, to s: Statement, base: Int32 = 0) throws(StoreError) {
        try s.bind(c.id, at: base + 1)
        try s.bind(c.contactName, at: base + 2)
        try s.bind(c.department, at: base + 3)
        try s.bind(c.state.rawValue, at: base + 4)
        try s.bind(c.attendantId, at: base + 5)
        try s.bind(c.queuedAt?.millis, at: base + 6)
        try s.bind(c.assignedAt?.millis, at: base + 7)
        try s.bind(c.closedAt?.millis, at: base + 8)
        try s.bind(c.rating.map { Int64($0) }, at: base + 9)
        try s.bind(c.queueSeq, at: base + 10)
        try s.bind(c.preferredAttendant, at: base + 11)
        try s.bind(c.avoidAttendant, at: base + 12)
        try s.bind(c.offeredAt?.millis, at: base + 13)
        try s.bind(c.offerExpiresAt?.millis, at: base + 14)
        try s.bind(c.firstReplyAt?.millis, at: base + 15)
        try s.bind(c.wrapUpUntil?.millis, at: base + 16)
        try s.bind(c.replyDueAt?.millis, at: base + 17)
        try s.bind(c.passedOver.isEmpty ? nil : c.passedOver.map(String.init).joined(separator: ","), at: base + 18)
        try s.bind(Int64(c.priority), at: base + 24)
        try s.bind(c.overflowedFrom, at: base + 25)
        try s.bind(Int64(c.overflowMoves), at: base + 26)
        try s.bind(c.queueJoinedAt?.millis, at: base + 27)
        try s.bind(c.waitAlertedIn.isEmpty ? nil : c.waitAlertedIn.joined(separator: " "), at: base + 28)
    }

    /// Binds the 28 parameters of one row of the INSERT, numbered from `base + 1`.
    func bindNew(_ c: Conversation, explained: String?, to s: Statement, base: Int32) throws(StoreError) {
        try bindChanging(c, to: s, base: base)
        try s.bind(c.externalId, at: base + 19)
        try s.bind(c.contactPhone, at: base + 20)
        try s.bind(c.channel, at: base + 21)
        try s.bind(c.openedAt.millis, at: base + 22)
        try s.bind(explained, at: base + 23)
    }

    /// Closed conversations whose wrap-up was running (recovery gives their attendants the slots back).
    public func wrappingConversations() throws(StoreError) -> [Conversation] {
        let statement = try database.cached("""
            SELECT \(Self.conversationColumns) FROM conversations WHERE wrap_up_until IS NOT NULL ORDER BY id
            """)
        defer { statement.reset() }
        var result: [Conversation] = []
        while try statement.step() { result.append(readConversation(statement)) }
        return result
    }

    /// The open conversations (potential, queued, assigned) in queue order.
    public func openConversations() throws(StoreError) -> [Conversation] {
        var result: [Conversation] = []
        try readOpenConversations(count: { result.reserveCapacity($0) }, each: { result.append($0) })
        return result
    }

    /// The open conversations in queue order, one at a time (`DurableStore.readOpenConversations`). The count
    /// reads only the open rows' partial index.
    public func readOpenConversations(count: (Int) -> Void,
                                      each: (consuming Conversation) -> Void) throws(StoreError) {
        let open = try database.scalar("SELECT count(*) FROM conversations WHERE state NOT IN ('closed', 'removed')")
        count(Int(open ?? 0))
        let statement = try database.cached("""
            SELECT \(Self.conversationColumns) FROM conversations
            WHERE state NOT IN ('closed', 'removed') ORDER BY queue_seq
            """)
        defer { statement.reset() }
        while try statement.step() { each(readConversation(statement)) }
    }

    /// A conversation by id, open or not.
    public func conversation(_ id: ConversationID) throws(StoreError) -> Conversation? {
        let statement = try database.cached("SELECT \(Self.conversationColumns) FROM conversations WHERE id = ?")
        defer { statement.reset() }
        try statement.bind([.int(id)])
        return try statement.step() ? readConversation(statement) : nil
    }

    /// A conversation by the bot's external id, open or not.
    public func conversation(externalId: String) throws(StoreError) -> Conversation? {
        let statement = try database.cachedLiteral("""
            SELECT id, external_id, phone, contact_name, channel, department, state, attendant_id, opened_at,
                queued_at, assigned_at, closed_at, rating, queue_seq, preferred_attendant, avoid_attendant, offered_at,
                offer_expires_at, first_reply_at, wrap_up_until, reply_due_at, passed_over, priority, overflowed_from,
                overflow_moves, queue_joined_at, wait_alerted
            FROM conversations WHERE external_id = ?
            """)
        defer { statement.rewind() }
        try statement.bind(.text(externalId), at: 1)
        return try statement.step() ? readConversation(statement) : nil
    }

    /// The largest conversation id ever used (0 for none).
    public func maxConversationID() throws(StoreError) -> ConversationID {
        try database.scalar("SELECT coalesce(max(id), 0) FROM conversations") ?? 0
    }

    /// Every external id and every phone with a last attendant (`DurableStore.readKnownKeys`): the unique index
    /// of external ids is read, not the table.
    public func readKnownKeys(externalId: (UnsafeRawBufferPointer) -> Void,
                              phone: (UnsafeRawBufferPointer) -> Void) throws(StoreError) {
        let ids = try database.cached("SELECT external_id FROM conversations")
        defer { ids.reset() }
        while try ids.step() { ids.withTextBytes(0, externalId) }
        let phones = try database.cached("SELECT phone FROM contact_routes")
        defer { phones.reset() }
        while try phones.step() { phones.withTextBytes(0, phone) }
    }

    /// The largest queue sequence ever used (0 for none).
    public func maxQueueSeq() throws(StoreError) -> Int64 {
        try database.scalar("SELECT coalesce(max(queue_seq), 0) FROM conversations") ?? 0
    }

    /// Records a score on a closed conversation; false when it was not closed or already rated.
    public func rate(_ id: ConversationID, score: Int) throws(StoreError) -> Bool {
        try write { () throws(StoreError) -> Bool in
            try database.run("UPDATE conversations SET rating = ? WHERE id = ? AND state = 'closed' "
                             + "AND rating IS NULL", [.int(Int64(score)), .int(id)])
            return database.changes == 1
        }
    }

    // MARK: - Stickiness

    /// The last attendant who served this contact.
    public func lastAttendant(phone: String) throws(StoreError) -> AttendantID? {
        let statement = try database.cachedLiteral("SELECT attendant_id FROM contact_routes WHERE phone = ?")
        defer { statement.rewind() }
        try statement.bind(.text(phone), at: 1)
        return try statement.step() ? statement.optionalInt(0) : nil
    }

    /// Remembers who served this contact last (queued in `deferred`, written with the turn's other routes).
    public func setLastAttendant(phone: String, attendant: AttendantID) throws(StoreError) {
        try write { deferRoute(phone: phone, attendant: attendant) }
    }

    // MARK: - Messages

    /// Appends a message to a transcript; returns it with its id.
    public func appendMessage(_ message: Message) throws(StoreError) -> Message {
        try write { () throws(StoreError) -> Message in
            let statement = try database.cachedLiteral(
                "INSERT INTO messages(conversation_id, sender, text, at) VALUES (?, ?, ?, ?)")
            try statement.bind(.int(message.conversationId), at: 1)
            try statement.bind(.text(message.from.rawValue), at: 2)
            try statement.bind(.text(message.text), at: 3)
            try statement.bind(.int(message.at.millis), at: 4)
            try statement.stepToEnd()
            var stored = message
            stored.id = database.lastInsertRowID
            return stored
        }
    }

    /// A transcript in order, at most `limit` messages (the latest ones).
    public func messages(_ conversation: ConversationID, limit: Int = 1000) throws(StoreError) -> [Message] {
        let statement = try database.cached("""
            SELECT id, conversation_id, sender, text, at FROM
                (SELECT * FROM messages WHERE conversation_id = ? ORDER BY id DESC LIMIT ?) ORDER BY id
            """)
        defer { statement.reset() }
        try statement.bind([.int(conversation), .int(Int64(limit))])
        var result: [Message] = []
        while try statement.step() {
            result.append(Message(id: statement.int(0), conversationId: statement.int(1),
                                  from: Message.Sender(rawValue: statement.text(2)) ?? .contact,
                                  text: statement.text(3), at: Instant(millis: statement.int(4))))
        }
        return result
    }

    // MARK: - Contacts

    /// Saves (or updates) a contact of the bot's agenda.
    public func saveContact(_ contact: ContactRecord) throws(StoreError) {
        try write { () throws(StoreError) in
            try database.run("""
                INSERT INTO contacts(phone, name, extra, updated_at) VALUES (?, ?, ?, ?)
                ON CONFLICT(phone) DO UPDATE SET name = excluded.name, extra = excluded.extra,
                    updated_at = excluded.updated_at
                """, [.text(contact.phone), .text(contact.name), contact.extra.map(SQLValue.text) ?? .null,
                      .int(contact.updatedAt.millis)])
        }
    }

    /// Contacts whose name contains `query` without regard to case or accents (`ContactSearch`), or whose phone
    /// contains it, by name.
    public func contacts(query: String?, limit: Int = 500) throws(StoreError) -> [ContactRecord] {
        let statement = try database.cached("""
            SELECT phone, name, extra, updated_at FROM contacts
            WHERE ?1 IS NULL OR instr(atende_fold(name), ?3) > 0 OR instr(phone, ?1) > 0
            ORDER BY name, phone LIMIT ?2
            """)
        defer { statement.reset() }
        try statement.bind([query.map(SQLValue.text) ?? .null, .int(Int64(limit)),
                            query.map { .text(ContactSearch.fold($0)) } ?? .null])
        var result: [ContactRecord] = []
        while try statement.step() {
            result.append(ContactRecord(phone: statement.text(0), name: statement.text(1),
                                        extra: statement.optionalText(2), updatedAt: Instant(millis: statement.int(3))))
        }
        return result
    }
}

extension Store {
    /// Records why a conversation was assigned (`body`: `AssignmentExplanation.compact` lines) in its row, after
    /// the ones it has; the row must exist. (`saveConversation(_:explained:)` does the same while saving the row.)
    public func saveExplanation(conversation: ConversationID, body: String) throws(StoreError) {
        try write { () throws(StoreError) in
            let statement = try database.cachedLiteral("""
                UPDATE conversations SET explanations = coalesce(explanations || char(10), '') || ?2 WHERE id = ?1
                """)
            try statement.bind(.int(conversation), at: 1)
            try statement.bind(.text(body), at: 2)
            try statement.stepToEnd()
            guard database.changes == 1 else {
                throw StoreError(code: 0, message: "no conversation \(conversation) to record an explanation for")
            }
        }
    }

    /// Every recorded explanation of a conversation, oldest first: those of the `assignment_explanations` table
    /// (written by versions before schema 3), then the lines of the row's `explanations`.
    public func explanations(conversation: ConversationID) throws(StoreError) -> [String] {
        var result: [String] = []
        let older = try database.cached(
            "SELECT body FROM assignment_explanations WHERE conversation_id = ? ORDER BY id")
        defer { older.reset() }
        try older.bind([.int(conversation)])
        while try older.step() { result.append(older.text(0)) }
        let row = try database.cached("SELECT explanations FROM conversations WHERE id = ?")
        defer { row.reset() }
        try row.bind([.int(conversation)])
        if try row.step(), let lines = row.optionalText(0) {
            result += lines.split(separator: "\n").map(String.init)
        }
        return result
    }
}
