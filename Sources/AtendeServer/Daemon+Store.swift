// Daemon, its store: which one the config names (an SQLite file by default, a postgresql:// URI for a database
// shared by a leader and its standbys), opening it (with PostgreSQL, waiting as a standby until this process
// holds the leadership, without binding the socket), and what a lost database connection does: the leader stops
// acknowledging at once and exits 75 (EX_TEMPFAIL), so its unit restarts it, as a standby.

import AtendeStore
import CLinux
import Glibc

/// Stopping (SIGTERM or SIGINT) while waiting as a standby: not a failure.
struct StoppedAsStandby: Error, CustomStringConvertible {
    var description: String { "stopped while waiting as a standby" }
}

extension Daemon {
    /// Opens the store the config names. PostgreSQL: blocks while another atended leads, saying so to systemd;
    /// SIGTERM or SIGINT meanwhile (read from `signals`) throws StoppedAsStandby. A lost connection later writes
    /// `wakeup`, so the loop learns of it even while idle.
    static func openStore(_ config: Config, notify: SystemdNotify, signals: Int32, wakeup: Int32) throws
        -> any DurableStore {
        guard PostgresStore.isPostgres(config.database) else {
            try lockDatabaseFile(config.database)
            return try Store(path: config.database, durability: config.durability, defersSync: true)
        }
        let wait = StandbyWait()
        do {
            return try PostgresStore(
                uri: config.database, durability: config.durability, failoverSeconds: config.failoverSeconds,
                standby: { first in
                    if first {
                        Log.info("standby: another atended leads this database; waiting for it")
                        Log.flush()
                        notify.send("READY=1\nSTATUS=standby: waiting for the leadership of the database")
                    }
                    // A standby is a healthy process: it keeps the unit's watchdog fed while it waits (every 5 s).
                    wait.calls += 1
                    if notify.watchdogIntervalMillis != nil && wait.calls % 25 == 0 { notify.send("WATCHDOG=1") }
                    var info = signalfd_siginfo()
                    while read(signals, &info, MemoryLayout<signalfd_siginfo>.size) > 0 {
                        let signal = Int32(info.ssi_signo)
                        if signal == SIGTERM || signal == SIGINT { wait.stopRequested = true }
                    }
                    return !wait.stopRequested
                },
                ended: { leader in
                    Log.warn("standby: the leader stopped beating; ended its database session to take over",
                                ["session": leader])
                },
                trouble: { message in Log.warn(message) },
                onLost: { _ in
                    var one: UInt64 = 1
                    _ = write(wakeup, &one, 8)
                })
        } catch {
            // The store says why it stopped waiting; the signal that stopped it is not a failure.
            if wait.stopRequested { throw StoppedAsStandby() }
            throw error
        }
    }
}

/// What a standby's wait has seen: whether it was asked to stop, and how many times it looked.
private final class StandbyWait {
    var stopRequested = false
    var calls = 0
}

extension Daemon {
    /// Takes an exclusive flock on the SQLite file for the life of the process. Two daemons on one file would
    /// each hand out the same ids and think themselves its only writer, and the one that stops would delete the WAL
    /// under the other; SQLite's own locks (fcntl, per transaction) say nothing about that. The descriptor is never
    /// closed: the lock goes with the process, however it ends.
    static func lockDatabaseFile(_ path: String) throws(SystemError) {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return }  // the store's open says what is wrong with the path
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let error = errno
            close(fd)
            // Exit 69, as for a socket another daemon listens on; a file system without flock keeps SQLite's locks.
            if error == EWOULDBLOCK {
                throw SystemError(call: "another atended uses the database \(path)", errno: EADDRINUSE)
            }
            return
        }
    }
}

extension Journal {
    /// Stops at once when the database connection is gone: nothing more is acknowledged (what waits for a commit
    /// stays unanswered), and the restart (exit 75) comes back as a standby or as the leader.
    func stopIfDatabaseLost() {
        guard let lost = postgres?.lostConnection else { return }
        stopAfterLostDatabase(lost.description)
    }

    /// Exits 75 without acknowledging anything more.
    func stopAfterLostDatabase(_ reason: String) -> Never {
        Log.error("the database connection is lost: stopping without acknowledging anything more", ["error": reason])
        Log.flush()
        notify.send("STATUS=database connection lost: \(reason)")
        _exit(75)
    }
}
