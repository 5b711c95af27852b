// PostgresStore, what the queue-policy and account work added to the store: deleting an attendant (its id
// retired), the authorship of transcripts and transfers, the service-level figures and the conversation list,
// with the same meaning as the SQLite store's (Store+AttendantDeletion, Store+Authorship, Store+ServiceLevel).

import AtendeCore

extension PostgresStore {
    @discardableResult
    public func deleteAttendant(_ id: AttendantID) throws(StoreError) -> Bool {
        guard try attendant(id) != nil else { return false }
        try write("INSERT INTO retired_attendant_ids(id) VALUES ($1) ON CONFLICT DO NOTHING", [.int(id)])
        try write("DELETE FROM contact_routes WHERE attendant_id = $1", [.int(id)])
        try write("DELETE FROM attendants WHERE id = $1", [.int(id)])
        // Routes to it read from memory or from the committed rows are gone too (its id never comes back).
        retiredAttendants.insert(id)
        for (phone, route) in recentRoutes where route.attendant == id {
            undoRoutes.append((phone, route))
            recentRoutes[phone] = nil
        }
        return true
    }

    public func recordAuthor(message: Int64, attendant: AttendantID) throws(StoreError) {
        try write("""
            INSERT INTO message_authors(message_id, attendant_id) VALUES ($1, $2)
            ON CONFLICT (message_id) DO UPDATE SET attendant_id = excluded.attendant_id
            """, [.int(message), .int(attendant)])
    }

    public func authors(of messages: [Message]) throws(StoreError) -> [Int64: AttendantID] {
        let ids = messages.filter { $0.from == .attendant }.map { String($0.id) }
        guard !ids.isEmpty else { return [:] }
        let rows = try read(
            "SELECT message_id, attendant_id FROM message_authors WHERE message_id = ANY($1::bigint[])",
                            [.text("{" + ids.joined(separator: ",") + "}")])
        var result: [Int64: AttendantID] = [:]
        for row in 0..<rows.count { result[rows.int(row, 0)] = rows.int(row, 1) }
        return result
    }

    public func recordTransfer(_ id: ConversationID, _ transfer: TransferRecord) throws(StoreError) {
        try write("""
            INSERT INTO conversation_transfers(conversation_id, at, by_attendant, from_attendant, to_department,
                to_attendant, by_admin) VALUES ($1, $2, $3, $4, $5, $6, $7)
            """, [.int(id), .int(transfer.at.millis), transfer.byAttendant.map(SQLValue.int) ?? .null,
                  transfer.fromAttendant.map(SQLValue.int) ?? .null, transfer.toDepartment.map(SQLValue.text) ?? .null,
                  transfer.toAttendant.map(SQLValue.int) ?? .null, transfer.byAdmin.map(SQLValue.int) ?? .null])
    }

    public func transfers(_ id: ConversationID) throws(StoreError) -> [TransferRecord] {
        let rows = try read("""
            SELECT at, by_attendant, from_attendant, to_department, to_attendant, by_admin FROM conversation_transfers
                WHERE conversation_id = $1 ORDER BY id
            """, [.int(id)])
        return (0..<rows.count).map { row in
            TransferRecord(at: Instant(millis: rows.int(row, 0)), byAttendant: rows.optionalInt(row, 1),
                           fromAttendant: rows.optionalInt(row, 2), toDepartment: rows.optionalText(row, 3),
                           toAttendant: rows.optionalInt(row, 4), byAdmin: rows.optionalInt(row, 5))
        }
    }

    public func serviceLevels(since: Instant, targets: [String: Int]) throws(StoreError)
        -> (departments: [DepartmentServiceLevel], attendants: [AttendantServiceLevel]) {
        let rows = try read("""
            SELECT coalesce(first_department, department), attendant_id, state, first_queued_at, first_assigned_at,
                first_reply_at, assigned_at, closed_at
            FROM conversations WHERE first_queued_at >= $1 AND coalesce(first_department, department) IS NOT NULL
            """, [.int(since.millis)])
        var tally = ServiceLevelTally(targets: targets)
        for row in 0..<rows.count {
            tally.add(department: rows.text(row, 0), attendant: rows.optionalInt(row, 1), state: rows.text(row, 2),
                      firstQueued: rows.int(row, 3), firstAssigned: rows.optionalInt(row, 4),
                      firstReply: rows.optionalInt(row, 5), assigned: rows.optionalInt(row, 6),
                      closed: rows.optionalInt(row, 7))
        }
        let handedOn = try read("""
            SELECT DISTINCT t.conversation_id, t.from_attendant
            FROM conversation_transfers t JOIN conversations c ON c.id = t.conversation_id
            WHERE c.first_queued_at >= $1 AND coalesce(c.first_department, c.department) IS NOT NULL
                AND t.from_attendant IS NOT NULL
                AND t.from_attendant IS DISTINCT FROM c.attendant_id
            """, [.int(since.millis)])
        for row in 0..<handedOn.count { tally.addHandedOn(by: handedOn.int(row, 1)) }
        return tally.figures
    }

    public func conversations(state: ConversationState?, department: String?, attendant: AttendantID?,
                              before: ConversationID?, limit: Int) throws(StoreError)
        -> [(conversation: Conversation, firstQueuedAt: Instant?)] {
        let rows = try read("""
            SELECT \(Self.conversationColumns), first_queued_at FROM conversations
            WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR department = $2)
                AND ($3::bigint IS NULL OR attendant_id = $3) AND ($4::bigint IS NULL OR id < $4)
            ORDER BY id DESC LIMIT $5
            """, [state.map { .text($0.rawValue) } ?? .null, department.map(SQLValue.text) ?? .null,
                  attendant.map(SQLValue.int) ?? .null, before.map(SQLValue.int) ?? .null, .int(Int64(limit))])
        return (0..<rows.count).map { row in
            // first_queued_at comes right after the conversation's own columns.
            (readConversation(rows, row),
             rows.optionalInt(row, Self.conversationColumnCount).map(Instant.init(millis:)))
        }
    }
}

