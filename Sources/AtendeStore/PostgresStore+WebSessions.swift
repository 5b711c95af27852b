// PostgresStore, the web panel's sessions: the same rows and rules as SQLite's (Store+WebSessions.swift), so a
// standby that takes over after a failover resumes the browsers the old leader had logged in.

import AtendeCore

extension PostgresStore: WebSessionStore {
    private static let webSessionColumns = "id_hash, attendant_id, admin_id, password_digest, expires_at"

    public func saveWebSession(_ record: WebSessionRecord) throws(StoreError) {
        try write("INSERT INTO web_sessions(\(Self.webSessionColumns)) VALUES ($1, $2, $3, $4, $5) "
                  + "ON CONFLICT (id_hash) DO UPDATE SET attendant_id = $2, admin_id = $3, password_digest = $4, "
                  + "expires_at = $5",
                  [.text(record.idHash), record.attendantID.map { .int($0) } ?? .null,
                   record.adminID.map { .int($0) } ?? .null, .text(record.passwordDigest),
                   .int(record.expiresAt.millis)])
    }

    public func webSession(idHash: String) throws(StoreError) -> WebSessionRecord? {
        let rows = try read("SELECT \(Self.webSessionColumns) FROM web_sessions WHERE id_hash = $1", [.text(idHash)])
        guard rows.count > 0 else { return nil }
        return WebSessionRecord(idHash: rows.text(0, 0), attendantID: rows.optionalInt(0, 1),
                                adminID: rows.optionalInt(0, 2), passwordDigest: rows.text(0, 3),
                                expiresAt: Instant(millis: rows.int(0, 4)))
    }

    public func setWebSessionExpiry(idHash: String, _ expiresAt: Instant) throws(StoreError) {
        try write("UPDATE web_sessions SET expires_at = $1 WHERE id_hash = $2",
                  [.int(expiresAt.millis), .text(idHash)])
    }

    public func deleteWebSession(idHash: String) throws(StoreError) {
        try write("DELETE FROM web_sessions WHERE id_hash = $1", [.text(idHash)])
    }

    public func deleteWebSessions(attendant: AttendantID) throws(StoreError) {
        try write("DELETE FROM web_sessions WHERE attendant_id = $1", [.int(attendant)])
    }

    public func deleteWebSessions(admin: Int64) throws(StoreError) {
        try write("DELETE FROM web_sessions WHERE admin_id = $1", [.int(admin)])
    }

    public func deleteExpiredWebSessions(now: Instant) throws(StoreError) {
        try write("DELETE FROM web_sessions WHERE expires_at <= $1", [.int(now.millis)])
    }

    public func webSessionCount() throws(StoreError) -> Int {
        Int(try read("SELECT count(*) FROM web_sessions").int(0, 0))
    }

    public func earliestWebSessionExpiry() throws(StoreError) -> Instant? {
        try read("SELECT min(expires_at) FROM web_sessions").optionalInt(0, 0).map(Instant.init(millis:))
    }

    public func deleteSoonestEndingWebSession() throws(StoreError) {
        try write("DELETE FROM web_sessions WHERE id_hash = "
                  + "(SELECT id_hash FROM web_sessions ORDER BY expires_at, id_hash LIMIT 1)", [])
    }
}
