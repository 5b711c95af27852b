// Checkpointer: copies the WAL back into the database file from its own connection on its own queue, so the
// loop thread never stalls on a checkpoint (an automatic checkpoint fsyncs megabytes inside some unlucky request's
// commit). The loop's connection runs with wal_autocheckpoint off once a Checkpointer is started; PASSIVE
// checkpoints never block the writer, they copy what is committed and leave the rest for the next round.
//
// A background checkpoint can never let the WAL start over by itself under steady load: SQLite rewinds the WAL
// only when a write transaction begins with every frame already copied back, and the writer commits again while
// the checkpointer works. Left alone the WAL grows without bound (500 MB in 10 s of benchmark load), every commit
// then extends the file (block allocation and zeroing in the kernel), and recovery reads it all. So the loop
// finishes the job: once the WAL holds `walRestartFrames`, it runs a PASSIVE checkpoint itself between turns,
// which only copies what the background one has not (it is the writer, so nothing new lands meanwhile), and
// its next commit rewinds the WAL and overwrites pages the kernel already has.

import CSQLite
import Dispatch

/// Runs `PRAGMA wal_checkpoint(PASSIVE)` every `intervalMillis` on a private connection.
public final class Checkpointer: @unchecked Sendable {
    private let path: String
    private let queue = DispatchQueue(label: "atende.checkpointer")
    private let timer: DispatchSourceTimer
    private var database: Database?

    /// Creates a checkpointer for the database at `path` (not started).
    public init(path: String, intervalMillis: Int = 250) {
        self.path = path
        timer = DispatchSource.makeTimerSource(queue: queue)
        timer.schedule(deadline: .now() + .milliseconds(intervalMillis), repeating: .milliseconds(intervalMillis))
        timer.setEventHandler { [weak self] in self?.checkpoint() }
    }

    /// Starts checkpointing.
    public func start() { timer.resume() }

    /// Stops and closes the private connection; waits for a running checkpoint to finish.
    public func stop() {
        timer.cancel()
        queue.sync {
            database?.close()
            database = nil
        }
    }

    private func checkpoint() {
        do {
            if database == nil {
                let connection = try Database(path: path)
                sqlite3_busy_timeout(connection.handle, 50)
                database = connection
            }
            try database?.execute("PRAGMA wal_checkpoint(PASSIVE)")
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
        checkpointsInBackground = true
        let checkpointer = Checkpointer(path: path, intervalMillis: intervalMillis)
        checkpointer.start()
        return checkpointer
    }

    /// When the WAL has reached `walRestartFrames`, copies what the background checkpointer has not yet copied,
    /// so the next commit starts the WAL over. Call between turns (outside a transaction); does nothing without a
    /// Checkpointer. A failed or busy attempt (the background one holds the checkpoint lock) is retried after a
    /// quarter of `walRestartFrames` more frames.
    public func rewindWALIfLong() {
        guard checkpointsInBackground, !database.inTransaction else { return }
        let frames = walLength.frames
        guard frames >= walRestartFrames else {
            nextRewindAttempt = walRestartFrames
            return
        }
        guard frames >= nextRewindAttempt else { return }
        nextRewindAttempt = frames + max(1, walRestartFrames / 4)
        var log: Int32 = 0
        var copied: Int32 = 0
        _ = sqlite3_wal_checkpoint_v2(database.handle, nil, SQLITE_CHECKPOINT_PASSIVE, &log, &copied)
        walRewindAttempts += 1
    }
}
