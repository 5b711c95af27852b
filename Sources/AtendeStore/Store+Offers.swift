// Store, what offers and assignments need beyond the conversation rows: the attendant's name for the bots'
// `conversation.assigned` push, read by primary key on each assignment.

import AtendeCore

extension Store {
    /// The attendant's display name, nil when there is no such attendant.
    public func attendantName(_ id: AttendantID) throws(StoreError) -> String? {
        let statement = try database.cachedLiteral("SELECT name FROM attendants WHERE id = ?")
        defer { statement.reset() }
        try statement.bind(.int(id), at: 1)
        return try statement.step() ? statement.text(0) : nil
    }
}

extension Store {
    /// Records the end of the attendant's running presence grace (nil: none runs).
    public func setGraceUntil(_ attendant: AttendantID, _ until: Instant?) throws(StoreError) {
        try write { () throws(StoreError) in
            try database.run("UPDATE attendants SET grace_until = ? WHERE id = ?",
                             [until.map { .int($0.millis) } ?? .null, .int(attendant)])
        }
    }

    /// The presence graces that were running, by attendant.
    public func graces() throws(StoreError) -> [AttendantID: Instant] {
        let statement = try database.cached("SELECT id, grace_until FROM attendants WHERE grace_until IS NOT NULL")
        defer { statement.reset() }
        var result: [AttendantID: Instant] = [:]
        while try statement.step() { result[statement.int(0)] = Instant(millis: statement.int(1)) }
        return result
    }
}
