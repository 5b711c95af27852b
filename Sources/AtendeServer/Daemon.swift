// Daemon: atended's one loop. A single thread owns the router, the store and every connection (Redis's ae.c
// shape): epoll wakes it, it reads and handles every request that arrived, and at the end of the turn it commits
// the SQLite transaction that holds all of the turn's writes (group commit) before releasing any response or push
// of that turn (durable before visible); with durability full the turn's output then waits in the DurableOutbox,
// whose thread fsyncs the WAL and writes it. Password hashing also runs elsewhere; its result comes back through
// an eventfd, and the connection that asked reads nothing more until then, so replies stay in order.

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
    let store: any DurableStore
    /// The store again, as the SQLite store or the PostgreSQL one (the other is nil), for what only one of them has.
    let sqlite: Store?
    let postgres: PostgresStore?
    var checkpointer: Checkpointer?
    var router = Router()
    var settings = AccountSettings()
    var connections: IDMap<UInt64, Connection> = [:]
    /// Bot connections that take every bot event, and those that take their own (`auth.bot {events}`).
    var bots: IDSet<UInt64> = []
    var ownBots: IDSet<UInt64> = []
    /// The `own` bot connection each open conversation belongs to (the last one that opened or sent for it).
    var conversationBots: IDMap<ConversationID, UInt64> = [:]
    /// Owners changed during the current turn, with the previous ones: put back if the turn fails.
    var ownershipUndo: [(ConversationID, UInt64?)] = []
    /// Sessions to end when the turn commits (`endSessions`).
    var sessionsToEnd: [(AttendantID, String)] = []
    var sessions: IDMap<AttendantID, IDSet<UInt64>> = [:]
    var away: IDSet<AttendantID> = []
    var throttle = LoginThrottle()
    var nextConnectionID: UInt64 = 16
    var nextConversationID: ConversationID = 1
    var touched: [Connection] = []
    /// `touched`'s buffer between turns (the two swap at delivery).
    var spareTouched: [Connection] = []
    var dirtyDepartments: IDSet<String> = []
    var dirtyAttendants: IDSet<AttendantID> = []
    var monitors: IDSet<UInt64> = []
    var lastEncoded: (conversation: Conversation, bytes: [UInt8])?
    /// The JSON parser's stacks, kept from one request line to the next.
    var parseStacks = JSONParseStacks()
    var announcedPotentials = -1
    var announced: IDMap<String, QueueSignature> = [:]
    var turnStorageError: StoreError?
    /// False after a failed turn whose state could not be reloaded: the router may then hold changes the store
    /// does not, and closes write whole rows again (`apply(closed:)`) until a reload succeeds.
    var routerMatchesStore = true
    /// Durability full: where each committed turn's output waits for its fsync (nil with durability normal).
    var outbox: DurableOutbox?
    /// The turns handed to the outbox and not back yet, oldest first: each connection, and whether the outbox
    /// may write its output itself (`DurableOutbox.Delivery.direct`).
    var handedTurns: [[(connection: Connection, direct: Bool)]] = []
    /// The loop is holding requests back until a slow fsync ends (counted once per episode).
    var readsPaused = false
    /// Durability normal: the WAL is synced ahead, off the loop (`syncAhead`).
    var syncAheadInFlight = false
    var syncedAheadCommits = 0
    var nextSyncAhead = Instant(millis: 0)
    /// The WAL's fsyncs of durability normal run here, on a thread of their own: on the shared pool they would
    /// queue behind password hashes.
    let syncQueue = DispatchQueue(label: "atende.fsync-ahead")
    /// Turns of output held for an fsync beyond which the loop stops reading requests until it completes.
    static let maxUnsyncedTurns = 256
    /// `store.changeCount` at the last commit or rollback: more since means the turn holds uncommitted changes.
    var changesAtCommit = 0
    var counters = Counters()
    let startedAt: Instant

    let epoll: Int32
    var listener: Int32 = -1
    let wakeup: Int32
    let signals: Int32
    let completions = Mailbox()
    var deferredFinishers: [UInt64: (any Sendable) -> Void] = [:]
    var nextToken: UInt64 = 1
    var stopping = false
    var drainingConnections: [Connection] = []
    var acceptPausedUntil: Instant?
    /// What reconnecting the sessions to a rebuilt router decided, applied at the start of the next turn.
    var reconnectEffects: [RouterEffect] = []
    var readBuffer = [UInt8](repeating: 0, count: 65536)
    let daemonUID = geteuid()

    static let listenerToken: UInt64 = 1
    static let wakeupToken: UInt64 = 2
    static let signalToken: UInt64 = 3

    /// Opens the store, restores routing state and binds the socket. Blocks SIGTERM, SIGINT and SIGHUP for the
    /// process (call before starting other threads); they are read through a signalfd.
    public init(config: Config, configPath: String? = nil, environment: [String: String] = [:]) throws {
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
        let paths = PostgresStore.isPostgres(config.database) ? [config.socket] : [config.database, config.socket]
        for directory in paths.map({ ($0 as NSString).deletingLastPathComponent }) {
            if !directory.isEmpty {
                try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
        }
        let clock = Daemon.now()
        startedAt = clock
        nextHousekeeping = clock
        store = try Daemon.openStore(config, notify: notify, signals: signals, wakeup: wakeup)
        sqlite = store as? Store
        postgres = store as? PostgresStore
        _ = try loadState(now: clock)
        malloc_trim(0)  // what loading freed goes back to the kernel (the loop keeps freed memory: see `mallopt`)
        if config.durability == .full { try sqlite?.syncFiles() }
        // PostgreSQL: every turn's output waits for its commit's result, whatever the durability.
        if sqlite?.defersSync ?? true {
            // The test suite's ways to a failing disk (ATENDE_TEST_FAIL_FSYNC=1: every fsync that acknowledgements
            // wait for reports EIO) and to a slow one (ATENDE_TEST_FSYNC_DELAY_MS: each waits this long first).
            outbox = DurableOutbox(
                wakeLoop: wakeup, failForTests: environment["ATENDE_TEST_FAIL_FSYNC"] == "1",
                delayForTests: environment["ATENDE_TEST_FSYNC_DELAY_MS"].flatMap { UInt32($0) }
                    .map { min($0, 10_000) * 1000 } ?? 0)
        }
        checkpointer = try sqlite?.startCheckpointer()
        listener = try UnixSocket.listen(path: config.socket, mode: config.socketMode)
        watch(listener, token: Daemon.listenerToken, events: UInt32(EPOLLIN.rawValue))
        watch(wakeup, token: Daemon.wakeupToken, events: UInt32(EPOLLIN.rawValue))
        watch(signals, token: Daemon.signalToken, events: UInt32(EPOLLIN.rawValue))
        if sqlite != nil && !Database.gathersWAL {
            Log.warn("the WAL-gathering VFS could not be registered: SQLite's default VFS writes each WAL frame in two")
        }
        Log.info("listening", ["socket": config.socket, "database": config.database,
                               "durability": config.durability.rawValue,
                               "waiting": router.departmentIDs.reduce(0) { $0 + router.waitingCount(in: $1) },
                               "potentials": router.potentialCount])
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
        // Read everything first: if the store cannot be read, the router in memory stays as it was.
        let settings = try store.settings()
        let attendants = try store.attendants()
        let departments = try store.departments()
        let conversations = try store.openConversations()
        let nextID = try store.maxConversationID() + 1
        router = Router()
        router.restore(departments: departments, attendants: attendants.map(\.profile),
                       conversations: conversations, now: now)
        self.settings = settings
        nextConversationID = nextID
        var effects: [RouterEffect] = []
        for (attendant, ids) in sessions where !ids.isEmpty {
            for _ in ids { effects += router.connect(attendant, online: !away.contains(attendant), now: now) }
        }
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
        var events = [epoll_event](repeating: epoll_event(), count: 256)
        var stopDeadline: Instant?
        while true {
            var timeout: Int32 = -1
            let clock = Daemon.now()
            let deadline = min(router.nextDeadline ?? nextHousekeeping, nextHousekeeping)
            timeout = Int32(clamping: max(0, deadline.millis - clock.millis))
            if stopping { timeout = 20 }
            if !drainingConnections.isEmpty { timeout = min(timeout, 500) }
            if !reconnectEffects.isEmpty || store.inTransaction || !touched.isEmpty { timeout = 0 }
            if let paused = acceptPausedUntil {
                timeout = min(timeout, Int32(clamping: max(0, paused.millis - clock.millis)))
            }
            if handedTurns.count >= Daemon.maxUnsyncedTurns {
                if !readsPaused { counters.readPauses += 1 }
                readsPaused = true
                waitForSync()  // a slow disk: hold new requests rather than buffer their output without bound
                continue
            }
            readsPaused = false
            let count = epoll_wait(epoll, &events, Int32(events.count), timeout)
            let now = Daemon.now()
            if !reconnectEffects.isEmpty {
                let effects = reconnectEffects
                reconnectEffects = []
                apply(effects, now: now)
            }
            if let deadline = router.nextDeadline, deadline <= now { apply(router.tick(now: now), now: now) }
            if count > 0 {
                for index in 0..<Int(count) { handle(events[index], now: now) }
            }
            finishTurn(now: now)
            sqlite?.rewindWALIfLong()
            if let paused = acceptPausedUntil, now >= paused, listener >= 0 {
                acceptPausedUntil = nil
                watch(listener, token: Daemon.listenerToken, events: UInt32(EPOLLIN.rawValue))
            }
            if now >= nextHousekeeping { housekeeping(now: now) }
            if !drainingConnections.isEmpty { closeDrained(now: now) }
            if stopping {
                if stopDeadline == nil { stopDeadline = now + 5000 }
                let busy = !handedTurns.isEmpty
                    || connections.values.contains { $0.waiting || $0.pendingOutput > 0 }
                if !busy || now >= stopDeadline! { break }
            }
        }
        shutdown()
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
        default:
            guard let connection = connections[event.data.u64] else { return }
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
        notify.send("STATUS=\(connections.count) connections, \(waiting) waiting, \(router.potentialCount) potentials")
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
        var applied: [String] = []
        var needsRestart: [String] = []
        func live<T: Equatable>(_ name: String, _ path: WritableKeyPath<Config, T>) {
            if config[keyPath: path] != fresh[keyPath: path] {
                config[keyPath: path] = fresh[keyPath: path]
                applied.append(name)
            }
        }
        func fixed<T: Equatable>(_ name: String, _ path: KeyPath<Config, T>) {
            if config[keyPath: path] != fresh[keyPath: path] { needsRestart.append(name) }
        }
        live("botToken", \.botToken)
        live("adminToken", \.adminToken)
        live("timezone", \.timezone)
        live("defaultMaxChats", \.defaultMaxChats)
        live("maxLineBytes", \.maxLineBytes)
        live("maxConnections", \.maxConnections)
        live("logLevel", \.logLevel)
        live("passwordCost", \.passwordCost)
        live("maxOutputBytes", \.maxOutputBytes)
        live("metricsFile", \.metricsFile)
        fixed("socket", \.socket)
        fixed("database", \.database)
        fixed("socketMode", \.socketMode)
        fixed("durability", \.durability)
        Log.level = config.logLevel
        Log.info("config reloaded", ["applied": applied.isEmpty ? "nothing changed" : applied.joined(separator: ","),
                                     "needsRestart": needsRestart.isEmpty ? "none"
                                        : needsRestart.joined(separator: ",")])
        nextHousekeeping = Daemon.now()
    }

    func beginStop() {
        notify.send("STOPPING=1\nSTATUS=stopping")
        stopping = true
        if listener >= 0 {
            epoll_ctl(epoll, EPOLL_CTL_DEL, listener, nil)
            close(listener)
            listener = -1
            unlink(config.socket)
        }
    }

    func shutdown() {
        // What is still with the outbox goes out first (a failed fsync there still ends in exit status 74).
        outbox?.stop()
        finishRounds(now: Daemon.now())
        for connection in Array(connections.values) { disconnect(connection, now: Daemon.now(), reason: "shutdown") }
        try? store.commit()
        if let wal = sqlite?.walFile, case let error = wal.sync(), error != 0 {
            stopAfterFailedSync(String(cString: strerror(error)))
        }
        if let postgres {
            if case let error = postgres.durabilityBarrier?.sync() ?? 0, error != 0 {
                stopAfterLostDatabase(String(cString: strerror(error)))
            }
            postgres.close()
        }
        checkpointer?.stop()
        if listener >= 0 {
            close(listener)
            unlink(config.socket)
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
        stopIfDatabaseLost()
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

