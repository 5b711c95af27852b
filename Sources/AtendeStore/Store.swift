// Store: atende's SQLite file. WAL, foreign keys, migrations by user_version, and one transaction per loop turn:
// the server calls `write` for each change (opening the turn's transaction on the first one) and `commit` once
// at the end of the turn, before any response of that turn leaves. `durability` picks fsync on every commit
// (synchronous=FULL: survives power loss) or not (NORMAL: survives a process crash).

import AtendeCore
import CSQLite
import Glibc

/// How hard a commit holds on to the data.
public enum Durability: String, Sendable, CaseIterable {
    /// fsync before acknowledging: survives power loss.
    case full
    /// no fsync per commit (WAL): survives a crash of the process, may lose the last commits on power loss.
    case normal
}

/// The database of one atended.
public final class Store {
    /// The connection (exposed for tests and maintenance commands).
    public private(set) var database: Database
    public private(set) var loginKeyCollisions: [LoginKeyCollision] = []
    /// Where the file is.
    public let path: String
    let durability: Durability
    let busyTimeoutMillis: Int
    private var suspect = false
    /// Set by `startCheckpointer`: the loop then lets the WAL start over itself (`rewindWALIfLong`).
    var backgroundCheckpointer: Checkpointer?
    var checkpointsInBackground: Bool { backgroundCheckpointer != nil }
    let walLength = WALLength()
    /// The WAL length (frames of a page and 24 bytes) at which the loop finishes a checkpoint so the WAL starts
    /// over: `walRestartBytes` of pages, whatever the file's page size.
    public var walRestartFrames = 16384
    /// About 16 MiB of WAL between rewinds: the loop copies at most a sixteenth of it itself (`walRewindTail`).
    static let walRestartBytes = 16 << 20
    var nextRewindAttempt = 0
    /// Checkpoints the loop tried itself to let the WAL start over (some meet a busy checkpoint lock).
    public internal(set) var walRewindAttempts = 0
    /// At most this many frames are left for the loop to copy when the WAL starts over (see `rewindWALIfLong`).
    public var walRewindTail: Int { max(1, walRestartFrames / 16) }
    /// False: the loop copies everything the timer's passes left, without asking for one first (tests compare).
    public var handsCopyingToBackground = true
    /// The WAL's length in frames after the last commit (0 until the first commit with a Checkpointer).
    public var walFrames: Int { walLength.frames }

    /// With durability full: true when commits leave the fsync to the caller, who must call `walFile?.sync()`
    /// (from any thread) after a commit and before anything that commit changed becomes visible. The server
    /// does it on another thread so the loop keeps working while the disk syncs (group commit, pipelined).
    public let defersSync: Bool
    /// The WAL, open from the start (so a later shortage of descriptors cannot stop a sync).
    public private(set) var walFile: WALFile?
    /// Bytes of committed transactions the WAL-gathering VFS still held after their commit and wrote afterwards
    /// (0 unless SQLite writes frames as the VFS does not expect).
    public private(set) var lateWALBytes = 0
    /// A write of the WAL failed, since the last commit or rollback, and SQLite still counted the commit as done
    /// (it passes such errors on, so this takes one it ignored, or the late write after the commit): the file may
    /// not hold what memory and SQLite do. The caller must stop without acknowledging the commit (as after a
    /// failed fsync); a restart recovers what is on disk.
    public private(set) var lostCommittedFrames = false

    /// Opens the store, sets WAL and foreign keys, and migrates. `defersSync` (durability full only): see above.
    public init(path: String, durability: Durability = .full, defersSync: Bool = false,
                busyTimeoutMillis: Int = 200) throws(StoreError) {
        self.path = path
        self.durability = durability
        self.defersSync = defersSync && durability == .full
        self.busyTimeoutMillis = busyTimeoutMillis
        database = try Database(path: path)
        try configure(database)
        try Schema.migrate(database)
        loginKeyCollisions = try rekeyLogins()
        walRestartFrames = Self.walRestartBytes / max(512, Int(try database.scalar("PRAGMA page_size") ?? 4096))
        walFile = try openWALFile()
    }

