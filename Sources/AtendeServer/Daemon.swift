// Daemon: atended's one loop. A single thread owns the router, the store and every connection (Redis's ae.c
// shape): epoll wakes it, and each turn is the same short list (`run`): what is due, the requests that arrived
// (each handler gets a `RequestContext`: the router, the store through the `Journal`, the `FanOut`), then
// `finishTurn`: the fan-out announces, the journal commits the one transaction that holds all of the turn's
// writes (group commit), and only then is any response or push of that turn released (durable before visible);
// with durability full the turn's output waits in the journal's DurableOutbox, whose thread fsyncs the WAL and
// writes it. Password hashing also runs elsewhere; its result comes back through an eventfd, and the connection
// that asked reads nothing more until then, so replies stay in order.
// Where things go: a new method is a `RequestContext` handler listed in `Daemon.methods`; a new push is a
// `FanOut` method (who hears it) called from a handler or from `apply` (for a router effect); a new timer kind
// lives in the router's deadline heap, and its due effects reach the server through `applyDueDeadlines`.

import AtendeCore
import AtendeProtocol
import AtendeStore
import Foundation
import CLinux
import Glibc
import Synchronization

/// The running daemon.
public final class Daemon {
    var config: Config
    let configPath: String?
    let environment: [String: String]
    let notify: SystemdNotify
    var nextHousekeeping: Instant
    /// The thread that owns everything below once `run` starts.
    let loop = LoopThread()
    /// The turn's writes and their durable release.
    let journal: Journal
    /// Who hears what, and the output the turn staged for them.
    let fanOut: FanOut
    var router = Router()
    /// The attendant part of the bots' `conversation.assigned` (Daemon+Offers.swift), its name read once from
    /// the store.
    var attendantTails: IDMap<AttendantID, [UInt8]> = [:]
    var settings = AccountSettings()
    /// An admin account is known to exist (`RequestContext.firstAdminNeeded` asks the store until one does).
    var adminAccountsExist = false
    var throttle = LoginThrottle()
    var nextConnectionID: UInt64 = 16
    /// Connections through the Unix socket; the others (TCP, WebSocket, HTTP) are the network's.
    var localConnections = 0
    var nextConversationID: ConversationID = 1
    /// The external ids and phones the store may hold, read once at start (see StoredKeys).
    var storedKeys: StoredKeys!
    /// Where the loop writes a conversation's JSON before copying it out (`conversationJSON`).
    let encodingScratch = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: 16 * 1024)
    /// The turn's time and its ISO 8601 text, for the conversations encoded in the turn (`conversationJSON`).
    var turnTime = InstantText.none
    /// The last conversation encoded, and its JSON (`conversationJSON`); no bytes while there is none. Not an
    /// optional: an optional of a struct this large is copied and destroyed through runtime witnesses.
    var lastEncoded = EncodedConversation(conversation: Conversation(id: 0, externalId: "", contactPhone: "",
                                                                     openedAt: Instant(millis: 0)), bytes: [])
    /// The JSON parser's stacks, kept from one request line to the next.
    var parseStacks = JSONParseStacks()
    /// The loop is holding requests back until a slow fsync ends (counted once per episode).
    var readsPaused = false
    var counters = Counters()
    /// Why the last rewrite of the metrics textfile failed (nil: it worked), so each failure is logged once.
    var metricsFileProblem: String?
    let startedAt: Instant

    let epoll: Int32
    var listener: Int32 = -1
    /// The socket file this daemon bound (device and inode), so that stopping removes only its own: a leader
    /// that froze, was replaced and then stopped must not remove its successor's.
    var listenerIdentity: UnixSocket.FileIdentity?
    let wakeup: Int32
    let signals: Int32
    let completions = Mailbox()
    var deferredFinishers: [UInt64: (any Sendable) -> Void] = [:]
    var nextToken: UInt64 = 1
    var stopping = false
    /// A reload changed the zone and the turn that says so has not committed yet (`announceTimeZone`).
    var zoneAnnouncementDue = false
    var drainingConnections: [Connection] = []
    var acceptPausedUntil: Instant?
    /// What reconnecting the sessions to a rebuilt router decided, applied at the start of the next turn.
    var reconnectEffects: [RouterEffect] = []
    var readBuffer = [UInt8](repeating: 0, count: 65536)
    /// The `http` and `listen` transports and the panel's web sessions (Daemon+Web.swift).
    var web = WebState()
    let daemonUID = geteuid()

    static let listenerToken: UInt64 = 1
    static let wakeupToken: UInt64 = 2
    static let signalToken: UInt64 = 3

    /// Opens the store, restores routing state and binds the socket. Blocks SIGTERM, SIGINT and SIGHUP for the
    /// process (call before starting other threads); they are read through a signalfd.
    public convenience init(config: Config, configPath: String? = nil, environment: [String: String] = [:]) throws {
        try self.init(config: config, configPath: configPath, environment: environment, faults: nil)
    }

    deinit { encodingScratch.deallocate() }

    /// As above, with `faults` injected by a test (nil: a debug build reads them from `environment`, a release
    /// build has none).
    init(config: Config, configPath: String?, environment: [String: String], faults: Faults?) throws {
        self.config = config
        self.configPath = configPath
        self.environment = environment
        notify = SystemdNotify(environment: environment)
        Log.level = config.logLevel
        var mask = sigset_t()
        sigemptyset(&mask)
        sigaddset(&mask, SIGTERM)
        sigaddset(&mask, SIGINT)
        sigaddset(&mask, SIGHUP)
        pthread_sigmask(SIG_BLOCK, &mask, nil)
        signal(SIGPIPE, SIG_IGN)
        signal(SIGXFSZ, SIG_IGN)
        var files = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &files) == 0 && files.rlim_cur < files.rlim_max {
            files.rlim_cur = files.rlim_max  // connections are descriptors: take all the soft limit may have
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &files)
        }
        signals = try UnixSocket.check(signalfd(-1, &mask, Int32(SFD_NONBLOCK | SFD_CLOEXEC)), "signalfd")
        wakeup = try UnixSocket.check(eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC)), "eventfd")
        epoll = try UnixSocket.check(epoll_create1(Int32(EPOLL_CLOEXEC)), "epoll_create1")
        let clock = Daemon.now()
        startedAt = clock
        nextHousekeeping = clock
        let store = try Daemon.openStore(config, notify: notify, signals: signals, wakeup: wakeup)
        for collision in store.loginKeyCollisions {
            Log.warn("this login is another account's once normalized (NFC, lower case): it keeps its older key, "
                     + "and only the other account logs in as typed; rename one of the two",
                     ["account": collision.kind, "id": collision.id, "login": collision.login])
        }
        var outbox: DurableOutbox?
        // PostgreSQL: every turn's output waits for its commit's result, whatever the durability.
        if (store as? Store)?.defersSync ?? true {
            let faults = faults ?? Faults(environment: environment)
            outbox = DurableOutbox(wakeLoop: wakeup, failForTests: faults.failFsync,
                                   delayForTests: faults.fsyncDelayMicros)
        }
        journal = Journal(store: store, outbox: outbox, notify: notify, loop: loop)
        fanOut = FanOut(loop: loop)
        // The time now, not `clock`: a PostgreSQL standby waited in `openStore` until it led (maybe for days), and
        // the graces loading starts must run from the moment the daemon serves.
        _ = try loadState(now: Daemon.now())
        fanOut.announcedPotentials = router.potentialsVersion  // what was loaded is no change
        storedKeys = try StoredKeys(store: store, expected: Int(nextConversationID))
        malloc_trim(0)  // what loading freed goes back to the kernel (the loop keeps freed memory: see `mallopt`)
        if config.durability == .full { try journal.sqlite?.syncFiles() }
        journal.checkpointer = try journal.sqlite?.startCheckpointer()
        // A standby that ended a frozen leader's session takes the path over from it: its socket still accepts
        // connections that nobody answers. Any other live socket is another daemon's, and refused.
        listener = try UnixSocket.listen(path: config.socket, mode: config.socketMode,
                                         replacingLive: journal.postgres?.endedFrozenLeader == true)
        listenerIdentity = UnixSocket.FileIdentity(path: config.socket)
        watch(listener, token: Daemon.listenerToken, events: UInt32(EPOLLIN.rawValue))
        try openRemoteListeners()
        watch(wakeup, token: Daemon.wakeupToken, events: UInt32(EPOLLIN.rawValue))
        watch(signals, token: Daemon.signalToken, events: UInt32(EPOLLIN.rawValue))
        if journal.sqlite != nil && !Database.gathersWAL {
            Log.warn("the WAL-gathering VFS could not be registered: SQLite's default VFS writes each WAL frame in two")
        }
        Log.info("listening", ["socket": config.socket, "database": config.database,
                               "durability": config.durability.rawValue,
                               "waiting": router.departmentIDs.reduce(0) { $0 + router.waitingCount(in: $1) },
                               "potentials": router.potentialCount])
        if config.http != nil, let admins = try? journal.store.admins(), admins.isEmpty {
            // Nobody can log in to the panel yet: say how the first admin is made, where `make run` shows it.
            Log.warn("no admin account yet: the web panel needs one",
                     ["create": "atendectl admin add --name 'NAME SURNAME' --login LOGIN"])
        }
        notify.send("READY=1\nSTATUS=serving on \(config.socket)\nMAINPID=\(getpid())")
        Log.beginBuffering()
    }

    /// Wall-clock time now.
    static func now() -> Instant {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Instant(millis: Int64(spec.tv_sec) * 1000 + Int64(spec.tv_nsec) / 1_000_000)
    }

    /// Rebuilds the router from the store (at start, and after a failed commit).
    /// Returns the effects of reconnecting the open sessions (waiting chats may flow to them), for the caller to
    /// apply.
    func loadState(now: Instant) throws -> [RouterEffect] {
        // Everything is read into a new router first: if the store cannot be read, the router in memory stays
        // as it was. The open conversations go into it as they are read (no array of them), read on a thread of
        // their own meanwhile (RecoveryReader).
        let store = journal.store
        adminAccountsExist = false  // asked again (a turn that made the first one may have been rolled back)
        let settings = try store.settings()
        let attendants = try store.attendants()
        let departments = try store.departments()
        let rebuilt = Router()
        rebuilt.beginRestore(departments: departments, attendants: attendants.map { $0.routingProfile(settings) },
                             now: now)
        try RecoveryReader.read(store, count: { rebuilt.reserveConversations($0) },
                                each: { rebuilt.restoreConversation($0, now: now) })
        let wrapping = try store.wrappingConversations()
        let graces = try store.graces()
        let away = try store.awayAttendants()
        let missedOffers = try store.missedOffers()
        let nextID = try store.maxConversationID() + 1
        rebuilt.finishRestore(wrapping: wrapping, graces: graces, away: away, missedOffers: missedOffers)
        router = rebuilt
        self.settings = settings
        configureRouter()
        nextConversationID = nextID
        var effects: [RouterEffect] = []
        for (attendant, ids) in fanOut.sessions where !ids.isEmpty {
            for _ in ids { effects += router.connect(attendant, online: !fanOut.away.contains(attendant), now: now) }
        }
        // Attendants who hold chats and are not connected, with no grace stored (they were connected when the
        // daemon stopped, or the turn that would have stored it failed), get the presence grace from now. Kept in
        // memory only: a write here would fail again with a store that refuses writes, and each failed turn reloads
        // the state, so the daemon would do nothing but fail; a restart within the grace starts it again.
        _ = router.startGracesAfterRestart(now: now)
        return effects
    }

    func watch(_ fd: Int32, token: UInt64, events: UInt32, modify: Bool = false) {
        var event = epoll_event()
        event.events = events
        event.data.u64 = token
        epoll_ctl(epoll, modify ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &event)
    }

    // MARK: - The loop

    /// Runs until SIGTERM or SIGINT, then drains, flushes and removes the socket file.
    public func run() {
        loop.claim()
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        var stopDeadline: Instant?
        var spin = false
        while true {
            if journal.holdsTooMuch {
                if !readsPaused { counters.readPauses += 1 }
                readsPaused = true
                waitForSync()  // a slow disk: hold new requests rather than buffer their output without bound
                continue
            }
            readsPaused = false
            let (count, quick) = waitForEvents(&events, spin: spin)
            spin = quick
            let now = Daemon.now()
            if turnTime.millis != now.millis { turnTime = InstantText(now) }
            // The turn, in order: what is due, the requests that arrived (each through the router, its writes
            // into the journal's transaction, its pushes staged on the fan-out), then the commit and the release.
            applyReconnections(now: now)
            applyDueDeadlines(now: now)
            applyDueKeepalives(now: now)  // WebSocketKeepalive.swift
            if count > 0 { for index in 0..<Int(count) { handle(events[index], now: now) } }
            finishTurn(now: now)
            housekeepingAfterTurn(now: now)
            if stopping {
                if stopDeadline == nil { stopDeadline = now + 5000 }
                let busy = journal.isHolding
                    || fanOut.connections.values.contains { $0.waiting || $0.pendingOutput > 0 }
                if !busy || now >= stopDeadline! { break }
            }
        }
        shutdown()
    }

    /// Waits for events; `quick` says they came within `pollMicros` (config). Under load the next requests are usually
    /// less than a fsync and a round trip away: a loop that went to sleep in between is woken for each of them, a
    /// wake from another CPU that costs the client that sends and delays the turn. So while events keep coming
    /// that fast, the loop polls for them a short while first, yielding the CPU to anything else runnable on it
    /// at each poll; once they come slower it sleeps at once, so a quiet or idle daemon does not spin.
    private func waitForEvents(_ events: inout [epoll_event], spin: Bool) -> (count: Int32, quick: Bool) {
        let timeout = sleepTimeout(now: Daemon.now())
        let window = Int64(config.pollMicros)
        let start = monotonicMicros()
        if spin && timeout != 0 && window > 0 {
            repeat {
                let count = epoll_wait(epoll, &events, Int32(events.count), 0)
                if count != 0 { return (count, count > 0) }
                sched_yield()
            } while monotonicMicros() - start < window
        }
        let count = epoll_wait(epoll, &events, Int32(events.count), timeout)
        return (count, count > 0 && monotonicMicros() - start < window)
    }

    private func monotonicMicros() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Int64(spec.tv_sec) * 1_000_000 + Int64(spec.tv_nsec) / 1000
    }

    /// How long the loop may sleep: until the router's next deadline or housekeeping, and not at all while a turn
    /// has something left to do.
    private func sleepTimeout(now clock: Instant) -> Int32 {
        let deadline = min(router.nextDeadline ?? nextHousekeeping, nextHousekeeping)
        var timeout = Int32(clamping: max(0, deadline.millis - clock.millis))
        if stopping { timeout = 20 }
        if !drainingConnections.isEmpty { timeout = min(timeout, 500) }
        // Header deadlines and a paused accept are looked at by sweepWebClients.
        if !web.clients.isEmpty || web.remoteAcceptPausedUntil != nil { timeout = min(timeout, 250) }
        if let due = web.keepalive.nextDue {
            timeout = min(timeout, Int32(clamping: max(0, due.millis - clock.millis)))
        }
        if !reconnectEffects.isEmpty || journal.store.inTransaction || fanOut.hasStaged { timeout = 0 }
        if let paused = acceptPausedUntil {
            timeout = min(timeout, Int32(clamping: max(0, paused.millis - clock.millis)))
        }
        return timeout
    }

    /// What reconnecting the sessions to a rebuilt router decided (after a failed turn).
    private func applyReconnections(now: Instant) {
        guard !reconnectEffects.isEmpty else { return }
        let effects = reconnectEffects
        reconnectEffects = []
        apply(effects, now: now)
    }

    /// The router's timers that are due (working-hours boundaries): their effects join this turn.
    private func applyDueDeadlines(now: Instant) {
        if let deadline = router.nextDeadline, deadline <= now { apply(router.tick(now: now), now: now) }
    }

    /// The loop's own upkeep between turns: the WAL's rewind, accepting again, periodic work, drains.
    private func housekeepingAfterTurn(now: Instant) {
        journal.sqlite?.rewindWALIfLong()
        if let paused = acceptPausedUntil, now >= paused, listener >= 0 {
            acceptPausedUntil = nil
            watch(listener, token: Daemon.listenerToken, events: UInt32(EPOLLIN.rawValue))
        }
        if now >= nextHousekeeping { housekeeping(now: now) }
        if !drainingConnections.isEmpty { closeDrained(now: now) }
        sweepWebClients(now: now)
    }

    /// Waits (up to 100 ms) for off-loop work to finish, reading no client meanwhile, and runs what finished.
    func waitForSync() {
        var ready = pollfd(fd: wakeup, events: Int16(POLLIN), revents: 0)
        guard poll(&ready, 1, 100) > 0 else { return }
        runCompletions(now: Daemon.now())
    }

    func handle(_ event: epoll_event, now: Instant) {
        switch event.data.u64 {
        case Daemon.listenerToken:
            acceptConnections(now: now)
        case Daemon.wakeupToken:
            runCompletions(now: now)
        case Daemon.signalToken:
            var info = signalfd_siginfo()
            while read(signals, &info, MemoryLayout<signalfd_siginfo>.size) > 0 {
                if info.ssi_signo == UInt32(SIGHUP) {
                    reload()
                } else if !stopping {
                    Log.info("stopping", ["signal": info.ssi_signo == UInt32(SIGTERM) ? "SIGTERM" : "SIGINT"])
                    beginStop()
                }
            }
        case Daemon.tcpListenerToken, Daemon.httpListenerToken:
            _ = handleRemoteEvent(event, now: now)
        default:
            guard let connection = fanOut.connections[event.data.u64] else {
                _ = handleRemoteEvent(event, now: now)  // an HTTP client that has not upgraded
                return
            }
            let flags = event.events
            if flags & UInt32(EPOLLOUT.rawValue) != 0 {
                if !connection.flush() { disconnect(connection, now: now, reason: "write failed"); return }
                if connection.readyToClose {
                    beginDrain(connection, now: now)
                }
                updateInterest(connection)
            }
            if connection.waiting && flags & UInt32(EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 {
                disconnect(connection, now: now, reason: "peer hung up")  // epoll reports it even with reads paused
                return
            }
            if flags & UInt32(EPOLLIN.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 {
                readFrom(connection, now: now)
            }
        }
    }

    /// Periodic work: the metrics textfile, the systemd watchdog, a status line.
    func housekeeping(now: Instant) {
        writeMetricsFile(now: now)
        var interval: Int64 = config.metricsFile == nil ? 60_000 : 5000
        if let watchdog = notify.watchdogIntervalMillis {
            notify.send("WATCHDOG=1")
            interval = min(interval, watchdog)
        }
        let waiting = router.departmentIDs.reduce(0) { $0 + router.waitingCount(in: $1) }
        notify.send("STATUS=\(fanOut.connections.count) connections, \(waiting) waiting, "
                    + "\(router.potentialCount) potentials")
        nextHousekeeping = now + interval
    }

    /// SIGHUP: re-reads the config file and applies what can change while running; says what needs a restart.
    func reload() {
        notify.send("RELOADING=1")
        defer { notify.send("READY=1") }
        let fresh: Config
        do {
            fresh = try Config.load(path: configPath, environment: environment)
        } catch {
            Log.error("reload refused, keeping the running config", ["error": "\(error)"])
            return
        }
        // The config table says which keys apply live (`Config.Key.live`).
        let (reloaded, applied, needsRestart) = config.reloaded(from: fresh)
        let zoneBefore = config.timezone
        config = reloaded
        configureRouter()
        if config.timezone != zoneBefore { zoneAnnouncementDue = true }
        Log.level = config.logLevel
        loadPanel()
        Log.info("config reloaded", ["applied": applied.isEmpty ? "nothing changed" : applied.joined(separator: ","),
                                     "needsRestart": needsRestart.isEmpty ? "none"
                                        : needsRestart.joined(separator: ",")])
        nextHousekeeping = Daemon.now()
    }

    /// `system.changed` (an atende addition): the account's zone changed with a reload, so every attendant and
    /// admin connection hears it at once (with the daemon's time, as `system.ping` answers), and an open panel shows
    /// times and "today" in the new zone without a reconnect. Bots do not: their events are the contract's. Staged
    /// at the end of a turn while `zoneAnnouncementDue`, which only a committed turn clears: a failed turn drops its
    /// pushes, and the next one sends it again.
    func announceTimeZone() {
        var w = JSONWriter(capacity: 96)
        w.beginObject()
        w.field("type", "system.changed")
        w.field("time", Daemon.now().iso8601)
        w.field("timezone", config.timezone)
        w.endObject()
        let push = RPCEncoder.notification(method: "event", params: w.bytes)
        for connection in fanOut.connections.values {
            switch connection.role {
            case .admin, .attendant: fanOut.stage(.push(push), for: connection)
            case .bot, .none: break
            }
        }
    }

    func beginStop() {
        notify.send("STOPPING=1\nSTATUS=stopping")
        stopping = true
        closeRemoteListeners()
        if listener >= 0 {
            epoll_ctl(epoll, EPOLL_CTL_DEL, listener, nil)
            close(listener)
            listener = -1
            UnixSocket.unlinkIfOurs(config.socket, listener: listenerIdentity)
        }
    }

    func shutdown() {
        // What is still with the outbox goes out first (a failed fsync there still ends in exit status 74).
        journal.outbox?.stop()
        finishRounds(now: Daemon.now())
        for connection in Array(fanOut.connections.values) {
            disconnect(connection, now: Daemon.now(), reason: "shutdown")
        }
        try? journal.store.commit()
        if let wal = journal.sqlite?.walFile, case let error = wal.sync(), error != 0 {
            journal.stopAfterFailedSync(String(cString: strerror(error)))
        }
        if let postgres = journal.postgres {
            if case let error = postgres.durabilityBarrier?.sync() ?? 0, error != 0 {
                journal.stopAfterLostDatabase(String(cString: strerror(error)))
            }
            postgres.close()
        }
        journal.checkpointer?.stop()
        if listener >= 0 {
            close(listener)
            UnixSocket.unlinkIfOurs(config.socket, listener: listenerIdentity)
        }
        Log.info("stopped")
    }

    // MARK: - Off-loop work

    /// Runs `work` on another thread (`queue`; by default the shared pool, where password hashing runs);
    /// `finish` runs on the loop with its result.
    func runOffLoop(on queue: DispatchQueue = .global(), _ work: @escaping @Sendable () -> any Sendable,
                    finish: @escaping (any Sendable) -> Void) {
        let token = nextToken
        nextToken += 1
        deferredFinishers[token] = finish
        let completions = self.completions
        let wakeup = self.wakeup
        queue.async {
            let value = work()
            completions.post(token, value)
            var one: UInt64 = 1
            _ = write(wakeup, &one, 8)
        }
    }

    /// Clears the wakeup and runs the finishers of the off-loop work that is done.
    func runCompletions(now: Instant) {
        var value: UInt64 = 0
        _ = read(wakeup, &value, 8)
        journal.stopIfDatabaseLost()
        finishRounds(now: now)
        for (token, value) in completions.takeAll() {
            deferredFinishers.removeValue(forKey: token)?(value)
        }
    }
}

/// Where off-loop work leaves its results for the loop.
final class Mailbox: Sendable {
    private let items = Mutex<[(token: UInt64, value: any Sendable)]>([])

    func post(_ token: UInt64, _ value: any Sendable) { items.withLock { $0.append((token, value)) } }

    func takeAll() -> [(token: UInt64, value: any Sendable)] {
        items.withLock { list in
            defer { list.removeAll() }
            return list
        }
    }
}

