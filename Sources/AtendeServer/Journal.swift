// Journal: a turn's writes and how they become durable before anything of the turn is shown. It owns the store
// (every write of a turn goes into one SQLite transaction), the first storage error of the turn, the commit at
// the end of the turn (group commit), the fsync policy (durability full: the turn's output waits in the
// DurableOutbox for the fsync that covers its commit; normal: the WAL is synced ahead off the loop), the
// background checkpointer, and after a failed commit the rollback and the reopening of a file stuck in a fault.

import AtendeCore
import AtendeStore
import Dispatch
import Glibc

let SQLITE_READONLY_CODE: Int32 = 8
let SQLITE_CANTOPEN_CODE: Int32 = 14
let SQLITE_IOERR_CODE: Int32 = 10

/// The turn's writes, their commit, and the durable release of the turn's output.
final class Journal {
    let loop: LoopThread
    let store: any DurableStore
    /// The store again, as the SQLite store or the PostgreSQL one (the other is nil), for what only one of them has.
    let sqlite: Store?
    let postgres: PostgresStore?
    let notify: SystemdNotify
    var checkpointer: Checkpointer?
    /// Durability full: where each committed turn's output waits for its fsync (nil with durability normal).
    let outbox: DurableOutbox?
    /// The turns handed to the outbox and not back yet, oldest first: each connection, and whether the outbox
    /// may write its output itself (`DurableOutbox.Delivery.direct`).
    private(set) var handedTurns: [[HandedOutput]] = []
    /// A connection's output handed over with a turn, and whether the outbox may write it itself. (A struct: an
    /// array of tuples is destroyed through the runtime's generic tuple witnesses, element by element.)
    struct HandedOutput {
        let connection: Connection
        let direct: Bool
    }
    /// Turns of output held for an fsync beyond which the loop stops reading requests until it completes.
    static let maxUnsyncedTurns = 256
    /// Durability normal: the WAL is synced ahead, off the loop (`syncAhead`).
    private var syncAheadInFlight = false
    private var syncedAheadCommits = 0
    private var nextSyncAhead = Instant(millis: 0)
    /// The WAL's fsyncs of durability normal run here, on a thread of their own: on the shared pool they would
    /// queue behind password hashes.
    let syncQueue = DispatchQueue(label: "atende.fsync-ahead")
    /// `store.changeCount` at the last commit or rollback: more since means the turn holds uncommitted changes.
    private var changesAtCommit = 0
    /// The turn's first storage error: the turn is rolled back at its end.
    private(set) var storageError: StoreError?
    /// False after a failed turn whose state could not be reloaded: the router may then hold changes the store
    /// does not, and closes write whole rows again (`apply(closed:)`) until a reload succeeds.
    var routerMatchesStore = true
    /// PostgreSQL: turns the outbox answered as refused; the loop rebuilds its state from the database after them.
    var refusedTurns: [RefusedTurn] = []

    init(store: any DurableStore, outbox: DurableOutbox?, notify: SystemdNotify, loop: LoopThread) {
        self.store = store
        sqlite = store as? Store
        postgres = store as? PostgresStore
        self.outbox = outbox
        self.notify = notify
        self.loop = loop
    }

    /// Notes a storage error of this turn (the first one is the turn's reason to fail).
    func record(_ error: StoreError) {
        if storageError == nil { storageError = error }
    }

    /// Whether a reply begun at `writes` (`store.writeCount`) counts as a writer: its request tried to write (even
    /// if the write failed), or the turn already holds uncommitted changes or a failed write (memory may then show
    /// what the disk will not have).
    func wrote(since writes: Int) -> Bool {
        store.writeCount != writes || store.changeCount != changesAtCommit || storageError != nil
    }

    /// Commits the turn's transaction unless the turn already failed; returns whether it committed. A failed
    /// commit becomes the turn's storage error.
    func commit(counters: inout Counters) -> Bool {
        loop.check()
        guard storageError == nil && store.inTransaction else { return false }
        do {
            try store.commit()
            if sqlite?.lostCommittedFrames == true {
                stopAfterFailedSync("SQLite counted a commit whose frames did not all reach the file",
                                    failed: "a write of the WAL")
            }
            counters.commits += 1
            return true
        } catch {
            storageError = error
            return false
        }
    }

    /// Takes the turn's storage error, if it has one: the turn must then be rolled back (`rollBack`).
    func takeError() -> StoreError? {
        defer { storageError = nil }
        return storageError
    }

    /// Throws the turn's writes away.
    func rollBack() { store.rollback() }

    /// The turn is over: what the store counts as changed from here on belongs to the next one.
    func settle() { changesAtCommit = store.changeCount }

    /// A connection that met a read-only, unopenable or failing file stays that way even after the fault is fixed
    /// (SQLite keeps the descriptor and the state it got): after such a failed turn the store opens the file again
    /// before its next write, so the first write after the fault clears succeeds.
    func reopenIfStuck(after error: StoreError) {
        guard [SQLITE_READONLY_CODE, SQLITE_CANTOPEN_CODE, SQLITE_IOERR_CODE].contains(error.code & 0xff) else {
            return
        }
        sqlite?.markSuspect()
    }