extension PostgresStore {
    private static let adminColumns = "id, name, login, password_hash, last_seen_at, created_at"

    private func readAdmins(_ rows: PostgresRows) -> [AdminRecord] {
        (0..<rows.count).map { row in
            AdminRecord(id: rows.int(row, 0), name: rows.text(row, 1), login: rows.text(row, 2),
                        passwordHash: rows.text(row, 3),
                        lastSeenAt: rows.optionalInt(row, 4).map(Instant.init(millis:)),
                        createdAt: Instant(millis: rows.int(row, 5)))
        }
    }

    public func admins() throws(StoreError) -> [AdminRecord] {
        readAdmins(try read("SELECT \(Self.adminColumns) FROM admins ORDER BY id"))
    }

    public func admin(_ id: Int64) throws(StoreError) -> AdminRecord? {
        readAdmins(try read("SELECT \(Self.adminColumns) FROM admins WHERE id = $1", [.int(id)])).first
    }

    public func admin(loginKey: String) throws(StoreError) -> AdminRecord? {
        readAdmins(try read("SELECT \(Self.adminColumns) FROM admins WHERE login_key = $1", [.text(loginKey)])).first
    }

    @discardableResult
    public func saveAdmin(_ record: AdminRecord) throws(StoreError) -> Int64 {
        var id = record.id
        let isNew = id == 0
        if isNew {
            id = nextAdminID
            nextAdminID += 1
        }
        let values: [SQLValue] = [
            .int(id), .text(record.name), .text(record.login), .text(Login.key(record.login)),
            .text(record.passwordHash), record.lastSeenAt.map { .int($0.millis) } ?? .null,
            .int(record.createdAt.millis),
        ]
        if isNew {
            try write("INSERT INTO admins(id, name, login, login_key, password_hash, last_seen_at, created_at) "
                      + "VALUES ($1, $2, $3, $4, $5, $6, $7)", values)
        } else {
            try write("UPDATE admins SET name = $2, login = $3, login_key = $4, password_hash = $5, "
                      + "last_seen_at = $6, created_at = $7 WHERE id = $1", values)
        }
        return id
    }

    public func deleteAdmin(_ id: Int64) throws(StoreError) -> Bool {
        guard try admin(id) != nil else { return false }
        try write("DELETE FROM admins WHERE id = $1", [.int(id)])
        return true
    }

    public func touchAdminLastSeen(_ id: Int64, at instant: Instant) throws(StoreError) {
        try write("UPDATE admins SET last_seen_at = $1 WHERE id = $2", [.int(instant.millis), .int(id)])
    }
}

extension PostgresStore {
    public func attendantName(_ id: AttendantID) throws(StoreError) -> String? {
        try read("SELECT name FROM attendants WHERE id = $1", [.int(id)]).values.first?.first ?? nil
    }

    public func setGraceUntil(_ attendant: AttendantID, _ until: Instant?) throws(StoreError) {
        try write("UPDATE attendants SET grace_until = $1 WHERE id = $2",
                  [until.map { .int($0.millis) } ?? .null, .int(attendant)])
    }

    public func setAway(_ attendant: AttendantID, _ away: Bool) throws(StoreError) {
        try write("UPDATE attendants SET away = $1 WHERE id = $2", [.int(away ? 1 : 0), .int(attendant)])
    }

    public func awayAttendants() throws(StoreError) -> [AttendantID] {
        let rows = try read("SELECT id FROM attendants WHERE away <> 0 ORDER BY id")
        return (0..<rows.count).map { rows.int($0, 0) }
    }

    public func setMissedOffers(_ attendant: AttendantID, _ count: Int) throws(StoreError) {
        try write("UPDATE attendants SET missed_offers = $1 WHERE id = $2", [.int(Int64(count)), .int(attendant)])
    }

    public func missedOffers() throws(StoreError) -> [AttendantID: Int] {
        let rows = try read("SELECT id, missed_offers FROM attendants WHERE missed_offers > 0")
        var result: [AttendantID: Int] = [:]
        for row in 0..<rows.count { result[rows.int(row, 0)] = Int(rows.int(row, 1)) }
        return result
    }

    public func graces() throws(StoreError) -> [AttendantID: Instant] {
        let rows = try read("SELECT id, grace_until FROM attendants WHERE grace_until IS NOT NULL")
        var result: [AttendantID: Instant] = [:]
        for row in 0..<rows.count { result[rows.int(row, 0)] = Instant(millis: rows.int(row, 1)) }
        return result
    }

    public func offerOutcomes(since: Instant) throws(StoreError) -> [AttendantID: OfferOutcomes] {
        let rows = try read("""
            SELECT id, explanations FROM conversations
            WHERE explanations LIKE '%n|%' AND coalesce(first_queued_at, opened_at) >= $1
            """, [.int(since.millis)])
        var tally = OfferOutcomeTally(since: since)
        for row in 0..<rows.count { tally.add(conversation: rows.int(row, 0), explanations: rows.optionalText(row, 1)) }
        return tally.outcomes
    }

    public func wrappingConversations() throws(StoreError) -> [Conversation] {
        let rows = try read("""
            SELECT \(Self.conversationColumns) FROM conversations WHERE wrap_up_until IS NOT NULL ORDER BY id
            """)
        return (0..<rows.count).map { readConversation(rows, $0) }
    }
}
