// DurableOutbox: with durability full, a turn's output waits here for the fdatasync of the WAL that makes the
// turn's commit durable, then leaves (durable before visible). A thread of its own runs the fsyncs back to back
// while committed turns wait: one fsync covers every turn handed over before it started (group commit), and the
// loop is never on that path: it hands a turn over and goes on with the next. After the fsync the thread encodes
// each connection's output and writes it to the socket itself when the loop said it may (the loop holds nothing
// else for that connection); what it does not write (a full socket, output the loop must queue behind its own)
// goes back to the loop encoded, in turn order. What the thread writes itself for a connection in one round, from
// however many turns, leaves in one write. A failed fsync ends the thread before it shows anything.
// On PostgreSQL the barrier is the turn's CommitTicket; a turn whose statement PostgreSQL refused (ECANCELED) is
// answered here as a failed turn is on SQLite: its replies that wrote become -32603 and its pushes are dropped,
// while the turns around it, committed in transactions of their own, go out as usual (see RefusedTurn).

import AtendeStore
import CLinux
import Foundation
import Glibc
import Synchronization

/// The queue of committed turns' output between the loop and the fsync's thread (durability full).
final class DurableOutbox: Sendable {
    /// One connection's output of one turn.
    struct Delivery: Sendable {
        let connection: UInt64
        let fd: Int32
        /// The outbox may write it to the socket: nothing of this connection waits on the loop, and no earlier
        /// output of it is on its way back to the loop.
        let direct: Bool
        /// Nothing earlier of this connection is with the outbox or queued on the loop: a partial write met
        /// before no longer holds its output back.
        let fresh: Bool
        /// Encoded as WebSocket text frames instead of lines.
        var webSocket = false
        let items: [Staged]
    }

    /// A turn's output, and the WAL whose fsync makes it durable. A turn that committed nothing is handed over
    /// too while earlier ones wait, to leave after them; alone in a round it needs no fsync.
    struct Turn: Sendable {
        let wal: any DurabilityBarrier
        let committed: Bool
        let deliveries: [Delivery]
        /// Wait alerts held for a bot that this turn sent (`Daemon.sendHeldWaitAlerts`): held again if PostgreSQL
        /// refuses the turn, whose pushes are then dropped.
        var heldWaitAlerts: [(conversation: Int64, department: String)] = []
    }

    /// What became of a delivery that was not written whole.
    enum Leftover: Sendable {
        /// Bytes for the loop to queue on the connection, after what it has.
        case bytes(UInt64, [UInt8])
        /// The peer is gone.
        case failed(UInt64)
    }

    /// One fsync and what it released: the number of turns it covered (the oldest ones handed over) and the
    /// leftovers of their deliveries, in order. `error`: the fsync's errno (0: done).
    struct Round: Sendable {
        let turns: Int
        /// Whether it fsynced (it did unless none of its turns committed).
        let synced: Bool
        let leftovers: [Leftover]
        let error: Int32
        /// Turns of this round whose commit PostgreSQL refused, answered as failed: why, and each of their replies
        /// that wrote, by connection, so the loop can undo a session the reply opened.
        var refused: [RefusedTurn] = []
        /// The turns it covered, handed back for the loop to drop: their buffers were allocated by the loop, and
        /// freeing them here would take the loop's malloc arena lock while the loop is using it, and the loop
        /// would then spend its time waking this thread.
        let spent: [Turn]
    }

    private struct Shared {
        var waiting: [Turn] = []
        var finished: [Round] = []
        var forgotten: [UInt64] = []
        var idle = false
        var stopping = false
    }

    private let shared = Mutex(Shared())
    private let wakeThread = DispatchSemaphore(value: 0)
    private let stopped = DispatchSemaphore(value: 0)
    /// The loop's eventfd: written when a round is finished.
    private let wakeLoop: Int32
    private let failForTests: Bool
    private let delayForTests: UInt32