    /// Whether so much output waits for fsyncs that the loop should stop reading requests.
    var holdsTooMuch: Bool { handedTurns.count >= Journal.maxUnsyncedTurns }

    /// Whether output of earlier turns still waits for its fsync.
    var isHolding: Bool { !handedTurns.isEmpty }

    // MARK: - Durable release

    /// Durability full (or earlier turns still waiting): hands the output staged on `list` to the outbox, to leave
    /// after the fsync that covers this turn's commit and every commit before it; a turn that wrote nothing still
    /// queues behind the ones that did. Returns false when the output may go straight to the sockets.
    func hand(_ list: [Connection], committed: Bool,
              heldWaitAlerts: [(conversation: Int64, department: String)] = []) -> Bool {
        guard let outbox, committed || (!handedTurns.isEmpty && !list.isEmpty) else { return false }
        guard let wal = store.durabilityBarrier else { stopAfterFailedSync("the WAL has no descriptor to fsync") }
        var deliveries: [DurableOutbox.Delivery] = []
        var handed: [HandedOutput] = []
        deliveries.reserveCapacity(list.count)
        handed.reserveCapacity(list.count)
        for connection in list {
            connection.listed = false
            defer { connection.staged.removeAll(keepingCapacity: true) }
            guard !connection.closed else { continue }
            // The outbox writes it itself only when nothing of this connection waits on the loop or is on
            // its way back to it: its bytes must not pass them.
            let direct = connection.pendingOutput == 0 && connection.returnsInFlight == 0
            // Nothing of it is with the outbox or the loop any more: a full socket met earlier is forgotten.
            let fresh = direct && connection.parked == 0
            if !direct { connection.returnsInFlight += 1 }
            connection.parked += 1
            connection.handedOver = true
            deliveries.append(DurableOutbox.Delivery(connection: connection.id, fd: connection.fd, direct: direct,
                                                     fresh: fresh, webSocket: connection.isWebSocket,
                                                     items: connection.staged))
            handed.append(HandedOutput(connection: connection, direct: direct))
        }
        handedTurns.append(handed)
        outbox.hand(DurableOutbox.Turn(wal: wal, committed: committed, deliveries: deliveries,
                                       heldWaitAlerts: heldWaitAlerts))
        return true
    }

    /// Takes what the outbox finished: `leftover` gets the output it could not write (to queue on its connection,
    /// in turn order), then `returned` each connection of the turns it covered with whether it wrote it directly.
    /// A failed fsync stops the daemon. Returns how many of the rounds synced. The callbacks may end sessions and
    /// so apply router effects that count things: nothing of the caller's is held across them.
    func finishRounds(leftover: (DurableOutbox.Leftover) -> Void, returned: (Connection) -> Void) -> Int {
        guard let outbox else { return 0 }
        var syncs = 0
        for round in outbox.takeFinished() {
            if round.error != 0 {
                if postgres != nil {
                    stopAfterLostDatabase("a commit failed: \(String(cString: strerror(round.error)))")
                }
                stopAfterFailedSync(String(cString: strerror(round.error)))
            }
            if round.synced { syncs += 1 }
            refusedTurns += round.refused
            for item in round.leftovers { leftover(item) }
            for _ in 0..<round.turns {
                for handed in handedTurns.removeFirst() {
                    let connection = handed.connection
                    connection.parked -= 1
                    if !handed.direct { connection.returnsInFlight -= 1 }
                    returned(connection)
                }
            }
        }
        return syncs
    }

    /// Durability normal: nothing waits for an fsync, but the WAL is still fsynced off the loop at most every
    /// 100 ms while commits come, so the checkpoint that lets the WAL start over (`rewindWALIfLong`, on the loop)
    /// finds little left to sync. `start` runs the fsync off the loop and calls back on the loop with its errno.
    func syncAhead(commits: Int,
                   start: (_ queue: DispatchQueue, _ wal: WALFile, _ done: @escaping (Int32) -> Void) -> Void) {
        guard outbox == nil, !syncAheadInFlight, commits > syncedAheadCommits, let wal = sqlite?.walFile else {
            return
        }
        let now = Daemon.now()
        // (or the clock went back)
        guard now >= nextSyncAhead || now.millis < nextSyncAhead.millis - 1000 else { return }
        syncAheadInFlight = true
        syncedAheadCommits = commits
        nextSyncAhead = now + 100
        start(syncQueue, wal) { [self] error in
            syncAheadInFlight = false
            if error != 0 { Log.error("fsync of the WAL failed", ["error": String(cString: strerror(error))]) }
        }
    }

    /// After a failed fsync the kernel may have dropped the unwritten pages while reporting them clean, so no
    /// later fsync can vouch for the commits waiting on it (PostgreSQL stops for the same reason). Nothing of those
    /// commits was acknowledged: stop with EX_IOERR, and the restart recovers what is really on disk. `failed`
    /// names what failed: the same holds for a WAL write that failed under a commit SQLite counted.
    func stopAfterFailedSync(_ reason: String, failed: String = "fsync of the WAL") -> Never {
        Log.error("\(failed) failed: stopping without acknowledging the commits it covered", ["error": reason])
        Log.flush()
        notify.send("STATUS=\(failed) failed: \(reason)")
        _exit(74)
    }
}
