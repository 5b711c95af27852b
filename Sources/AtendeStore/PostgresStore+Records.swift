// PostgresStore, records: attendants, conversations, transcripts, contacts and explanations, with the same
// meaning as the SQLite store's (Store+Attendants, Store+Conversations). Writes are single statements that need
// no answer (a conversation's save is one upsert; a missing row for an explanation fails the turn), so the
// pipeline never stops for them.

import AtendeCore

extension PostgresStore {
    private static let attendantColumns = """
        a.id, a.name, a.login, a.password_hash, a.phone, a.email, a.active, a.hours, a.max_chats, a.rating_sum,
        a.rating_count, a.last_seen_at, a.created_at,
        EXISTS (SELECT 1 FROM attendant_images i WHERE i.attendant_id = a.id),
        (SELECT string_agg(department_id, ' ' ORDER BY position) FROM attendant_departments d
            WHERE d.attendant_id = a.id)
        """

    private func readAttendant(_ r: PostgresRows, _ row: Int) -> AttendantRecord {
        AttendantRecord(
            id: r.int(row, 0), name: r.text(row, 1), login: r.text(row, 2), passwordHash: r.text(row, 3),
            phone: r.optionalText(row, 4), email: r.optionalText(row, 5), active: r.int(row, 6) != 0,
            departments: r.optionalText(row, 14).map { $0.split(separator: " ").map(String.init) } ?? [],
            hours: HoursCoding.decode(r.text(row, 7)), maxChats: Int(r.int(row, 8)), ratingSum: r.int(row, 9),
            ratingCount: r.int(row, 10), lastSeenAt: r.optionalInt(row, 11).map(Instant.init(millis:)),
            createdAt: Instant(millis: r.int(row, 12)), hasImage: r.int(row, 13) != 0)
    }

    public func attendants() throws(StoreError) -> [AttendantRecord] {
        let rows = try read("SELECT \(Self.attendantColumns) FROM attendants a ORDER BY a.id")
        return (0..<rows.count).map { readAttendant(rows, $0) }
    }

    public func attendant(_ id: AttendantID) throws(StoreError) -> AttendantRecord? {
        let rows = try read("SELECT \(Self.attendantColumns) FROM attendants a WHERE a.id = $1", [.int(id)])
        return rows.count == 0 ? nil : readAttendant(rows, 0)
    }

    public func attendant(loginKey: String) throws(StoreError) -> AttendantRecord? {
        let rows = try read("SELECT \(Self.attendantColumns) FROM attendants a WHERE a.login_key = $1",
                            [.text(loginKey)])
        return rows.count == 0 ? nil : readAttendant(rows, 0)
    }

    @discardableResult
    public func saveAttendant(_ record: AttendantRecord) throws(StoreError) -> AttendantID {
        var id = record.id
        let isNew = id == 0
        if isNew {
            id = nextAttendantID
            nextAttendantID += 1
        }
        let values: [SQLValue] = [
            .int(id), .text(record.name), .text(record.login), .text(Login.key(record.login)),
            .text(record.passwordHash), record.phone.map(SQLValue.text) ?? .null,
            record.email.map(SQLValue.text) ?? .null, .int(record.active ? 1 : 0),
            .text(HoursCoding.encode(record.hours)), .int(Int64(record.maxChats)),
            record.lastSeenAt.map { .int($0.millis) } ?? .null, .int(record.createdAt.millis),
        ]
        if isNew {
            try write("""
                INSERT INTO attendants(id, name, login, login_key, password_hash, phone, email, active, hours,
                    max_chats, last_seen_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                """, values)
        } else {
            try write("""
                UPDATE attendants SET name = $2, login = $3, login_key = $4, password_hash = $5, phone = $6,
                    email = $7, active = $8, hours = $9, max_chats = $10, last_seen_at = $11, created_at = $12
                WHERE id = $1
                """, values)
        }
        try write("DELETE FROM attendant_departments WHERE attendant_id = $1", [.int(id)])
        for (position, department) in record.departments.enumerated() {
            try write("INSERT INTO attendant_departments(attendant_id, department_id, position) VALUES ($1, $2, $3)",
                      [.int(id), .text(department), .int(Int64(position))])
        }
        return id
    }

    public func touchLastSeen(_ id: AttendantID, at instant: Instant) throws(StoreError) {
        try write("UPDATE attendants SET last_seen_at = $1 WHERE id = $2", [.int(instant.millis), .int(id)])
    }

