// PostgresStore: atende's state in a PostgreSQL database that several atended share, one of them (the leader)
// writing. Opening it takes leadership: a session advisory lock, keyed by the database, on the connection that
// writes; a standby waits for that lock before it migrates or reads anything. The server's keepalive settings on
// that session (and the client's in the conninfo) bound how long a dead or cut-off leader keeps the lock:
// about `failoverSeconds`; a frozen one, whose kernel still answers them, is ended by a standby when its
// heartbeat goes stale (LeaderHeartbeat). The turn's writes go out pipelined on that connection
// (PostgresPipeline) and commit at the turn's sync; the loop waits for none of it, and the turn's output waits on
// the CommitTicket instead.
//
// Reads: the hot ones (a conversation by id or external id, a contact's last attendant) are answered from what
// this leader wrote and PostgreSQL has not yet confirmed, else by a second connection, which sees every confirmed
// commit; the others ride the pipeline behind the writes, so they see everything the loop wrote, the open turn
// included. Ids of attendants and messages are handed out here (the leader is the only writer), so no write
// waits for a generated key.

import AtendeCore
import CPostgres
import Glibc

/// The database of a leader atended, in PostgreSQL.
public final class PostgresStore {
    /// The conninfo or URI it was opened with.
    public let uri: String
    let pipeline: PostgresPipeline
    let reader: PostgresConnection
    public private(set) var writeCount = 0
    public private(set) var loginKeyCollisions: [LoginKeyCollision] = []
    public private(set) var changeCount = 0
    /// The writes of the open turn were sent and no sync yet.
    private var turnOpen = false
    /// The ticket of the last commit.
    public private(set) var lastCommit: CommitTicket?
    /// The server's process id for the writing session (the one holding the leadership).
    public let sessionProcessID: Int32
    /// Stamps this leader's row while it leads, so a standby can take over from it if it freezes.
    private let heartbeat: LeaderHeartbeat
    /// This process waited as a standby and ended the session of a leader that had stopped beating: that leader's
    /// process may still hold the socket path, frozen.
    public let endedFrozenLeader: Bool
    var nextAttendantID: AttendantID = 1
    var nextMessageID: Int64 = 1
    var nextAdminID: Int64 = 1

    // What this leader wrote and PostgreSQL has not confirmed yet, by turn: reads of these rows answer from here.
    /// The turn being written (its number).
    var turn: Int64 = 0
    var recentConversations: [ConversationID: (conversation: Conversation, turn: Int64)] = [:]
    var recentExternalIDs: [String: ConversationID] = [:]
    var recentRoutes: [String: (attendant: AttendantID, turn: Int64)] = [:]
    /// Attendants deleted since opening: a committed route to one of them no longer counts.
    var retiredAttendants: Set<AttendantID> = []
    /// Committed turns not yet confirmed, oldest first, with the keys they wrote.
    private var unconfirmed: [(turn: Int64, ticket: CommitTicket, conversations: [ConversationID], phones: [String])]
        = []
    var turnConversations: [ConversationID] = []
    var turnPhones: [String] = []
    /// What the open turn replaced in the recent maps, to put back if it is abandoned.
    var undoConversations: [(ConversationID, (conversation: Conversation, turn: Int64)?)] = []
    var undoRoutes: [(String, (attendant: AttendantID, turn: Int64)?)] = []

    /// The advisory lock's key: atende's and the database's, so one server can hold several atende databases.
    static let leadershipKey = "hashtextextended('atende leader ' || current_database(), 0)"

