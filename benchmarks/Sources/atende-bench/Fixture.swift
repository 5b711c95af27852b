// Fixture: the set-up every scenario needs, done through the daemon's own API so what is measured afterwards
// is the real daemon state: departments, attendants (created over several admin connections at once, since a
// connection waits for each password hash), attendant logins (one connection each, as a panel would have), and
// bot connections. Each step sends everything at once and waits for every answer; the first error stops it.

import AtendeProtocol

/// Counts answers to a burst of requests.
final class Tally {
    private(set) var answered = 0
    private(set) var failed = 0
    private(set) var firstError: String?

    /// Records one reply.
    func record(_ reply: Reply) {
        answered += 1
        if !reply.ok {
            failed += 1
            if firstError == nil { firstError = reply.text }
        }
    }

    /// Records a failure that is not a reply.
    func fail(_ text: String) {
        failed += 1
        if firstError == nil { firstError = text }
    }

    /// Throws when anything failed.
    func check(_ what: String) throws {
        if let firstError { throw BenchError("\(what): \(failed) failed; first: \(firstError)") }
    }
}

enum Fixture {
    /// The password of every generated attendant.
    static let password = "Benchpass1"

    /// A connection authenticated with `method` ("auth.admin" or "auth.bot"; the peer-uid rule applies).
    static func service(_ method: String, _ reactor: Reactor, _ socket: String, count: Int,
                        params: ((inout JSONWriter) -> Void)? = nil) throws -> [Peer] {
        let tally = Tally()
        var peers: [Peer] = []
        // Over TCP (a WebSocket) the peer-uid rule does not apply: send the token the bench's daemons have.
        let token = method == "auth.admin" ? Atended.adminToken : Atended.botToken
        let remote = socket.hasPrefix("ws://")
        for _ in 0..<count {
            let peer = try Peer.connect(reactor, socket)
            peer.call(method, params: remote ? { w in
                params?(&w)
                w.field("token", token)
            } : params) { tally.record($0) }
            peers.append(peer)
        }
        try reactor.wait(method, seconds: 60) { tally.answered == count }
        try tally.check(method)
        return peers
    }

    /// Bot connections of a pool of workers: each gets the events of its own conversations (`events: "own"`),
    /// as a chatbot spreading its traffic over several connections would ask, so no event arrives twice.
    static func workers(_ reactor: Reactor, _ socket: String, count: Int) throws -> [Peer] {
        try service("auth.bot", reactor, socket, count: count) { $0.field("events", "own") }
    }

    /// A staffed daemon: `departments` created, then `count` attendants named `prefix0`... (maxChats 1000) serving
    /// `serves(i)`, each logged in on its own connection; returns those connections.
    static func staffed(_ departments: [String], attendants count: Int, prefix: String, reactor: Reactor,
                        socket: String, offerTimeout: Int? = nil, serves: (Int) -> [String]) throws -> [Peer] {
        let admin = try service("auth.admin", reactor, socket, count: 1)[0]
        defer { admin.close() }
        try Fixture.departments(departments, admin: admin, offerTimeout: offerTimeout)
        let logins = try attendants(count, prefix: prefix, maxChats: 1000, reactor: reactor, socket: socket,
                                    departments: serves)
        return try login(logins, reactor: reactor, socket: socket)
    }

    /// Creates departments (strategy least-busy; with `offerTimeout`, they offer).
    static func departments(_ ids: [String], admin: Peer, offerTimeout: Int? = nil) throws {
        let tally = Tally()
        for id in ids {
            admin.call("department.create", params: { w in
                w.field("id", id)
                w.field("name", "Department \(id)")
                if let offerTimeout { w.field("offerTimeout", offerTimeout) }
            }) { tally.record($0) }
        }
        try admin.reactor.wait("department.create", seconds: 60) { tally.answered == ids.count }
        try tally.check("department.create")
    }

    /// Creates `count` attendants named `prefix0`, `prefix1`, ... serving `departments(i)`; returns their logins.
    static func attendants(_ count: Int, prefix: String, maxChats: Int, reactor: Reactor, socket: String,
                           departments: (Int) -> [String]) throws -> [String] {
        let start = monotonicSeconds()
        let admins = try service("auth.admin", reactor, socket, count: min(8, max(1, count / 50)))
        defer { admins.forEach { $0.close() } }
        let tally = Tally()
        var logins: [String] = []
        for index in 0..<count {
            let login = "\(prefix)\(index)"
            logins.append(login)
            let serves = departments(index)
            admins[index % admins.count].call("attendant.create", params: { w in
                w.field("name", "Bench Agent")
                w.field("login", login)
                w.field("password", password)
                w.field("maxChats", maxChats)
                w.key("departments")
                w.beginArray()
                for department in serves { w.string(department) }
                w.endArray()
            }) { tally.record($0) }
        }
        try reactor.wait("attendant.create x\(count)", seconds: 600) { tally.answered == count }
        try tally.check("attendant.create")
        if count >= 1000 {
            Console.progress("created \(count) attendants in \(Format.fixed(monotonicSeconds() - start, 1)) s")
        }
        return logins
    }

    /// Logs each attendant in on its own connection (presence online, or away when `away`).
    static func login(_ logins: [String], reactor: Reactor, socket: String, away: Bool = false) throws -> [Peer] {
        let start = monotonicSeconds()
        let tally = Tally()
        var peers: [Peer] = []
        peers.reserveCapacity(logins.count)
        for login in logins {
            let peer = try Peer.connect(reactor, socket)
            peer.call("auth.login", params: { w in
                w.field("login", login)
                w.field("password", password)
            }) { tally.record($0) }
            if away {
                peer.call("presence.set", params: { $0.field("presence", "away") }) { tally.record($0) }
            }
            peers.append(peer)
            // Keep the accept queue and the hashing threads busy but not flooded.
            if peers.count % 512 == 0 { reactor.turn(timeoutMillis: 0) }
        }
        let expected = logins.count * (away ? 2 : 1)
        try reactor.wait("auth.login x\(logins.count)", seconds: 600) { tally.answered == expected }
        try tally.check("auth.login")
        if logins.count >= 1000 {
            let seconds = Format.fixed(monotonicSeconds() - start, 1)
            Console.progress("logged in \(logins.count) attendants in \(seconds) s")
        }
        return peers
    }
}

/// Generated conversations: unique external ids and phones, so no chat is idempotently merged with another and
/// no returning contact is steered to its last attendant.
enum Chat {
    /// A valid Brazilian mobile number, distinct for each `number` below 10^8.
    static func phone(_ number: Int) -> String {
        var digits = Array("+55119".utf8)
        var tail = [UInt8](repeating: UInt8(ascii: "0"), count: 8)
        var value = number % 100_000_000
        for index in stride(from: 7, through: 0, by: -1) {
            tail[index] = UInt8(ascii: "0") + UInt8(value % 10)
            value /= 10
        }
        digits.append(contentsOf: tail)
        return String(decoding: digits, as: UTF8.self)
    }

    /// Writes the params of `conversation.open` for chat `number` into `department`; externalId is
    /// `prefix-number`, so pushes can be matched back to the request.
    static func open(_ w: inout JSONWriter, prefix: String, number: Int, department: String, priority: Int? = nil) {
        w.field("externalId", "\(prefix)-\(number)")
        w.key("contact")
        w.beginObject()
        w.field("phone", phone(number))
        w.endObject()
        w.field("department", department)
        if let priority { w.field("priority", priority) }
    }
}