    public func saveImage(_ id: AttendantID, contentType: String, bytes: [UInt8]) throws(StoreError) {
        try write("""
            INSERT INTO attendant_images(attendant_id, content_type, data) VALUES ($1, $2, $3)
            ON CONFLICT (attendant_id) DO UPDATE SET content_type = excluded.content_type, data = excluded.data
            """, [.int(id), .text(contentType), .blob(bytes)])
    }

    public func image(_ id: AttendantID) throws(StoreError) -> (contentType: String, bytes: [UInt8])? {
        let rows = try read("SELECT content_type, data FROM attendant_images WHERE attendant_id = $1", [.int(id)])
        return rows.count == 0 ? nil : (rows.text(0, 0), rows.bytes(0, 1))
    }

    public func addRating(_ id: AttendantID, score: Int) throws(StoreError) {
        try write("UPDATE attendants SET rating_sum = rating_sum + $1, rating_count = rating_count + 1 WHERE id = $2",
                  [.int(Int64(score)), .int(id)])
    }

    // MARK: - Conversations

    static let conversationColumns = """
        id, external_id, phone, contact_name, channel, department, state, attendant_id, opened_at, queued_at,
        assigned_at, closed_at, rating, queue_seq, preferred_attendant, avoid_attendant, offered_at,
        offer_expires_at, first_reply_at, wrap_up_until, reply_due_at, passed_over, priority, overflowed_from,
        overflow_moves, queue_joined_at, wait_alerted
        """
    /// How many columns `conversationColumns` names (a query may select more after them).
    static let conversationColumnCount = 27

    func readConversation(_ r: PostgresRows, _ row: Int) -> Conversation {
        var c = Conversation(
            id: r.int(row, 0), externalId: r.text(row, 1), contactPhone: r.text(row, 2),
            contactName: r.optionalText(row, 3), channel: r.text(row, 4), department: r.optionalText(row, 5),
            state: ConversationState(rawValue: r.text(row, 6)) ?? .closed, attendantId: r.optionalInt(row, 7),
            openedAt: Instant(millis: r.int(row, 8)), queuedAt: r.optionalInt(row, 9).map(Instant.init(millis:)),
            assignedAt: r.optionalInt(row, 10).map(Instant.init(millis:)),
            closedAt: r.optionalInt(row, 11).map(Instant.init(millis:)),
            rating: r.optionalInt(row, 12).map { Int($0) }, queueSeq: r.int(row, 13),
            preferredAttendant: r.optionalInt(row, 14), avoidAttendant: r.optionalInt(row, 15),
            offeredAt: r.optionalInt(row, 16).map(Instant.init(millis:)),
            offerExpiresAt: r.optionalInt(row, 17).map(Instant.init(millis:)),
            firstReplyAt: r.optionalInt(row, 18).map(Instant.init(millis:)),
            wrapUpUntil: r.optionalInt(row, 19).map(Instant.init(millis:)),
            replyDueAt: r.optionalInt(row, 20).map(Instant.init(millis:)),
            passedOver: r.optionalText(row, 21).map { $0.split(separator: ",").compactMap { Int64($0) } } ?? [])
        c.priority = Int(r.int(row, 22))
        c.overflowedFrom = r.optionalText(row, 23)
        c.overflowMoves = Int(r.int(row, 24))
        c.queueJoinedAt = r.optionalInt(row, 25).map(Instant.init(millis:))
        c.waitAlertedIn = r.optionalText(row, 26).map { $0.split(separator: " ").map(String.init) } ?? []
        return c
    }