    /// Opens the store as its leader. `uri`: a postgresql:// URI or a libpq conninfo. Blocks until this process
    /// holds the database's advisory lock: while another holds it, `standby` runs about every 200 ms (the first
    /// call with `true`); when it returns false, opening stops with an error. `failoverSeconds` sets the
    /// keepalives that bound how long a dead leader's session keeps the lock, and how long a leader may go
    /// without a heartbeat before a standby ends its session (`ended` gets that session's process id).
    /// `trouble` hears (on another thread) when the leader's heartbeat fails and works again. `onLost` runs (on
    /// another thread) when the writing connection fails.
    public init(uri: String, durability: Durability = .full, failoverSeconds: Int = 10,
                standby: (_ first: Bool) -> Bool = { _ in true }, ended: (_ leader: Int64) -> Void = { _ in },
                trouble: @escaping @Sendable (String) -> Void = { _ in },
                onLost: @escaping @Sendable (StoreError) -> Void = { _ in }) throws(StoreError) {
        self.uri = uri
        let conninfo = PostgresStore.withKeepalives(uri, failoverSeconds: failoverSeconds)
        let writer = try PostgresConnection(conninfo: conninfo)
        sessionProcessID = PQbackendPID(writer.handle)
        let idle = max(1, failoverSeconds / 2)
        let interval = max(1, failoverSeconds / 6)
        try writer.execute("""
            SET application_name = 'atended'; SET tcp_keepalives_idle = \(idle);
            SET tcp_keepalives_interval = \(interval); SET tcp_keepalives_count = 3;
            SET tcp_user_timeout = \(failoverSeconds * 1000);
            SET synchronous_commit = \(durability == .full ? "on" : "off")
            """)
        var tries = 0
        var endedLeader = false
        while try writer.scalar("SELECT pg_try_advisory_lock(\(PostgresStore.leadershipKey))::int") != 1 {
            guard standby(tries == 0) else {
                throw StoreError(code: StoreError.postgresFailure, message: "stopped while waiting as a standby")
            }
            tries += 1
            // True only when the lock is won at the try right after ending a leader: another standby may win it.
            endedLeader = false
            // About once a second; a failed look (a role without the right to end the session) only skips it.
            if tries % 5 == 0, let leader = (try? LeaderHeartbeat.endStaleLeader(
                on: writer, after: failoverSeconds, lockKey: PostgresStore.leadershipKey)) ?? nil {
                ended(leader)
                endedLeader = true
            }
            usleep(200_000)
        }
        endedFrozenLeader = endedLeader
        // Named in the row at once, before the migrations (which may take a while): until then the row names the
        // previous leader, stale, and a standby's look would only find that no session of that name holds the lock.
        try LeaderHeartbeat.claim(on: writer, for: sessionProcessID)
        try PostgresSchema.migrate(writer)
        loginKeyCollisions = try PostgresStore.rekeyLogins(writer)
        // Never an id a deleted attendant had: closed chats keep pointing at it.
        nextAttendantID = (try writer.scalar("""
            SELECT greatest(coalesce((SELECT max(id) FROM attendants), 0),
                coalesce((SELECT max(id) FROM retired_attendant_ids), 0))
            """) ?? 0) + 1
        nextMessageID = (try writer.scalar("SELECT coalesce(max(id), 0) FROM messages") ?? 0) + 1
        nextAdminID = (try writer.scalar("SELECT coalesce(max(id), 0) FROM admins") ?? 0) + 1
        reader = try PostgresConnection(conninfo: conninfo)
        try reader.execute("SET application_name = 'atended reader'")
        pipeline = try PostgresPipeline(connection: writer, onLost: onLost)
        heartbeat = LeaderHeartbeat(conninfo: conninfo, leaderPID: sessionProcessID,
                                    interval: Double(failoverSeconds) / 4, trouble: trouble)
    }