    /// Starts the thread. `wakeLoop` is written (8 bytes) after each round; `failForTests` makes every fsync
    /// report EIO, `delayForTests` (µs) makes each one slow.
    init(wakeLoop: Int32, failForTests: Bool = false, delayForTests: UInt32 = 0) {
        self.wakeLoop = wakeLoop
        self.failForTests = failForTests
        self.delayForTests = delayForTests
        let thread = Thread { [self] in
            atende_name_thread("atende.fsync")
            run()
        }
        thread.start()
    }

    /// Hands over a committed turn's output (the commit is done: its WAL frames are written).
    func hand(_ turn: Turn) {
        let wake = shared.withLock { state -> Bool in
            state.waiting.append(turn)
            defer { state.idle = false }
            return state.idle
        }
        if wake { wakeThread.signal() }
    }

    /// Says a connection is gone: its number is dropped from the thread's list of connections it must not write.
    func forget(_ connection: UInt64) {
        shared.withLock { $0.forgotten.append(connection) }
    }

    /// The rounds finished since the last call, oldest first.
    func takeFinished() -> [Round] {
        shared.withLock { state in
            defer { state.finished.removeAll() }
            return state.finished
        }
    }

    /// Ends the thread once the turns handed over are done (or at once after a failed fsync).
    func stop() {
        shared.withLock { $0.stopping = true }
        wakeThread.signal()
        stopped.wait()
    }

    private func run() {
        // Connections the thread stopped writing to (a partial or failed write): their later output goes back
        // to the loop, behind what the loop already queued.
        var held: Set<UInt64> = []
        var synced: [ObjectIdentifier] = []
        while true {
            var turns: [Turn] = []
            let (forgotten, stopping) = shared.withLock { state -> ([UInt64], Bool) in
                defer { state.forgotten.removeAll(keepingCapacity: true) }
                if state.waiting.isEmpty && !state.stopping { state.idle = true }
                // Taken whole: the loop's next hand-over starts an array of its own (see `Round.spent`).
                swap(&turns, &state.waiting)
                return (state.forgotten, state.stopping)
            }
            for connection in forgotten { held.remove(connection) }
            if turns.isEmpty {
                if stopping { break }
                wakeThread.wait()
                continue
            }
            if delayForTests > 0 { usleep(delayForTests) }
            var error: Int32 = 0
            var refusals: [ObjectIdentifier] = []
            synced.removeAll(keepingCapacity: true)
            for turn in turns where turn.committed && !synced.contains(ObjectIdentifier(turn.wal)) {
                synced.append(ObjectIdentifier(turn.wal))
                error = failForTests ? EIO : turn.wal.sync()
                if error == ECANCELED {
                    refusals.append(ObjectIdentifier(turn.wal))
                    error = 0
                }
                if error != 0 { break }
            }
            var leftovers: [Leftover] = []
            var refused: [RefusedTurn] = []
            if error == 0 {
                var writes = Writes(merging: turns.count > 1)
                for turn in turns {
                    if turn.committed && refusals.contains(ObjectIdentifier(turn.wal)) {
                        // Written by the loop, not here: its client sees the failure only once the loop knows of
                        // it, and the loop rebuilds its state before it reads what the client does next.
                        let answered = RefusedTurn(turn)
                        refused.append(answered)
                        for delivery in answered.deliveries {
                            giveBack(delivery, writes: &writes, held: &held, leftovers: &leftovers)
                        }
                        continue
                    }
                    for delivery in turn.deliveries {
                        deliver(delivery, writes: &writes, held: &held, leftovers: &leftovers)
                    }
                }
                writes.sendAll(held: &held, leftovers: &leftovers)
            }
            var round: Round? = Round(turns: turns.count, synced: !synced.isEmpty, leftovers: leftovers,
                                      error: error, refused: refused, spent: turns)
            // This thread lets go of the turns before the loop can see them, so the loop drops the last reference.
            turns = []
            shared.withLock { $0.finished.append(round.take()!) }
            var one: UInt64 = 1
            _ = write(wakeLoop, &one, 8)
            if error != 0 { break }  // nothing more may be shown: the loop stops the daemon
        }
        stopped.signal()
    }