    /// The statement both saves use: one upsert, so no save waits to learn whether the row existed. `closing`
    /// changes only the state and the closing time of an existing row (the router's close changes nothing else).
    private func upsert(_ c: Conversation, explained: String?, closing: Bool) throws(StoreError) {
        let values: [SQLValue] = [
            .int(c.id), c.contactName.map(SQLValue.text) ?? .null, c.department.map(SQLValue.text) ?? .null,
            .text(c.state.rawValue), c.attendantId.map(SQLValue.int) ?? .null,
            c.queuedAt.map { .int($0.millis) } ?? .null, c.assignedAt.map { .int($0.millis) } ?? .null,
            c.closedAt.map { .int($0.millis) } ?? .null, c.rating.map { .int(Int64($0)) } ?? .null,
            .int(c.queueSeq), c.preferredAttendant.map(SQLValue.int) ?? .null,
            c.avoidAttendant.map(SQLValue.int) ?? .null, .text(c.externalId), .text(c.contactPhone),
            .text(c.channel), .int(c.openedAt.millis), explained.map(SQLValue.text) ?? .null,
            .int(Int64(c.priority)), c.firstReplyAt.map { .int($0.millis) } ?? .null,
            c.offeredAt.map { .int($0.millis) } ?? .null, c.offerExpiresAt.map { .int($0.millis) } ?? .null,
            c.wrapUpUntil.map { .int($0.millis) } ?? .null, c.replyDueAt.map { .int($0.millis) } ?? .null,
            c.passedOver.isEmpty ? .null : .text(c.passedOver.map(String.init).joined(separator: ",")),
            c.overflowedFrom.map(SQLValue.text) ?? .null, .int(Int64(c.overflowMoves)),
            c.queueJoinedAt.map { .int($0.millis) } ?? .null,
            c.waitAlertedIn.isEmpty ? .null : .text(c.waitAlertedIn.joined(separator: " ")),
        ]
        let insert = """
            INSERT INTO conversations(id, contact_name, department, state, attendant_id, queued_at, assigned_at,
                closed_at, rating, queue_seq, preferred_attendant, avoid_attendant,
                external_id, phone, channel, opened_at, explanations, priority, first_reply_at, first_queued_at,
                first_assigned_at, offered_at, offer_expires_at, wrap_up_until, reply_due_at, passed_over,
                overflowed_from, overflow_moves, queue_joined_at, wait_alerted, first_department)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $6, $7,
                $20, $21, $22, $23, $24, $25, $26, $27, $28, CASE WHEN $6::bigint IS NOT NULL THEN $3::text END)
            """
        if closing {
            try write(insert
                      + " ON CONFLICT (id) DO UPDATE SET state = excluded.state, closed_at = excluded.closed_at, "
                      + "wrap_up_until = excluded.wrap_up_until",
                      values)
        } else {
            try write(insert + """
                 ON CONFLICT (id) DO UPDATE SET contact_name = excluded.contact_name,
                    department = excluded.department, state = excluded.state, attendant_id = excluded.attendant_id,
                    queued_at = excluded.queued_at, assigned_at = excluded.assigned_at,
                    closed_at = excluded.closed_at, rating = excluded.rating, queue_seq = excluded.queue_seq,
                    preferred_attendant = excluded.preferred_attendant, avoid_attendant = excluded.avoid_attendant,
                    priority = excluded.priority, first_reply_at = excluded.first_reply_at,
                    offered_at = excluded.offered_at, offer_expires_at = excluded.offer_expires_at,
                    wrap_up_until = excluded.wrap_up_until, reply_due_at = excluded.reply_due_at,
                    passed_over = excluded.passed_over, overflowed_from = excluded.overflowed_from,
                    overflow_moves = excluded.overflow_moves, queue_joined_at = excluded.queue_joined_at,
                    wait_alerted = excluded.wait_alerted,
                    first_queued_at = coalesce(conversations.first_queued_at, excluded.queued_at),
                    first_department = CASE WHEN conversations.first_queued_at IS NULL
                        AND excluded.queued_at IS NOT NULL THEN excluded.department
                        ELSE conversations.first_department END,
                    first_assigned_at = coalesce(conversations.first_assigned_at, excluded.assigned_at),
                    explanations = CASE WHEN excluded.explanations IS NULL THEN conversations.explanations
                        ELSE coalesce(conversations.explanations || chr(10), '') || excluded.explanations END
                """, values)
        }
        remember(c)
    }

    public func saveConversation(_ c: Conversation, new: Bool, explained: String?) throws(StoreError) {
        try upsert(c, explained: explained, closing: false)
    }

    public func saveClosing(_ c: Conversation) throws(StoreError) {
        try upsert(c, explained: nil, closing: true)
    }

    public func openConversations() throws(StoreError) -> [Conversation] {
        var result: [Conversation] = []
        try readOpenConversations(count: { result.reserveCapacity($0) }, each: { result.append($0) })
        return result
    }

    public func readOpenConversations(count: (Int) -> Void,
                                      each: (consuming Conversation) -> Void) throws(StoreError) {
        let rows = try read("""
            SELECT \(Self.conversationColumns) FROM conversations
            WHERE state NOT IN ('closed', 'removed') ORDER BY queue_seq
            """)
        count(rows.count)
        for row in 0..<rows.count { each(readConversation(rows, row)) }
    }