    /// Brings each account's `login_key` to what `Login.key` gives today (as Store's does: keys became NFC; a key
    /// another account holds is left as it was).
    static func rekeyLogins(_ writer: PostgresConnection) throws(StoreError) -> [LoginKeyCollision] {
        var collisions: [LoginKeyCollision] = []
        for (table, kind) in [("attendants", "attendant"), ("admins", "admin")] {
            let rows = try writer.query("SELECT id, login, login_key FROM \(table)")
            // By bytes: Swift's == holds "josé" and "jose" + U+0301 equal, the database's UNIQUE does not.
            for row in 0..<rows.count {
                let key = Login.key(rows.text(row, 1))
                guard !key.utf8.elementsEqual(rows.text(row, 2).utf8) else { continue }
                let updated = try writer.query("""
                    UPDATE \(table) SET login_key = $1 WHERE id = $2
                        AND NOT EXISTS (SELECT FROM \(table) WHERE login_key = $1)
                    RETURNING id
                    """, [.text(key), .int(rows.int(row, 0))])
                if updated.count == 0 {
                    collisions.append(LoginKeyCollision(kind: kind, id: rows.int(row, 0), login: rows.text(row, 1)))
                }
            }
        }
        return collisions
    }

    /// Adds client keepalives (and a TCP user timeout) to a URI or conninfo, unless it sets them itself.
    static func withKeepalives(_ uri: String, failoverSeconds: Int) -> String {
        guard !uri.contains("keepalives") else { return uri }
        let settings = ["keepalives=1", "keepalives_idle=\(max(1, failoverSeconds / 2))",
                        "keepalives_interval=\(max(1, failoverSeconds / 6))", "keepalives_count=3",
                        "tcp_user_timeout=\(failoverSeconds * 1000)",
                        "connect_timeout=\(max(2, failoverSeconds))"]
        if uri.hasPrefix("postgresql://") || uri.hasPrefix("postgres://") {
            return uri + (uri.contains("?") ? "&" : "?") + settings.joined(separator: "&")
        }
        return uri + " " + settings.joined(separator: " ")
    }

    /// True for a `database` setting that names PostgreSQL rather than an SQLite file.
    public static func isPostgres(_ database: String) -> Bool {
        database.hasPrefix("postgresql://") || database.hasPrefix("postgres://")
    }

    /// What is wrong with a `database` setting meant for PostgreSQL that is not a URI atended reads, or with a
    /// postgresql:// URI that libpq cannot parse or whose port is not a port; nil when nothing is. Without this
    /// a misspelt URI would be taken for an SQLite file name and served from a database of its own.
    public static func problem(with database: String) -> String? {
        let lowered = database.lowercased()
        if !isPostgres(database) {
            if lowered.hasPrefix("postgresql:") || lowered.hasPrefix("postgres:") {
                return "a PostgreSQL URI starts with postgresql:// (in lower case)"
            }
            let first = database.split(whereSeparator: \.isWhitespace).first ?? ""
            if let equals = first.firstIndex(of: "="), libpqKeywords.contains(String(first[..<equals]).lowercased()) {
                return "libpq keyword strings are not read here: write a URI, e.g. "
                    + "postgresql:///atende?host=/var/run/postgresql"
            }
            return nil
        }
        var message: UnsafeMutablePointer<CChar>?
        guard let options = PQconninfoParse(database, &message) else {
            defer { PQfreemem(message) }
            // libpq quotes the whole URI, password included: the message names it without repeating it.
            var text = message.map { String(cString: $0) } ?? "libpq cannot parse it"
            text = text.replacing("\"\(database)\"", with: "the URI")
            while text.last?.isWhitespace == true { text.removeLast() }
            return text
        }
        defer { PQconninfoFree(options) }
        var option = options
        while let keyword = option.pointee.keyword {
            if String(cString: keyword) == "port", let value = option.pointee.val {
                for port in String(cString: value).split(separator: ",", omittingEmptySubsequences: false)
                where !port.isEmpty && !(UInt16(port).map { $0 > 0 } ?? false) {
                    return "the port \"\(port)\" is not a number from 1 to 65535"
                }
            }
            option += 1
        }
        return nil
    }

    /// libpq's connection keywords that a keyword string starts with.
    private static let libpqKeywords: Set<String> = [
        "host", "hostaddr", "port", "dbname", "user", "password", "passfile", "service", "sslmode",
        "application_name", "options", "connect_timeout", "target_session_attrs",
    ]