    /// Brings each account's `login_key` to what `Login.key` gives today. Keys became NFC: a login once stored
    /// decomposed ("jose" + U+0301) had a key that a login typed today no longer finds. A key another account
    /// already holds is left as it was (the two look-alike accounts stay apart until an admin renames one).
    private func rekeyLogins() throws(StoreError) -> [LoginKeyCollision] {
        var collisions: [LoginKeyCollision] = []
        for (table, kind) in [("attendants", "attendant"), ("admins", "admin")] {
            var stale: [(id: Int64, login: String, key: String)] = []
            let rows = try database.cached("SELECT id, login, login_key FROM \(table)")
            defer { rows.reset() }
            while try rows.step() {
                // By bytes: Swift's == holds "josé" and "jose" + U+0301 equal, the database's UNIQUE does not.
                let key = Login.key(rows.text(1))
                if !key.utf8.elementsEqual(rows.text(2).utf8) { stale.append((rows.int(0), rows.text(1), key)) }
            }
            rows.reset()
            for (id, login, key) in stale {
                try database.run("UPDATE OR IGNORE \(table) SET login_key = ? WHERE id = ?", [.text(key), .int(id)])
                if database.changes == 0 { collisions.append(LoginKeyCollision(kind: kind, id: id, login: login)) }
            }
        }
        return collisions
    }

    /// The WAL's descriptor. Without `defersSync` it only lets the server sync ahead: not worth failing for.
    private func openWALFile() throws(StoreError) -> WALFile? {
        defersSync ? try WALFile(path: path + "-wal") : try? WALFile(path: path + "-wal")
    }

    /// fdatasyncs the WAL and the database file: at start, what an earlier process committed without an fsync
    /// (it was killed while one ran, or migrations just ran) becomes durable before anything is shown.
    public func syncFiles() throws(StoreError) {
        for file in [path + "-wal", path] where access(file, F_OK) == 0 {
            let error = try WALFile(path: file).sync()
            guard error == 0 else {
                throw StoreError(code: SQLITE_IOERR, message: "fsync of \(file) failed: \(String(cString: strerror(error)))")
            }
        }
    }

    /// The size of SQLite's page cache per connection, in KiB.
    static let pageCacheKiB = 32768

    private func configure(_ database: Database) throws(StoreError) {
        sqlite3_busy_timeout(database.handle, Int32(busyTimeoutMillis))
        // New databases get 4 KiB pages (an existing file keeps the size it was made with). A commit writes every
        // page it touched to the WAL, so smaller pages would copy and checksum fewer bytes; but the WAL-gathering
        // VFS sends a commit's frames in one write whatever their number, and with 1 KiB pages the same rows
        // take four times the frames, B-tree levels and splits, and page-cache entries: the loop spends more.
        try database.execute("PRAGMA page_size = 4096")
        let mode = try database.text("PRAGMA journal_mode = WAL")
        guard mode?.lowercased() == "wal" else {
            throw StoreError(code: 0, message: "journal_mode is \(mode ?? "unknown"), expected wal: \(path)")
        }
        try database.execute("PRAGMA foreign_keys = ON")
        // SQLite's own page cache, 2 MiB by default, is smaller than one turn of a backlog drained in priority
        // order: those chats' rows lie on scattered pages, the turn's dirty pages spilled to the WAL before its
        // commit and each missed page was read back through the kernel. 32 MiB holds a turn of a 100k backlog's
        // scattered pages; it fills only as pages are read.
        try database.execute("PRAGMA cache_size = -\(Self.pageCacheKiB)")
        // NORMAL in WAL mode syncs at checkpoints only; with `defersSync` the caller syncs each commit's frames.
        try database.execute("PRAGMA synchronous = \(durability == .full && !defersSync ? "FULL" : "NORMAL")")
        // A WAL that grew past this during a burst is cut back to it when it starts over (well above the rewind
        // point, `walRestartBytes`, so that a normal rewind keeps the file).
        try database.execute("PRAGMA journal_size_limit = 134217728")
        // SQLite's own default (Debian builds it with secure delete on): zeroing what a write removes from a page
        // costs every close (its row rewritten, its open-index entry deleted), and erases nothing the WAL does not
        // still hold until its next rewind anyway.
        try database.execute("PRAGMA secure_delete = OFF")
        if checkpointsInBackground {
            try database.execute("PRAGMA wal_autocheckpoint = 0")
            walLength.observe(database)
        }
    }