    public func conversation(_ id: ConversationID) throws(StoreError) -> Conversation? {
        if let recent = recentConversations[id] { return recent.conversation }
        let rows = try reader.query("SELECT \(Self.conversationColumns) FROM conversations WHERE id = $1", [.int(id)])
        return rows.count == 0 ? nil : readConversation(rows, 0)
    }

    public func conversation(externalId: String) throws(StoreError) -> Conversation? {
        if let id = recentExternalIDs[externalId], let recent = recentConversations[id] {
            return recent.conversation
        }
        let rows = try reader.query("SELECT \(Self.conversationColumns) FROM conversations WHERE external_id = $1",
                                    [.text(externalId)])
        guard rows.count > 0 else { return nil }
        let stored = readConversation(rows, 0)
        // A newer copy this leader wrote (under another external id it cannot have: ids and external ids pair
        // once) wins over the committed one.
        return recentConversations[stored.id]?.conversation ?? stored
    }

    /// Both of `conversation.open`'s reads in one round trip (what this leader wrote recently answers first, as
    /// in the two reads apart): the external id's conversation through a LEFT JOIN from a one-row table, so a
    /// row comes back either way, and the contact's route beside it.
    public func lookUpForOpen(externalId: String, phone: String) throws(StoreError) -> OpenLookup {
        if let id = recentExternalIDs[externalId], let recent = recentConversations[id] {
            return OpenLookup(conversation: recent.conversation, lastAttendant: nil)
        }
        let rows = try reader.query("""
            SELECT \(Self.conversationColumns), (SELECT attendant_id FROM contact_routes WHERE phone = $2)
            FROM (SELECT 1) AS one LEFT JOIN conversations ON external_id = $1
            """, [.text(externalId), .text(phone)])
        if rows.count > 0, rows.optionalInt(0, 0) != nil {
            let stored = readConversation(rows, 0)
            return OpenLookup(conversation: recentConversations[stored.id]?.conversation ?? stored, lastAttendant: nil)
        }
        if let recent = recentRoutes[phone] { return OpenLookup(conversation: nil, lastAttendant: recent.attendant) }
        guard rows.count > 0, let attendant = rows.optionalInt(0, Self.conversationColumnCount),
              !retiredAttendants.contains(attendant) else {
            return OpenLookup(conversation: nil, lastAttendant: nil)
        }
        return OpenLookup(conversation: nil, lastAttendant: attendant)
    }

    public func readKnownKeys(externalId: (UnsafeRawBufferPointer) -> Void,
                              phone: (UnsafeRawBufferPointer) -> Void) throws(StoreError) {
        let ids = try read("SELECT external_id FROM conversations")
        for row in 0..<ids.count {
            var text = ids.text(row, 0)
            text.withUTF8 { externalId(UnsafeRawBufferPointer($0)) }
        }
        let phones = try read("SELECT phone FROM contact_routes")
        for row in 0..<phones.count {
            var text = phones.text(row, 0)
            text.withUTF8 { phone(UnsafeRawBufferPointer($0)) }
        }
        // The last of the start-up reads: a pipelined statement runs in an implicit transaction that only a sync
        // ends, and one left open would keep the tables' locks (an operator's ALTER TABLE waits) until the
        // leader's first commit, hours away on a quiet night.
        try endReads()
    }

    public func maxConversationID() throws(StoreError) -> ConversationID {
        try read("SELECT coalesce(max(id), 0) FROM conversations").int(0, 0)
    }

    public func maxQueueSeq() throws(StoreError) -> Int64 {
        try read("SELECT coalesce(max(queue_seq), 0) FROM conversations").int(0, 0)
    }

    public func rate(_ id: ConversationID, score: Int) throws(StoreError) -> Bool {
        guard var current = try conversation(id), current.state == .closed, current.rating == nil else {
            return false
        }
        try write("UPDATE conversations SET rating = $1 WHERE id = $2 AND state = 'closed' AND rating IS NULL",
                  [.int(Int64(score)), .int(id)])
        current.rating = score
        remember(current)
        return true
    }

    public func lastAttendant(phone: String) throws(StoreError) -> AttendantID? {
        if let recent = recentRoutes[phone] { return recent.attendant }
        let rows = try reader.query("SELECT attendant_id FROM contact_routes WHERE phone = $1", [.text(phone)])
        guard rows.count > 0, let attendant = rows.optionalInt(0, 0), !retiredAttendants.contains(attendant) else {
            return nil
        }
        return attendant
    }