    /// Why the writing connection is gone, once it is.
    public var lostConnection: StoreError? { pipeline.lost }

    /// Waits for the commits handed over so far and gives up the connections (and the leadership).
    public func close() {
        _ = lastCommit?.wait()
        heartbeat.stop()
        pipeline.stop()
        reader.close()
    }

    deinit {
        heartbeat.stop()
        pipeline.stop()
    }

    // MARK: - The turn

    /// Sends a write of the open turn.
    func write(_ sql: String, _ values: [SQLValue]) throws(StoreError) {
        writeCount += 1
        try pipeline.send(sql, values)
        turnOpen = true
        changeCount += 1
    }

    /// A read behind everything written so far.
    func read(_ sql: String, _ values: [SQLValue] = []) throws(StoreError) -> PostgresRows {
        try pipeline.read(sql, values)
    }

    /// Ends the implicit transaction that reads made outside a turn's writes (a pipelined statement runs in one
    /// that only a sync ends), and waits for it: nothing is served while this sync is out, so the first turn's
    /// commit is never deferred behind it.
    func endReads() throws(StoreError) {
        guard !turnOpen else { return }
        if let error = try pipeline.sync().wait() { throw error }
    }

    /// Waits for every commit handed over so far; throws the first failure. For tests and maintenance.
    public func waitForCommits() throws(StoreError) {
        if let error = lastCommit?.wait() { throw error }
    }

    /// Remembers a conversation the open turn wrote, for reads until PostgreSQL confirms the turn.
    func remember(_ conversation: Conversation) {
        undoConversations.append((conversation.id, recentConversations[conversation.id]))
        recentConversations[conversation.id] = (conversation, turn)
        recentExternalIDs[conversation.externalId] = conversation.id
        turnConversations.append(conversation.id)
    }

    /// Remembers a contact's last attendant the open turn wrote.
    func remember(phone: String, attendant: AttendantID) {
        undoRoutes.append((phone, recentRoutes[phone]))
        recentRoutes[phone] = (attendant, turn)
        turnPhones.append(phone)
    }

    /// Forgets the rows of turns PostgreSQL has answered (those rows are now what the reader sees: committed, or
    /// absent when a statement of the turn was refused), unless a later turn wrote them again.
    private func forgetConfirmed() {
        var confirmed = 0
        for entry in unconfirmed {
            guard entry.ticket.settled != nil else { break }
            for id in entry.conversations where recentConversations[id]?.turn == entry.turn {
                if let externalId = recentConversations.removeValue(forKey: id)?.conversation.externalId,
                   recentExternalIDs[externalId] == id {
                    recentExternalIDs[externalId] = nil
                }
            }
            for phone in entry.phones where recentRoutes[phone]?.turn == entry.turn { recentRoutes[phone] = nil }
            confirmed += 1
        }
        if confirmed > 0 { unconfirmed.removeFirst(confirmed) }
    }
}

extension PostgresStore: DurableStore {
    public var inTransaction: Bool { turnOpen }

    /// The last commit's ticket.
    public var durabilityBarrier: (any DurabilityBarrier)? { lastCommit }

    public func commit() throws(StoreError) {
        guard turnOpen else { return }
        let ticket = try pipeline.sync()
        turnOpen = false
        lastCommit = ticket
        if !turnConversations.isEmpty || !turnPhones.isEmpty {
            unconfirmed.append((turn, ticket, turnConversations, turnPhones))
            turnConversations = []
            turnPhones = []
        }
        undoConversations.removeAll(keepingCapacity: true)
        undoRoutes.removeAll(keepingCapacity: true)
        turn += 1
        forgetConfirmed()
    }