    /// Hands a delivery back to the loop to write, and the connection's later output with it (held, as after a
    /// partial write), so nothing passes it.
    private func giveBack(_ delivery: Delivery, writes: inout Writes, held: inout Set<UInt64>,
                          leftovers: inout [Leftover]) {
        writes.send(delivery.connection, held: &held, leftovers: &leftovers)
        var bytes: [UInt8] = []
        Staged.encode(delivery.items, webSocket: delivery.webSocket, into: &bytes)
        held.insert(delivery.connection)
        leftovers.append(.bytes(delivery.connection, bytes))
    }

    private func deliver(_ delivery: Delivery, writes: inout Writes, held: inout Set<UInt64>,
                         leftovers: inout [Leftover]) {
        if delivery.fresh { held.remove(delivery.connection) }
        guard delivery.direct && !held.contains(delivery.connection) else {
            // What this round gathered for it leaves first: the loop queues these bytes behind it.
            writes.send(delivery.connection, held: &held, leftovers: &leftovers)
            var bytes: [UInt8] = []
            Staged.encode(delivery.items, webSocket: delivery.webSocket, into: &bytes)
            leftovers.append(.bytes(delivery.connection, bytes))
            return
        }
        writes.gather(delivery, held: &held, leftovers: &leftovers)
    }

    /// A round's output for the connections the outbox writes itself, one buffer per connection: a round covers
    /// every turn committed during the previous fsync, and a connection with output in several of them (an
    /// attendant's push in one turn, the reply to its close in the next) gets it in one send. Over TCP each send
    /// is a segment through the whole loopback stack, so the sends saved are most of what merging is for.
    private struct Writes {
        /// False for a round of one turn, which lists each connection once: each delivery is sent at once.
        let merging: Bool
        /// The connections in the order they first had output this round.
        private var order: [UInt64] = []
        private var buffers: [UInt64: (fd: Int32, bytes: [UInt8])] = [:]

        init(merging: Bool) { self.merging = merging }

        mutating func gather(_ delivery: Delivery, held: inout Set<UInt64>, leftovers: inout [Leftover]) {
            guard merging else {
                var bytes: [UInt8] = []
                Staged.encode(delivery.items, webSocket: delivery.webSocket, into: &bytes)
                Self.write(bytes, connection: delivery.connection, fd: delivery.fd, held: &held, leftovers: &leftovers)
                return
            }
            if buffers[delivery.connection] == nil { order.append(delivery.connection) }
            Staged.encode(delivery.items, webSocket: delivery.webSocket,
                          into: &buffers[delivery.connection, default: (delivery.fd, [])].bytes)
        }

        /// Writes what was gathered for `connection` now, if anything.
        mutating func send(_ connection: UInt64, held: inout Set<UInt64>, leftovers: inout [Leftover]) {
            guard let gathered = buffers.removeValue(forKey: connection) else { return }
            Self.write(gathered.bytes, connection: connection, fd: gathered.fd, held: &held, leftovers: &leftovers)
        }

        /// Writes everything still gathered, in the order the connections first had output.
        mutating func sendAll(held: inout Set<UInt64>, leftovers: inout [Leftover]) {
            for connection in order { send(connection, held: &held, leftovers: &leftovers) }
            order.removeAll()
        }

        /// Sends what the socket takes; the rest (or the news that the peer is gone) goes back to the loop, and the
        /// connection's later output with it.
        private static func write(_ bytes: [UInt8], connection: UInt64, fd: Int32, held: inout Set<UInt64>,
                                  leftovers: inout [Leftover]) {
            guard let written = UnixSocket.sendAvailable(fd, bytes, from: 0) else {
                held.insert(connection)
                leftovers.append(.failed(connection))
                return
            }
            if written < bytes.count {
                held.insert(connection)
                leftovers.append(.bytes(connection, Array(bytes[written...])))
            }
        }
    }
}