    /// Says the connection met a fault that SQLite keeps (a read-only or failing file): the next write opens the
    /// file again first, so it succeeds as soon as the fault is cleared.
    public func markSuspect() { suspect = true }

    /// SQLite creates the -wal and -shm files with the database file's mode. When an operator makes a read-only
    /// database writable again, the sidecars it left read-only would keep every write failing: give them the
    /// database file's mode again (only when the database file itself is writable to us).
    private func matchSidecarModes() {
        var info = stat()
        guard access(path, W_OK) == 0, stat(path, &info) == 0 else { return }
        for suffix in ["-wal", "-shm"] where access(path + suffix, F_OK) == 0 && access(path + suffix, W_OK) != 0 {
            chmod(path + suffix, info.st_mode & 0o777)
        }
    }

    private func reopenIfSuspect() throws(StoreError) {
        guard suspect, !database.inTransaction else { return }
        matchSidecarModes()
        let fresh = try Database(path: path)  // on failure the old connection stays, still usable for reads
        try configure(fresh)
        let freshWAL = try openWALFile()
        database.close()
        database = fresh
        walFile = freshWAL
        suspect = false
    }

    // MARK: - The turn's transaction

    /// True while the turn's transaction is open, or while a failed write of queued rows waits to fail the commit
    /// (a failing statement can make SQLite roll the transaction back itself, and a read whose caller lets
    /// errors go may have met it).
    public var inTransaction: Bool { database.inTransaction || deferredFailure != nil }

    /// Rows queued to be written many to a statement (DeferredRows.swift), and the error writing them met.
    var deferred = DeferredRows()
    var deferredFailure: StoreError?
    /// True while `writeDeferred` runs.
    var writingDeferred = false

    /// Counts calls to `write`, so the server can tell which requests changed something.
    public private(set) var writeCount = 0

    /// Counts writes that succeeded (their changes wait in the open transaction until it commits).
    public private(set) var changeCount = 0

    /// Runs `body` inside the turn's transaction, opening it when needed. Use for every write.
    public func write<T>(_ body: () throws(StoreError) -> T) throws(StoreError) -> T {
        // Rows written from the queue were counted as they were queued.
        if !writingDeferred { writeCount += 1 }
        // The turn has already failed: no write of it may start a transaction of its own.
        if let deferredFailure { throw deferredFailure }
        if !database.inTransaction {
            try reopenIfSuspect()
            try database.cachedLiteral("BEGIN IMMEDIATE").stepToEnd()
        }
        let result = try body()
        if !writingDeferred { changeCount += 1 }
        return result
    }

    /// Commits the turn's transaction, when one is open.
    public func commit() throws(StoreError) {
        guard inTransaction else { return }
        do {
            try writeDeferred()
            try database.cachedLiteral("COMMIT").stepToEnd()
        } catch {
            rollback()
            throw error
        }
        // The commit frame's write sends the whole transaction to the file; should SQLite ever write frames
        // otherwise, what is left goes now, before anyone syncs the WAL for this commit.
        let left = database.settleWAL()
        if left < 0 {
            lostCommittedFrames = true
        } else {
            lateWALBytes += Int(left)
        }
    }

    /// Abandons the turn's transaction.
    public func rollback() {
        discardDeferred()
        database.discardWAL()
        if database.inTransaction { try? database.execute("ROLLBACK") }
    }

    /// `PRAGMA integrity_check`'s answer ("ok" when sound).
    public func integrityCheck() throws(StoreError) -> String {
        try database.text("PRAGMA integrity_check") ?? "no answer"
    }

    // MARK: - Settings

    /// The account settings (defaults for what was never set).
    public func settings() throws(StoreError) -> AccountSettings {
        var settings = AccountSettings()
        let statement = try database.cached("SELECT key, value FROM settings")
        defer { statement.reset() }
        while try statement.step() {
            let key = statement.text(0)
            if AccountSettings.numberKeys.contains(key) {
                settings.setNumber(key, statement.int(1))
            } else {
                settings[key] = statement.int(1) != 0
            }
        }
        let holidays = try database.cached("SELECT date, name FROM holidays ORDER BY date")
        defer { holidays.reset() }
        while try holidays.step() {
            if let day = CalendarDate.parse(holidays.text(0)) {
                settings.holidays.append(Holiday(day: day, name: holidays.text(1)))
            }
        }
        return settings
    }

