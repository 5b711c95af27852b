// RequestContext: what a method handler may reach, instead of the whole daemon: the caller's connection and the
// turn's time, the router, the store through the turn's journal, the fan-out (who hears what), the account
// settings and the config. Handlers are methods of this type (Methods+*.swift); the loop builds one per request.

import AtendeCore
import AtendeProtocol
import AtendeStore
import Glibc

/// One request's view of the daemon.
struct RequestContext {
    /// The loop that owns the router, the settings and the counters; reached only through the members below.
    private let daemon: Daemon
    /// The caller.
    let connection: Connection
    /// The turn's time.
    let now: Instant
    /// The turn's writes: the store, and the commit that makes them durable.
    let journal: Journal
    /// Who hears what: sessions, bots, monitors and the pushes staged for them.
    let fanOut: FanOut

    init(daemon: Daemon, connection: Connection, now: Instant) {
        daemon.loop.check()
        self.daemon = daemon
        self.connection = connection
        self.now = now
        journal = daemon.journal
        fanOut = daemon.fanOut
    }

    /// The same request's view at a later time (off-loop work finishing).
    func at(_ now: Instant) -> RequestContext { RequestContext(daemon: daemon, connection: connection, now: now) }

    /// The routing state.
    var router: Router {
        get { daemon.router }
        nonmutating _modify { yield &daemon.router }
    }

    /// The store; its writes join the turn's transaction.
    var store: any DurableStore { journal.store }

    var settings: AccountSettings {
        get { daemon.settings }
        nonmutating set { daemon.settings = newValue }
    }

    var config: Config { daemon.config }

    /// Whether the web panel still needs its first admin account: only with `http` configured, asked of the store
    /// until one exists, then remembered (`adminDelete` and a reload of the state forget it). A store that cannot
    /// answer is asked again next time, and meanwhile nothing is said.
    var firstAdminNeeded: Bool {
        guard config.http != nil, !daemon.adminAccountsExist else { return false }
        guard let admins = try? store.admins() else { return false }
        daemon.adminAccountsExist = !admins.isEmpty
        return admins.isEmpty
    }

    /// The last admin account may have gone: `firstAdminNeeded` asks the store again.
    func forgetAdminAccounts() { daemon.adminAccountsExist = false }

    /// The external ids and phones the store may hold.
    var storedKeys: StoredKeys { daemon.storedKeys }

    var counters: Counters {
        get { daemon.counters }
        nonmutating _modify { yield &daemon.counters }
    }

    var throttle: LoginThrottle {
        get { daemon.throttle }
        nonmutating _modify { yield &daemon.throttle }
    }

    /// The id the next opened conversation takes.
    var nextConversationID: ConversationID {
        get { daemon.nextConversationID }
        nonmutating set { daemon.nextConversationID = newValue }
    }

    /// The daemon's own user id (its peers of the same user may act as admin or bot without a token).
    var daemonUID: uid_t { daemon.daemonUID }

    /// Carries out router effects: rows through the journal, pushes through the fan-out.
    func apply(_ effects: [RouterEffect], now: Instant, opened: ConversationID? = nil,
               closed: ConversationID? = nil) {
        daemon.apply(effects, now: now, opened: opened, closed: closed)
    }

    /// Drops a connection's role (an attendant's session ends).
    func endSession(_ connection: Connection, now: Instant) { daemon.endSession(connection, now: now) }

    /// The conversation as JSON (the last encoding is kept).
    func conversationJSON(_ conversation: Conversation) -> [UInt8] { daemon.conversationJSON(conversation) }

    /// An `event` push about a conversation.
    func event(_ type: String, _ conversation: Conversation, message: Message? = nil) -> [UInt8] {
        daemon.event(type, conversation, message: message)
    }

    /// The metrics in the Prometheus text format.
    func renderMetrics(now: Instant) -> String { daemon.renderMetrics(now: now) }

    /// The web transports' state: the panel's web sessions, admin accounts being deleted (Daemon+Web.swift).
    var web: WebState {
        get { daemon.web }
        nonmutating _modify { yield &daemon.web }
    }

    /// Logs `connection` in to an attendant whose password was checked; returns the result of `auth.login`.
    func logIn(_ connection: Connection, attendant record: AttendantRecord, now: Instant) throws -> [UInt8] {
        try daemon.logIn(connection, attendant: record, now: now)
    }

    /// Logs `connection` in to an admin account whose password was checked; returns the result of `auth.login`.
    func logIn(_ connection: Connection, admin record: AdminRecord, now: Instant) throws -> [UInt8] {
        try daemon.logIn(connection, admin: record, now: now)
    }
}
