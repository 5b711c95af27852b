// WebSessions: what lets a browser reload the panel without asking for the password again. The secret is a random
// session id in an HttpOnly, SameSite=Strict cookie: scripts (ours or another origin's) cannot read it, and
// browsers do not send it with requests another site starts. The daemon hands a fresh id out on every WebSocket
// upgrade that does not carry a live one (so an id planted in a browser beforehand is never the one a login
// binds), binds it to the account when `auth.login` succeeds on that connection, and resumes that login on a
// later upgrade that carries it, until `auth.logout`, expiry, a password change, or the account's deactivation or
// deletion. Sessions live in the daemon's memory only: a restart asks everyone for the password again.

import AtendeCore

/// The account a web session logs in.
enum WebAccount: Equatable, Sendable {
    case attendant(AttendantID)
    case admin(Int64)
}

/// One bound web session.
struct WebSession: Equatable, Sendable {
    var account: WebAccount
    /// The account's password hash when the session was bound: a changed password ends the session.
    var passwordHash: String
    /// Ends unless used again before then (each resume moves it on).
    var expiresAt: Instant
}

/// The bound web sessions, by id.
struct WebSessions: Sendable {
    /// The cookie's name.
    static let cookieName = "atende_session"
    /// How long a session lasts without being resumed: a working day and then some.
    static let idleLifetimeMillis: Int64 = 12 * 3600 * 1000
    /// Beyond this many sessions, binding a new one first drops the expired ones, then the one nearest its end.
    static let limit = 100_000

    private var sessions: [String: WebSession] = [:]

    /// The number of bound sessions.
    var count: Int { sessions.count }

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
    mutating func bind(_ id: String, to account: WebAccount, passwordHash: String, now: Instant) {
        if sessions[id] == nil && sessions.count >= Self.limit {
            purge(now: now)
            if sessions.count >= Self.limit,
               let oldest = sessions.min(by: { $0.value.expiresAt < $1.value.expiresAt }) {
                sessions[oldest.key] = nil
            }
        }
        sessions[id] = WebSession(account: account, passwordHash: passwordHash,
                                  expiresAt: now + Self.idleLifetimeMillis)
    }

    /// The live session `id`, moved on by a full lifetime (nil, and forgotten, when it has expired).
    mutating func resume(_ id: String, now: Instant) -> WebSession? {
        guard var session = sessions[id] else { return nil }
        guard now < session.expiresAt else {
            sessions[id] = nil
            return nil
        }
        session.expiresAt = now + Self.idleLifetimeMillis
        sessions[id] = session
        return session
    }

    /// The session `id` without moving it on.
    func session(_ id: String) -> WebSession? { sessions[id] }

    /// Ends session `id`.
    mutating func end(_ id: String) { sessions[id] = nil }

    /// Ends every session of `account`.
    mutating func end(account: WebAccount) { sessions = sessions.filter { $0.value.account != account } }

    /// Forgets the expired sessions.
    mutating func purge(now: Instant) { sessions = sessions.filter { now < $0.value.expiresAt } }
}