    public func rollback() {
        guard turnOpen else { return }
        pipeline.abort()
        turnOpen = false
        for (id, previous) in undoConversations.reversed() {
            if let current = recentConversations[id], recentExternalIDs[current.conversation.externalId] == id {
                recentExternalIDs[current.conversation.externalId] = nil
            }
            recentConversations[id] = previous
            if let previous { recentExternalIDs[previous.conversation.externalId] = id }
        }
        for (phone, previous) in undoRoutes.reversed() { recentRoutes[phone] = previous }
        undoConversations.removeAll()
        undoRoutes.removeAll()
        turnConversations.removeAll()
        turnPhones.removeAll()
        turn += 1
    }

    // MARK: - Settings and departments

    public func settings() throws(StoreError) -> AccountSettings {
        var settings = AccountSettings()
        let rows = try read("SELECT key, value FROM settings")
        for row in 0..<rows.count {
            let key = rows.text(row, 0)
            if AccountSettings.numberKeys.contains(key) {
                settings.setNumber(key, rows.int(row, 1))
            } else {
                settings[key] = rows.int(row, 1) != 0
            }
        }
        let holidays = try read("SELECT date, name FROM holidays ORDER BY date COLLATE \"C\"")
        for row in 0..<holidays.count {
            if let day = CalendarDate.parse(holidays.text(row, 0)) {
                settings.holidays.append(Holiday(day: day, name: holidays.text(row, 1)))
            }
        }
        return settings
    }

    public func saveSettings(_ settings: AccountSettings) throws(StoreError) {
        for key in AccountSettings.keys {
            try write("INSERT INTO settings(key, value) VALUES ($1, $2) "
                      + "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                      [.text(key), .int(settings[key]! ? 1 : 0)])
        }
        for key in AccountSettings.numberKeys {
            try write("INSERT INTO settings(key, value) VALUES ($1, $2) "
                      + "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                      [.text(key), .int(settings.number(key)!)])
        }
        try write("DELETE FROM holidays", [])
        for holiday in settings.holidays {
            try write("INSERT INTO holidays(date, name) VALUES ($1, $2)",
                      [.text(CalendarDate.format(holiday.day)), .text(holiday.name)])
        }
    }

    public func departments() throws(StoreError) -> [Department] {
        let rows = try read("""
            SELECT id, name, strategy, offer_timeout, reply_timeout, wrap_up, priority_step, service_level,
                overflow_after, overflow_to, wait_alert
            FROM departments ORDER BY id COLLATE "C"
            """)
        return (0..<rows.count).map { row in
            var department = Department(id: rows.text(row, 0), name: rows.text(row, 1),
                                        strategy: Strategy(rawValue: rows.text(row, 2)) ?? .leastBusy,
                                        offerTimeout: rows.optionalInt(row, 3), replyTimeout: rows.optionalInt(row, 4),
                                        wrapUp: rows.int(row, 5))
            department.priorityStep = Int(rows.int(row, 6))
            department.serviceLevel = Int(rows.int(row, 7))
            if let after = rows.optionalInt(row, 8), let target = rows.optionalText(row, 9) {
                department.overflow = Overflow(after: after, department: target)
            }
            department.waitAlert = rows.optionalInt(row, 10)
            return department
        }
    }

    public func saveDepartment(_ department: Department, now: Instant) throws(StoreError) {
        try write("""
            INSERT INTO departments(id, name, strategy, created_at, offer_timeout, reply_timeout, wrap_up,
                priority_step, service_level, overflow_after, overflow_to, wait_alert)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
            ON CONFLICT (id) DO UPDATE SET name = excluded.name, strategy = excluded.strategy,
                offer_timeout = excluded.offer_timeout, reply_timeout = excluded.reply_timeout,
                wrap_up = excluded.wrap_up, priority_step = excluded.priority_step,
                service_level = excluded.service_level, overflow_after = excluded.overflow_after,
                overflow_to = excluded.overflow_to, wait_alert = excluded.wait_alert
            """, department.rowValues(createdAt: now))
    }

    public func deleteDepartment(_ id: String) throws(StoreError) {
        try write("DELETE FROM departments WHERE id = $1", [.text(id)])
    }
}