    public func setLastAttendant(phone: String, attendant: AttendantID) throws(StoreError) {
        try write("""
            INSERT INTO contact_routes(phone, attendant_id) VALUES ($1, $2)
            ON CONFLICT (phone) DO UPDATE SET attendant_id = excluded.attendant_id
            """, [.text(phone), .int(attendant)])
        remember(phone: phone, attendant: attendant)
    }

    // MARK: - Messages, contacts, explanations

    public func appendMessage(_ message: Message) throws(StoreError) -> Message {
        var stored = message
        stored.id = nextMessageID
        try write("INSERT INTO messages(id, conversation_id, sender, text, at) VALUES ($1, $2, $3, $4, $5)",
                  [.int(stored.id), .int(message.conversationId), .text(message.from.rawValue), .text(message.text),
                   .int(message.at.millis)])
        nextMessageID += 1
        return stored
    }

    public func messages(_ conversation: ConversationID, limit: Int) throws(StoreError) -> [Message] {
        let rows = try read("""
            SELECT id, conversation_id, sender, text, at FROM
                (SELECT * FROM messages WHERE conversation_id = $1 ORDER BY id DESC LIMIT $2) m ORDER BY id
            """, [.int(conversation), .int(Int64(limit))])
        return (0..<rows.count).map { row in
            Message(id: rows.int(row, 0), conversationId: rows.int(row, 1),
                    from: Message.Sender(rawValue: rows.text(row, 2)) ?? .contact, text: rows.text(row, 3),
                    at: Instant(millis: rows.int(row, 4)))
        }
    }

    public func saveContact(_ contact: ContactRecord) throws(StoreError) {
        try write("""
            INSERT INTO contacts(phone, name, extra, updated_at) VALUES ($1, $2, $3, $4)
            ON CONFLICT (phone) DO UPDATE SET name = excluded.name, extra = excluded.extra,
                updated_at = excluded.updated_at
            """, [.text(contact.phone), .text(contact.name), contact.extra.map(SQLValue.text) ?? .null,
                  .int(contact.updatedAt.millis)])
    }

    public func contacts(query: String?, limit: Int) throws(StoreError) -> [ContactRecord] {
        // Names folded as SQLite's atende_fold does (ContactSearch): lower() of ASCII only in the "C" collation,
        // then the accented letters by translate; the order is byte order, as SQLite's BINARY collation.
        let rows = try read("""
            SELECT phone, name, extra, updated_at FROM contacts
            WHERE $1::text IS NULL
                OR strpos(translate(lower(name COLLATE "C"), '\(ContactSearch.translateFrom)',
                                    '\(ContactSearch.translateTo)'), $3::text) > 0
                OR strpos(phone, $1::text) > 0
            ORDER BY name COLLATE "C", phone COLLATE "C" LIMIT $2
            """, [query.map(SQLValue.text) ?? .null, .int(Int64(limit)),
                  query.map { .text(ContactSearch.fold($0)) } ?? .null])
        return (0..<rows.count).map { row in
            ContactRecord(phone: rows.text(row, 0), name: rows.text(row, 1), extra: rows.optionalText(row, 2),
                          updatedAt: Instant(millis: rows.int(row, 3)))
        }
    }

    public func saveExplanation(conversation: ConversationID, body: String) throws(StoreError) {
        // Without the row, the division by zero fails the statement and with it the turn, as SQLite's check does.
        try write("""
            WITH changed AS (UPDATE conversations SET explanations = coalesce(explanations || chr(10), '') || $2
                WHERE id = $1 RETURNING 1)
            SELECT 1 / (SELECT count(*) FROM changed)::int
            """, [.int(conversation), .text(body)])
    }

    public func explanations(conversation: ConversationID) throws(StoreError) -> [String] {
        let older = try read("SELECT body FROM assignment_explanations WHERE conversation_id = $1 ORDER BY id",
                             [.int(conversation)])
        var result = (0..<older.count).map { older.text($0, 0) }
        let row = try read("SELECT explanations FROM conversations WHERE id = $1", [.int(conversation)])
        if row.count > 0, let lines = row.optionalText(0, 0) {
            result += lines.split(separator: "\n").map(String.init)
        }
        return result
    }
}
