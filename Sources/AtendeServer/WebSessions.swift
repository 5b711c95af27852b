// WebSessions: what lets a browser reload the panel without asking for the password again. The secret is a random
// session id in an HttpOnly, SameSite=Strict cookie: scripts (ours or another origin's) cannot read it, and
// browsers do not send it with requests another site starts. The daemon hands a fresh id out on every WebSocket
// upgrade that does not carry a live one (so an id planted in a browser beforehand is never the one a login
// binds), binds it to the account when `auth.login` succeeds on that connection, and resumes that login on a
// later upgrade that carries it, until `auth.logout`, expiry, a password change, or the account's deactivation or
// deletion. Sessions are kept in the store (SQLite or PostgreSQL), as a SHA-256 of the id with the account, a
// digest of its password hash and the expiry, so they outlive a restart and a failover; their writes join the
// turn's transaction like any other, so a binding is durable before the login's answer leaves.

import AtendeCore
import AtendeProtocol
import AtendeStore

/// The account a web session logs in.
enum WebAccount: Equatable, Sendable {
    case attendant(AttendantID)
    case admin(Int64)
}

/// One bound web session.
struct WebSession: Equatable, Sendable {
    var account: WebAccount
    /// A digest of the account's password hash when the session was bound: a changed password ends the session.
    var passwordDigest: String
    /// Ends unless used again before then (each resume moves it on).
    var expiresAt: Instant

    /// True when `passwordHash` is the hash the session was bound with.
    func matches(passwordHash: String) -> Bool { passwordDigest == WebSessions.digest(passwordHash) }
}

/// The bound web sessions, kept in the store by the hash of their ids.
struct WebSessions: Sendable {
    /// The cookie's name.
    static let cookieName = "atende_session"
    /// How long a session lasts without being resumed: a working day and then some.
    static let idleLifetimeMillis: Int64 = 12 * 3600 * 1000
    /// Beyond this many sessions, binding a new one first drops the expired ones, then the one nearest its end.
    static let limit = 100_000

    /// SHA-256 of `text` in hex: what the store keeps of an id, or of a password hash.
    static func digest(_ text: String) -> String { SHA256.hex(text) }

    /// The number of sessions kept.
    func count(in store: any WebSessionStore) throws(StoreError) -> Int { try store.webSessionCount() }

    /// A fresh random session id (256 bits from the kernel's generator, in hex).
    static func newID() -> String {
        var generator = SystemRandomNumberGenerator()
        let hex = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        text.reserveCapacity(64)
        for _ in 0..<4 {
            var word = generator.next()
            for _ in 0..<16 {
                text.append(hex[Int(word & 15)])
                word >>= 4
            }
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// True when `id` has the shape of an id this daemon hands out (anything else is not looked up).
    static func isWellFormed(_ id: String) -> Bool {
        id.utf8.count == 64 && id.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }
    }

    /// The Set-Cookie value that gives the browser `id`; `secure` when the panel is served over HTTPS.
    static func cookie(_ id: String, secure: Bool) -> String {
        "\(cookieName)=\(id); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(idleLifetimeMillis / 1000)"
            + (secure ? "; Secure" : "")
    }

    /// Binds `id` to an account that just logged in.
    func bind(_ id: String, to account: WebAccount, passwordHash: String, now: Instant,
              in store: any WebSessionStore) throws(StoreError) {
        let hash = Self.digest(id)
        if try store.webSession(idHash: hash) == nil, try store.webSessionCount() >= Self.limit {
            try store.deleteExpiredWebSessions(now: now)
            if try store.webSessionCount() >= Self.limit { try store.deleteSoonestEndingWebSession() }
        }
        var record = WebSessionRecord(idHash: hash, passwordDigest: Self.digest(passwordHash),
                                      expiresAt: now + Self.idleLifetimeMillis)
        switch account {
        case .attendant(let attendant): record.attendantID = attendant
        case .admin(let admin): record.adminID = admin
        }
        try store.saveWebSession(record)
    }

    /// The live session `id`, moved on by a full lifetime (nil, and forgotten, when it has expired).
    func resume(_ id: String, now: Instant, in store: any WebSessionStore) throws(StoreError) -> WebSession? {
        guard let session = try session(id, in: store) else { return nil }
        guard now < session.expiresAt else {
            try store.deleteWebSession(idHash: Self.digest(id))
            return nil
        }
        let expiresAt = now + Self.idleLifetimeMillis
        try store.setWebSessionExpiry(idHash: Self.digest(id), expiresAt)
        return WebSession(account: session.account, passwordDigest: session.passwordDigest, expiresAt: expiresAt)
    }

    /// The session `id` without moving it on.
    func session(_ id: String, in store: any WebSessionStore) throws(StoreError) -> WebSession? {
        guard let record = try store.webSession(idHash: Self.digest(id)) else { return nil }
        let account: WebAccount
        if let attendant = record.attendantID {
            account = .attendant(attendant)
        } else if let admin = record.adminID {
            account = .admin(admin)
        } else {
            return nil
        }
        return WebSession(account: account, passwordDigest: record.passwordDigest, expiresAt: record.expiresAt)
    }

    /// Ends session `id`.
    func end(_ id: String, in store: any WebSessionStore) throws(StoreError) {
        try store.deleteWebSession(idHash: Self.digest(id))
    }

    /// Ends every session of `account`.
    func end(account: WebAccount, in store: any WebSessionStore) throws(StoreError) {
        switch account {
        case .attendant(let attendant): try store.deleteWebSessions(attendant: attendant)
        case .admin(let admin): try store.deleteWebSessions(admin: admin)
        }
    }

    /// Forgets the expired sessions (writing nothing when none has expired).
    func purge(now: Instant, in store: any WebSessionStore) throws(StoreError) {
        guard let earliest = try store.earliestWebSessionExpiry(), earliest <= now else { return }
        try store.deleteExpiredWebSessions(now: now)
    }
}
