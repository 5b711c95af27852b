// LeaderHeartbeat: how a standby tells a leader that stopped from a quiet one. The leadership is a session
// advisory lock, and the server ends a session only when its keepalives go unanswered; a leader whose process is
// frozen (SIGSTOP, a paused VM, a machine stalled in swap) still has a kernel that answers them, so its session,
// and the lock, would stay for ever. So the leader also beats: a thread of its own, on a connection of its own,
// stamps the row `atende_leader` with the database's clock every quarter of `failoverSeconds`. A standby that
// finds the stamp older than `failoverSeconds` ends the session that holds the lock (pg_terminate_backend), and
// takes the lock at its next try; the frozen leader, if it ever runs again, finds its connection gone and exits
// 75 without acknowledging anything more.
//
// The thread does not depend on the loop: a loop that is stuck while the process runs is the watchdog's case
// (systemd's WatchdogSec), not this one.

import Foundation
import Synchronization

/// The leader's side: keeps its stamp fresh until stopped.
final class LeaderHeartbeat: Sendable {
    /// The row: one leader at a time, named by its writing session's server process id.
    static let table = """
        CREATE TABLE IF NOT EXISTS atende_leader(
            id INTEGER PRIMARY KEY CHECK (id = 1), pid INTEGER NOT NULL, beat_at TIMESTAMPTZ NOT NULL)
        """

    private let stopped = Mutex(false)

    /// Names the session `leaderPID` in the row, on `writer` (the session holding the lock), before it beats.
    static func claim(on writer: PostgresConnection, for leaderPID: Int32) throws(StoreError) {
        try writer.execute(table)
        try writer.execute("""
            INSERT INTO atende_leader(id, pid, beat_at) VALUES (1, \(leaderPID), clock_timestamp())
            ON CONFLICT (id) DO UPDATE SET pid = excluded.pid, beat_at = excluded.beat_at
            """)
    }

    /// Beats for the session `leaderPID` (which `claim` named) from a thread on a connection of its own
    /// (`conninfo`), every `interval` seconds. `trouble` hears (on that thread) when beats start failing, and
    /// when they work again: a standby ends a leader whose beats fail for `failoverSeconds`, healthy or not.
    init(conninfo: String, leaderPID: Int32, interval: Double,
         trouble: @escaping @Sendable (String) -> Void = { _ in }) {
        let thread = Thread { [self] in
            beat(conninfo: conninfo, leaderPID: leaderPID, interval: interval, trouble: trouble)
        }
        thread.name = "atende.heartbeat"
        thread.start()
    }

    /// Ends the beats (within a tenth of a second, or when a statement under way returns).
    func stop() { stopped.withLock { $0 = true } }

    private var isStopped: Bool { stopped.withLock { $0 } }

    private func beat(conninfo: String, leaderPID: Int32, interval: Double,
                      trouble: @Sendable (String) -> Void) {
        var connection: PostgresConnection?
        var failing = false
        while !isStopped {
            do {
                if connection == nil {
                    let fresh = try PostgresConnection(conninfo: conninfo)
                    // A beat need not wait for the WAL's flush (or a synchronous standby): a stall there would
                    // make a healthy leader look stopped.
                    try fresh.execute("SET application_name = 'atended heartbeat'; SET synchronous_commit = off")
                    connection = fresh
                }
                // Only its own row: after a takeover the row names the new leader, and a leader that wakes up
                // from a freeze must not stamp it.
                try connection?.execute(
                    "UPDATE atende_leader SET beat_at = clock_timestamp() WHERE id = 1 AND pid = \(leaderPID)")
                if failing { trouble("the leader's heartbeat works again") }
                failing = false
            } catch {
                // The next beat connects again; a database that is gone is the writing connection's to report.
                if !failing {
                    trouble("the leader's heartbeat failed (a standby takes over if it keeps failing): \(error)")
                }
                failing = true
                connection?.close()
                connection = nil
            }
            var slept = 0.0
            while slept < interval && !isStopped {
                usleep(100_000)
                slept += 0.1
            }
        }
        connection?.close()
    }

    /// The standby's side: when the session holding the leadership of the database has not beaten for
    /// `seconds`, ends it and returns its process id. Nothing when no leader ever beat here (an older atended
    /// leads, or none yet), or the row names a session that no longer holds the lock.
    static func endStaleLeader(on connection: PostgresConnection, after seconds: Int,
                               lockKey: String) throws(StoreError) -> Int64? {
        guard try connection.scalar("SELECT (to_regclass('atende_leader') IS NOT NULL)::int") == 1 else { return nil }
        // The lock holder must be the row's session: a process id alone could have been reused.
        guard let pid = try connection.scalar("""
            SELECT l.pid FROM atende_leader l JOIN pg_locks k ON k.pid = l.pid
            WHERE l.id = 1 AND l.beat_at < clock_timestamp() - make_interval(secs => \(seconds))
                AND k.locktype = 'advisory' AND k.granted AND k.objsubid = 1
                AND k.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                AND ((k.classid::bigint << 32) | k.objid::bigint) = \(lockKey)
            """) else { return nil }
        _ = try connection.scalar("SELECT pg_terminate_backend(\(pid))::int")
        return pid
    }
}
