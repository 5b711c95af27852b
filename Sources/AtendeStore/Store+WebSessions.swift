// Store, the web panel's sessions: what lets a browser reload the panel, or outlive a restart of atended or a
// PostgreSQL failover, without asking for the password again. Only a SHA-256 of each session id is kept (the id
// itself lives in the browser's HttpOnly cookie), with the account it logs in, a digest of that account's password
// hash when it was bound (a changed password ends the session) and its expiry. Both stores implement it; the
// daemon's writes join the turn's transaction like any other.

import AtendeCore

/// One bound web session as the store keeps it.
public struct WebSessionRecord: Equatable, Sendable {
    /// SHA-256 of the session id, in hex.
    public var idHash: String
    /// The attendant it logs in (exactly one of `attendantID` and `adminID` is set).
    public var attendantID: AttendantID?
    /// The admin account it logs in.
    public var adminID: Int64?
    /// SHA-256 of the account's password hash when the session was bound, in hex.
    public var passwordDigest: String
    /// It ends unless resumed before then.
    public var expiresAt: Instant

    /// Creates a record.
    public init(idHash: String, attendantID: AttendantID? = nil, adminID: Int64? = nil, passwordDigest: String,
                expiresAt: Instant) {
        self.idHash = idHash
        self.attendantID = attendantID
        self.adminID = adminID
        self.passwordDigest = passwordDigest
        self.expiresAt = expiresAt
    }
}

/// Where web sessions are kept (SQLite or PostgreSQL).
public protocol WebSessionStore: AnyObject {
    /// Inserts the session, or replaces the one with the same `idHash`.
    func saveWebSession(_ record: WebSessionRecord) throws(StoreError)
    /// The session with this id hash, expired or not.
    func webSession(idHash: String) throws(StoreError) -> WebSessionRecord?
    /// Moves a session's expiry.
    func setWebSessionExpiry(idHash: String, _ expiresAt: Instant) throws(StoreError)
    /// Ends one session.
    func deleteWebSession(idHash: String) throws(StoreError)
    /// Ends every session of an attendant.
    func deleteWebSessions(attendant: AttendantID) throws(StoreError)
    /// Ends every session of an admin account.
    func deleteWebSessions(admin: Int64) throws(StoreError)
    /// Forgets the sessions expired by `now`.
    func deleteExpiredWebSessions(now: Instant) throws(StoreError)
    /// The number of sessions kept.
    func webSessionCount() throws(StoreError) -> Int
    /// The earliest expiry of the sessions kept (nil: none).
    func earliestWebSessionExpiry() throws(StoreError) -> Instant?
    /// Ends the session nearest its expiry (to make room).
    func deleteSoonestEndingWebSession() throws(StoreError)
}

extension Store: WebSessionStore {
    private static let webSessionColumns = "id_hash, attendant_id, admin_id, password_digest, expires_at"

    public func saveWebSession(_ record: WebSessionRecord) throws(StoreError) {
        try write { () throws(StoreError) in
            try database.run("INSERT OR REPLACE INTO web_sessions(\(Self.webSessionColumns)) VALUES (?, ?, ?, ?, ?)",
                             [.text(record.idHash), record.attendantID.map { .int($0) } ?? .null,
                              record.adminID.map { .int($0) } ?? .null, .text(record.passwordDigest),
                              .int(record.expiresAt.millis)])
        }
    }

    public func webSession(idHash: String) throws(StoreError) -> WebSessionRecord? {
        let statement = try database.cached("SELECT \(Self.webSessionColumns) FROM web_sessions WHERE id_hash = ?")
        defer { statement.reset() }
        try statement.bind([.text(idHash)])
        guard try statement.step() else { return nil }
        return WebSessionRecord(idHash: statement.text(0), attendantID: statement.optionalInt(1),
                                adminID: statement.optionalInt(2), passwordDigest: statement.text(3),
                                expiresAt: Instant(millis: statement.int(4)))
    }

    public func setWebSessionExpiry(idHash: String, _ expiresAt: Instant) throws(StoreError) {
        try write { () throws(StoreError) in
            try database.run("UPDATE web_sessions SET expires_at = ? WHERE id_hash = ?",
                             [.int(expiresAt.millis), .text(idHash)])
        }
    }

    public func deleteWebSession(idHash: String) throws(StoreError) {
        try write { () throws(StoreError) in
            try database.run("DELETE FROM web_sessions WHERE id_hash = ?", [.text(idHash)])
        }
    }

    public func deleteWebSessions(attendant: AttendantID) throws(StoreError) {
        try write { () throws(StoreError) in
            try database.run("DELETE FROM web_sessions WHERE attendant_id = ?", [.int(attendant)])
        }
    }

    public func deleteWebSessions(admin: Int64) throws(StoreError) {
        try write { () throws(StoreError) in
            try database.run("DELETE FROM web_sessions WHERE admin_id = ?", [.int(admin)])
        }
    }

    public func deleteExpiredWebSessions(now: Instant) throws(StoreError) {
        try write { () throws(StoreError) in
            try database.run("DELETE FROM web_sessions WHERE expires_at <= ?", [.int(now.millis)])
        }
    }

    public func webSessionCount() throws(StoreError) -> Int {
        Int(try database.scalar("SELECT count(*) FROM web_sessions") ?? 0)
    }

    public func earliestWebSessionExpiry() throws(StoreError) -> Instant? {
        try database.scalar("SELECT min(expires_at) FROM web_sessions").map(Instant.init(millis:))
    }

    public func deleteSoonestEndingWebSession() throws(StoreError) {
        try write { () throws(StoreError) in
            try database.run("DELETE FROM web_sessions WHERE id_hash = "
                             + "(SELECT id_hash FROM web_sessions ORDER BY expires_at, id_hash LIMIT 1)", [])
        }
    }
}