    /// Saves all settings.
    public func saveSettings(_ settings: AccountSettings) throws(StoreError) {
        try write { () throws(StoreError) in
            for key in AccountSettings.keys {
                try database.run("INSERT INTO settings(key, value) VALUES (?, ?) "
                                 + "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                                 [.text(key), .int(settings[key]! ? 1 : 0)])
            }
            for key in AccountSettings.numberKeys {
                try database.run("INSERT INTO settings(key, value) VALUES (?, ?) "
                                 + "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                                 [.text(key), .int(settings.number(key)!)])
            }
            try database.execute("DELETE FROM holidays")
            for holiday in settings.holidays {
                try database.run("INSERT INTO holidays(date, name) VALUES (?, ?)",
                                 [.text(CalendarDate.format(holiday.day)), .text(holiday.name)])
            }
        }
    }

    // MARK: - Departments

    /// Every department, by id.
    public func departments() throws(StoreError) -> [Department] {
        let statement = try database.cached(
            "SELECT id, name, strategy, offer_timeout, reply_timeout, wrap_up, priority_step, service_level, "
                + "overflow_after, overflow_to, wait_alert FROM departments ORDER BY id")
        defer { statement.reset() }
        var result: [Department] = []
        while try statement.step() {
            var department = Department(id: statement.text(0), name: statement.text(1),
                                        strategy: Strategy(rawValue: statement.text(2)) ?? .leastBusy,
                                        offerTimeout: statement.optionalInt(3), replyTimeout: statement.optionalInt(4),
                                        wrapUp: statement.int(5))
            department.priorityStep = Int(statement.int(6))
            department.serviceLevel = Int(statement.int(7))
            if let after = statement.optionalInt(8), let target = statement.optionalText(9) {
                department.overflow = Overflow(after: after, department: target)
            }
            department.waitAlert = statement.optionalInt(10)
            result.append(department)
        }
        return result
    }

    /// Inserts or updates a department.
    public func saveDepartment(_ department: Department, now: Instant) throws(StoreError) {
        try write { () throws(StoreError) in
            try database.run("""
                INSERT INTO departments(id, name, strategy, created_at, offer_timeout, reply_timeout, wrap_up,
                    priority_step, service_level, overflow_after, overflow_to, wait_alert)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET name = excluded.name, strategy = excluded.strategy,
                    offer_timeout = excluded.offer_timeout, reply_timeout = excluded.reply_timeout,
                    wrap_up = excluded.wrap_up, priority_step = excluded.priority_step,
                    service_level = excluded.service_level, overflow_after = excluded.overflow_after,
                    overflow_to = excluded.overflow_to, wait_alert = excluded.wait_alert
                """, department.rowValues(createdAt: now))
        }
    }

    /// Deletes a department.
    public func deleteDepartment(_ id: String) throws(StoreError) {
        try write { () throws(StoreError) in try database.run("DELETE FROM departments WHERE id = ?", [.text(id)]) }
    }
}

extension Statement {
    /// Steps until the statement is done, and rewinds it (its next use clears the bindings).
    func stepToEnd() throws(StoreError) {
        defer { rewind() }
        while try step() {}
    }
}

/// An open descriptor of the WAL (or, at start, the database file), for fdatasync from another thread. It stays
/// open while a sync uses it, even when the store has moved on to a new one.
public final class WALFile: Sendable {
    let fd: Int32

    init(path: String) throws(StoreError) {
        fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw StoreError(code: SQLITE_CANTOPEN, message: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        // The file may be new: its directory entry must be on disk too (SQLite's FULL mode does this itself).
        let directory = path.lastIndex(of: "/").map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let dirFD = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFD >= 0 {
            fsync(dirFD)
            close(dirFD)
        }
    }

    deinit { close(fd) }

    /// fdatasync: 0, or the errno of the failure.
    public func sync() -> Int32 {
        while fdatasync(fd) != 0 {
            if errno != EINTR { return errno }
        }
        return 0
    }
}
