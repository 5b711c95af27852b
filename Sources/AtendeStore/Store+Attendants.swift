// Store, attendants: records, departments served, photos, ratings.

import AtendeCore

extension Store {
    private static let attendantColumns = """
        a.id, a.name, a.login, a.password_hash, a.phone, a.email, a.active, a.hours, a.max_chats, a.rating_sum,
        a.rating_count, a.last_seen_at, a.created_at,
        EXISTS (SELECT 1 FROM attendant_images i WHERE i.attendant_id = a.id),
        (SELECT group_concat(department_id, ' ') FROM
            (SELECT department_id FROM attendant_departments d WHERE d.attendant_id = a.id ORDER BY position))
        """

    private func readAttendant(_ s: Statement) -> AttendantRecord {
        AttendantRecord(
            id: s.int(0), name: s.text(1), login: s.text(2), passwordHash: s.text(3), phone: s.optionalText(4),
            email: s.optionalText(5), active: s.int(6) != 0,
            departments: s.optionalText(14).map { $0.split(separator: " ").map(String.init) } ?? [],
            hours: HoursCoding.decode(s.text(7)), maxChats: Int(s.int(8)), ratingSum: s.int(9), ratingCount: s.int(10),
            lastSeenAt: s.optionalInt(11).map(Instant.init(millis:)), createdAt: Instant(millis: s.int(12)),
            hasImage: s.int(13) != 0)
    }

    /// Every attendant, by id.
    public func attendants() throws(StoreError) -> [AttendantRecord] {
        let statement = try database.cached("SELECT \(Self.attendantColumns) FROM attendants a ORDER BY a.id")
        defer { statement.reset() }
        var result: [AttendantRecord] = []
        while try statement.step() { result.append(readAttendant(statement)) }
        return result
    }

    /// One attendant by id.
    public func attendant(_ id: AttendantID) throws(StoreError) -> AttendantRecord? {
        let statement = try database.cached("SELECT \(Self.attendantColumns) FROM attendants a WHERE a.id = ?")
        defer { statement.reset() }
        try statement.bind([.int(id)])
        return try statement.step() ? readAttendant(statement) : nil
    }

    /// One attendant by login, case-insensitively.
    public func attendant(loginKey: String) throws(StoreError) -> AttendantRecord? {
        let statement = try database.cached("SELECT \(Self.attendantColumns) FROM attendants a WHERE a.login_key = ?")
        defer { statement.reset() }
        try statement.bind([.text(loginKey)])
        return try statement.step() ? readAttendant(statement) : nil
    }

    /// Inserts a new attendant (id 0) or replaces an existing one; returns the id.
    @discardableResult
    public func saveAttendant(_ record: AttendantRecord) throws(StoreError) -> AttendantID {
        try write { () throws(StoreError) -> AttendantID in
            let values: [SQLValue] = [
                .text(record.name), .text(record.login), .text(Login.key(record.login)), .text(record.passwordHash),
                record.phone.map(SQLValue.text) ?? .null, record.email.map(SQLValue.text) ?? .null,
                .int(record.active ? 1 : 0), .text(HoursCoding.encode(record.hours)), .int(Int64(record.maxChats)),
                record.lastSeenAt.map { .int($0.millis) } ?? .null, .int(record.createdAt.millis),
            ]
            var id = record.id
            if id == 0 {
                try database.run("""
                    INSERT INTO attendants(id, name, login, login_key, password_hash, phone, email, active, hours,
                        max_chats, last_seen_at, created_at) VALUES (
                        max(coalesce((SELECT max(id) FROM attendants), 0),
                            coalesce((SELECT max(id) FROM retired_attendant_ids), 0)) + 1,
                        ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, values)
                id = database.lastInsertRowID
            } else {
                try database.run("""
                    UPDATE attendants SET name = ?, login = ?, login_key = ?, password_hash = ?, phone = ?, email = ?,
                        active = ?, hours = ?, max_chats = ?, last_seen_at = ?, created_at = ? WHERE id = ?
                    """, values + [.int(id)])
            }
            try database.run("DELETE FROM attendant_departments WHERE attendant_id = ?", [.int(id)])
            for (position, department) in record.departments.enumerated() {
                try database.run("INSERT INTO attendant_departments(attendant_id, department_id, position) "
                                 + "VALUES (?, ?, ?)", [.int(id), .text(department), .int(Int64(position))])
            }
            return id
        }
    }

    /// Records a login or logout time.
    public func touchLastSeen(_ id: AttendantID, at instant: Instant) throws(StoreError) {
        try write { () throws(StoreError) in
            try database.run("UPDATE attendants SET last_seen_at = ? WHERE id = ?", [.int(instant.millis), .int(id)])
        }
    }

    /// Stores the attendant's photo.
    public func saveImage(_ id: AttendantID, contentType: String, bytes: [UInt8]) throws(StoreError) {
        try write { () throws(StoreError) in
            try database.run("""
                INSERT INTO attendant_images(attendant_id, content_type, data) VALUES (?, ?, ?)
                ON CONFLICT(attendant_id) DO UPDATE SET content_type = excluded.content_type, data = excluded.data
                """, [.int(id), .text(contentType), .blob(bytes)])
        }
    }

    /// The attendant's photo.
    public func image(_ id: AttendantID) throws(StoreError) -> (contentType: String, bytes: [UInt8])? {
        let statement = try database.cached("SELECT content_type, data FROM attendant_images WHERE attendant_id = ?")
        defer { statement.reset() }
        try statement.bind([.int(id)])
        guard try statement.step() else { return nil }
        return (statement.text(0), statement.blob(1))
    }

    /// Adds a score to the attendant's rating.
    public func addRating(_ id: AttendantID, score: Int) throws(StoreError) {
        try write { () throws(StoreError) in
            try database.run("UPDATE attendants SET rating_sum = rating_sum + ?, rating_count = rating_count + 1 "
                             + "WHERE id = ?", [.int(Int64(score)), .int(id)])
        }
    }
}
