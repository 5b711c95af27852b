// Checkpointer: copies the WAL back into the database file from its own connection on its own queue, so the
// loop thread never stalls on a checkpoint (an automatic checkpoint fsyncs megabytes inside some unlucky request's
// commit). The loop's connection runs with wal_autocheckpoint off once a Checkpointer is started; PASSIVE
// checkpoints never block the writer, they copy what is committed and leave the rest for the next round.

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

extension Store {
    /// Hands WAL checkpoints to a background Checkpointer; returns it (call `stop()` before closing the store).
    public func startCheckpointer(intervalMillis: Int = 250) throws(StoreError) -> Checkpointer {
        try database.execute("PRAGMA wal_autocheckpoint = 0")
        checkpointsInBackground = true
        let checkpointer = Checkpointer(path: path, intervalMillis: intervalMillis)
        checkpointer.start()
        return checkpointer
    }
}
