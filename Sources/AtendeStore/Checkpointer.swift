// Checkpointer: copies the WAL back into the database file from its own connection on its own queue, so the
// loop thread never stalls on a checkpoint (an automatic checkpoint fsyncs megabytes inside some unlucky request's
// commit). The loop's connection runs with wal_autocheckpoint off once a Checkpointer is started; PASSIVE
// checkpoints never block the writer, they copy what is committed and leave the rest for the next round.
//
// A background checkpoint can never let the WAL start over by itself under steady load: SQLite rewinds the WAL
// only when a write transaction begins with every frame already copied back, and the writer commits again while
// the checkpointer works. Left alone the WAL grows without bound (500 MB in 10 s of benchmark load), every commit
// then extends the file (block allocation and zeroing in the kernel), and recovery reads it all. So the loop
// finishes the job: once the WAL holds `walRestartFrames`, it asks the background connection for a checkpoint
// at once and goes on serving; when that one has copied all but a short tail, the loop runs a PASSIVE checkpoint
// itself between turns, which copies only the tail (it is the writer, so nothing new lands meanwhile), and its
// next commit rewinds the WAL and overwrites pages the kernel already has. Copying on the loop everything since
// the last timer pass (up to a quarter second of commits, thousands of pages) would stop every client for
// milliseconds.

import CSQLite
import Dispatch
import Synchronization

/// Runs PASSIVE checkpoints on a private connection every `intervalMillis`, and when the loop asks for one.
public final class Checkpointer: @unchecked Sendable {
    private let path: String
    private let queue = DispatchQueue(label: "atende.checkpointer")
    private let timer: DispatchSourceTimer
    private var database: Database?
    /// Set by `stop` (on the queue): a pass asked for later does nothing.
    private var stopped = false
    /// Frames of the WAL copied back by the last pass (SQLite's backfill count), for the loop to read.
    private let backfilled = Atomic<Int>(0)
    /// A pass asked for by `checkpointSoon` is queued and has not started.
    private let requested = Atomic<Bool>(false)

    /// Frames of the WAL the last finished pass had copied back. A hint: the WAL may have started over since.
    public var copiedFrames: Int { backfilled.load(ordering: .acquiring) }

    /// Creates a checkpointer for the database at `path` (not started).
    public init(path: String, intervalMillis: Int = 250) {
        self.path = path
        timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + .milliseconds(intervalMillis), repeating: .milliseconds(intervalMillis))
        timer.setEventHandler { [weak self] in self?.checkpoint() }
    }

    /// Starts checkpointing.
    public func start() { timer.resume() }

    /// Runs a pass as soon as the queue is free, besides the timer's (one at a time, however often it is called).
    public func checkpointSoon() {
        guard requested.compareExchange(expected: false, desired: true, ordering: .acquiringAndReleasing).exchanged
        else { return }
        queue.async { [weak self] in
            self?.requested.store(false, ordering: .releasing)
            self?.checkpoint()
        }
    }

    /// Stops and closes the private connection; waits for a running checkpoint to finish.
    public func stop() {
        timer.cancel()
        queue.sync {
            stopped = true
            database?.close()
            database = nil
        }
    }

    private func checkpoint() {
        guard !stopped else { return }
        do {
            if database == nil {
                let connection = try Database(path: path)
                sqlite3_busy_timeout(connection.handle, 50)
                // A pass that copies the whole WAL is the only fsync of the database file before the WAL starts
                // over (the loop's own checkpoint then has nothing to copy): never leave it to the build's default.
                try connection.execute("PRAGMA synchronous = FULL")
                // A connection opens the WAL at its first read; until then SQLite takes a checkpoint request for
                // a database that is not in WAL mode and does nothing (it reports -1 frames).
                _ = try connection.scalar("SELECT count(*) FROM sqlite_schema")
                database = connection
            }
            guard let handle = database?.handle else { return }
            var copied: Int32 = 0
            let status = sqlite3_wal_checkpoint_v2(handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, &copied)
            if status == SQLITE_OK { backfilled.store(Int(copied), ordering: .releasing) }
        } catch {
            database?.close()
            database = nil
        }
    }
}

/// The WAL's length in frames after the last commit, as SQLite's wal hook reports it.
final class WALLength {
    var frames = 0

    /// Registers the hook on `database` (which replaces SQLite's own automatic checkpoint).
    func observe(_ database: Database) {
        sqlite3_wal_hook(database.handle, { context, _, _, frames in
            Unmanaged<WALLength>.fromOpaque(context!).takeUnretainedValue().frames = Int(frames)
            return SQLITE_OK
        }, Unmanaged.passUnretained(self).toOpaque())
    }
}

extension Store {
    /// Hands WAL checkpoints to a background Checkpointer; returns it (call `stop()` before closing the store).
    /// The loop then calls `rewindWALIfLong()` after its commits.
    public func startCheckpointer(intervalMillis: Int = 250) throws(StoreError) -> Checkpointer {
        try database.execute("PRAGMA wal_autocheckpoint = 0")
        walLength.observe(database)
        let checkpointer = Checkpointer(path: path, intervalMillis: intervalMillis)
        backgroundCheckpointer = checkpointer
        checkpointer.start()
        return checkpointer
    }

    /// When the WAL has reached `walRestartFrames`, lets it start over: first the background checkpointer is
    /// asked to copy what it has not yet (off the loop), then, once all but `walRewindTail` frames are copied, the
    /// loop copies the rest itself so the next commit rewinds. Call between turns (outside a transaction); does
    /// nothing without a Checkpointer. Past twice `walRestartFrames` the loop copies whatever is left without
    /// waiting any longer (a background pass that keeps failing must not let the WAL grow). An attempt that meets
    /// a background pass holding the checkpoint lock is tried again after the next commit; one that fails
    /// otherwise, after a quarter of `walRestartFrames` more frames.
    public func rewindWALIfLong() {
        guard let checkpointer = backgroundCheckpointer, !database.inTransaction else { return }
        let frames = walLength.frames
        guard frames >= walRestartFrames else {
            nextRewindAttempt = walRestartFrames
            return
        }
        guard frames >= nextRewindAttempt else { return }
        let background = checkpointer.copiedFrames
        if handsCopyingToBackground && frames < 2 * walRestartFrames
            && !(background <= frames && frames - background <= walRewindTail) {
            checkpointer.checkpointSoon()
            return
        }
        let status = sqlite3_wal_checkpoint_v2(database.handle, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        walRewindAttempts += 1
        // A background pass holding the lock is about done: try again after the next commit.
        if status == SQLITE_BUSY { return }
        nextRewindAttempt = frames + max(1, walRestartFrames / 4)
    }
}
