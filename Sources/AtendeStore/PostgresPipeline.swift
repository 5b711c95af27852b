// PostgresPipeline: the writing connection in libpq's pipeline mode, owned by a thread of its own. The loop hands
// it each write as the turn makes it and, at the end of the turn, a sync: the statements since the previous sync
// form one implicit transaction that PostgreSQL commits when it reaches the sync, and the sync's result (the
// commit, durable with synchronous_commit on) completes that turn's CommitTicket. The loop never waits for the
// network: it hands statements over and goes on. Commits complete in order, since one connection carries them.
// Group commit: one session commits one transaction at a time, each waiting for its WAL flush, so while a sync is
// out the turns that end meanwhile are not synced one by one: their statements join one transaction, synced
// when the one before is answered, and its result settles all of their tickets (as one fsync of the WAL covers
// every turn waiting for it with SQLite). A turn abandoned meanwhile first syncs the turns before it.
// Reads that must see everything the loop wrote (the open turn included) ride the same pipeline behind a flush
// request, and the loop waits for their rows. When the connection fails, every ticket and read still pending
// fails, and `onLost` runs once: the daemon stops acknowledging.

import CLinux
import CPostgres
import Dispatch
import Foundation
import Glibc
import Synchronization

/// The outcome of one turn's commit, known once PostgreSQL has answered its sync.
public final class CommitTicket: Sendable {
    private let outcome = Mutex<StoreError??>(nil)
    private let done = DispatchSemaphore(value: 0)

    init() {}

    /// A ticket that is already settled (a turn that wrote nothing).
    init(settled error: StoreError?) {
        outcome.withLock { $0 = .some(error) }
        done.signal()
    }

    func settle(_ error: StoreError?) {
        let first = outcome.withLock { state -> Bool in
            guard state == nil else { return false }
            state = .some(error)
            return true
        }
        if first { done.signal() }
    }

    /// Waits for the commit's result: nil when committed, else why not.
    public func wait() -> StoreError? {
        if let settled = outcome.withLock({ $0 }) { return settled }
        done.wait()
        done.signal()  // for any other waiter
        return outcome.withLock { $0 }!
    }

    /// The result if known, without waiting.
    public var settled: StoreError?? { outcome.withLock { $0 } }
}

/// The rows a read waits for on the pipeline.
final class PendingRead: Sendable {
    private let outcome = Mutex<Result<PostgresRows, StoreError>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    func settle(_ result: Result<PostgresRows, StoreError>) {
        let first = outcome.withLock { state -> Bool in
            guard state == nil else { return false }
            state = result
            return true
        }
        if first { done.signal() }
    }

    func wait() -> Result<PostgresRows, StoreError> {
        done.wait()
        return outcome.withLock { $0 }!
    }
}

/// The writing connection in pipeline mode, on its own thread.
final class PostgresPipeline: @unchecked Sendable {
    private enum Job {
        case statement(String, [SQLValue])
        case read(String, [SQLValue], PendingRead)
        case sync(CommitTicket, abort: Bool)
    }

    /// What the thread waits for from the server, in the order it sent them.
    private enum Expected {
        case prepare(String, name: String)
        case statement(String)
        case read(String, PendingRead)
        case sync([CommitTicket])
    }

    private struct Shared {
        var jobs: [Job] = []
        var stopping = false
        var lost: StoreError?
    }

    private let connection: PostgresConnection
    private let shared = Mutex(Shared())
    /// A pipe the loop writes a byte to when it hands something over (read end: the thread's poll).
    private let wake: (read: Int32, write: Int32)
    private let stopped = DispatchSemaphore(value: 0)
    private let onLost: @Sendable (StoreError) -> Void
    // The thread's own state.
    private var expected: [Expected] = []
    private var expectedHead = 0
    /// Statements prepared on the connection by text: the name, the segment whose Parse carried it, and whether
    /// the server confirmed it. A Parse in a segment that a refused statement aborted never happens, so an
    /// unconfirmed name is used only in its own segment: a later one prepares the text again under a new name.
    private var prepared: [String: (name: String, segment: Int, confirmed: Bool)] = [:]
    private var preparedCount = 0
    /// Syncs sent so far: the number of the segment being sent.
    private var segment = 0
    private var segmentError: StoreError?
    /// Syncs sent and not answered yet.
    private var syncsOut = 0
    /// Turns ended while a sync was out: their statements are sent, their sync waits for the one out.
    private var deferred: [CommitTicket] = []
    /// Statements (and reads) of a turn begun after `deferred`'s turns, not sent yet: the deferred sync goes out
    /// when the one out is answered, and anything sent before it would commit with it, so a turn could commit in
    /// part (and an abandoned one could not be rolled back whole). A turn that ends joins the deferred ones.
    private var held: [Job] = []

    /// Puts `connection` in pipeline mode and starts the thread. `onLost` runs on that thread when the connection
    /// fails.
    init(connection: PostgresConnection, onLost: @escaping @Sendable (StoreError) -> Void) throws(StoreError) {
        self.connection = connection
        self.onLost = onLost
        var ends: [Int32] = [-1, -1]
        guard pipe(&ends) == 0 else { throw StoreError(code: StoreError.postgresFailure, message: "pipe failed") }
        for end in ends {
            _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            _ = fcntl(end, F_SETFD, FD_CLOEXEC)
        }
        wake = (ends[0], ends[1])
        guard PQsetnonblocking(connection.handle, 1) == 0, PQenterPipelineMode(connection.handle) == 1 else {
            Glibc.close(ends[0])
            Glibc.close(ends[1])
            throw postgresError(nil, connection: connection.handle, sql: nil)
        }
        let thread = Thread { [self] in
            atende_name_thread("atende.postgres")  // as `top -H` shows it
            run()
        }
        thread.start()
    }

    deinit {
        Glibc.close(wake.read)
        Glibc.close(wake.write)
    }

    private func signalThread() {
        var byte: UInt8 = 1
        _ = Glibc.write(wake.write, &byte, 1)  // a full pipe already wakes the thread
    }

    /// Why the connection is gone, once it is.
    var lost: StoreError? { shared.withLock { $0.lost } }

    private func submit(_ job: Job) throws(StoreError) {
        let lost = shared.withLock { state -> StoreError? in
            if state.lost == nil && !state.stopping { state.jobs.append(job) }
            return state.lost ?? (state.stopping ? StoreError(code: StoreError.postgresConnectionLost,
                                                              message: "the store is closed") : nil)
        }
        if let lost { throw lost }
        signalThread()
    }

    /// Sends a write of the open turn.
    func send(_ sql: String, _ values: [SQLValue]) throws(StoreError) { try submit(.statement(sql, values)) }

    /// Ends the turn: its statements commit together; the ticket tells when (and whether) they did.
    func sync() throws(StoreError) -> CommitTicket {
        let ticket = CommitTicket()
        try submit(.sync(ticket, abort: false))
        return ticket
    }

    /// Abandons the turn: its statements are rolled back (an error ends the implicit transaction before the sync).
    func abort() {
        try? submit(.sync(CommitTicket(), abort: true))
    }

    /// Runs a query behind everything sent so far and waits for its rows.
    func read(_ sql: String, _ values: [SQLValue]) throws(StoreError) -> PostgresRows {
        let pending = PendingRead()
        try submit(.read(sql, values, pending))
        switch pending.wait() {
        case .success(let rows): return rows
        case .failure(let error): throw error
        }
    }

    /// Ends the thread once what was handed over is answered (or at once if the connection is gone), and closes
    /// the connection.
    func stop() {
        shared.withLock { $0.stopping = true }
        signalThread()
        stopped.wait()
        stopped.signal()  // for a later call
    }

    // MARK: - The thread

    private func run() {
        let handle = connection.handle
        var failure: StoreError?
        // Jobs taken from the loop but not sent when the connection failed: settled as failed with the rest.
        var unsent: [Job] = []
        loop: while true {
            let (jobs, stopping) = shared.withLock { state -> ([Job], Bool) in
                defer { state.jobs.removeAll(keepingCapacity: true) }
                return (state.jobs, state.stopping)
            }
            for (index, job) in jobs.enumerated() {
                if let error = send(job, handle) {
                    failure = error
                    unsent = Array(jobs[(index + 1)...])
                    break loop
                }
            }
            if stopping && jobs.isEmpty && expectedHead == expected.count && deferred.isEmpty { break }
            let flushed = PQflush(handle)
            if flushed < 0 {
                failure = postgresError(nil, connection: handle, sql: nil)
                break
            }
            var fds = [pollfd(fd: connection.socket, events: Int16(POLLIN) | (flushed == 1 ? Int16(POLLOUT) : 0),
                              revents: 0),
                       pollfd(fd: wake.read, events: Int16(POLLIN), revents: 0)]
            if poll(&fds, 2, -1) < 0 && errno != EINTR {
                failure = StoreError(code: StoreError.postgresConnectionLost, message: "poll failed")
                break
            }
            if fds[1].revents != 0 {
                var bytes = [UInt8](repeating: 0, count: 256)
                while Glibc.read(wake.read, &bytes, bytes.count) > 0 {}
            }
            if fds[0].revents & Int16(POLLIN | POLLHUP | POLLERR) != 0 {
                if PQconsumeInput(handle) == 0 {
                    failure = postgresError(nil, connection: handle, sql: nil)
                    failure!.code = StoreError.postgresConnectionLost
                    break
                }
                if let error = takeResults(handle) {
                    failure = error
                    break
                }
                if PQstatus(handle) != CONNECTION_OK {
                    failure = postgresError(nil, connection: handle, sql: nil)
                    break
                }
            }
        }
        if let failure { fail(with: failure, unsent: unsent) }
        // The session ends with the thread: its advisory lock (the leadership) goes with it.
        connection.close()
        stopped.signal()
    }

    /// Sends one job, or holds it behind a deferred sync; returns an error only when the connection failed.
    private func send(_ job: Job, _ handle: OpaquePointer) -> StoreError? {
        guard !deferred.isEmpty else { return transmit(job, handle) }
        switch job {
        case .statement, .read:
            held.append(job)
            return nil
        case .sync(let ticket, abort: false):
            // The turn is whole: its statements join the deferred turns' transaction, and its sync theirs.
            deferred.append(ticket)  // first: a failed send below settles it with the others
            return transmitHeld(handle)
        case .sync(_, abort: true):
            held = []  // never sent: nothing of the abandoned turn reached the server
            return transmit(job, handle)
        }
    }

    /// Sends the deferred sync once no sync is out, then what was held behind it (a turn under way).
    private func sendDeferredSyncAndHeld(_ handle: OpaquePointer) -> StoreError? {
        if let error = sendDeferredSync(handle) { return error }
        return transmitHeld(handle)
    }

    /// Sends the held jobs in order, each leaving `held` only once sent: a failure leaves the rest (a read the
    /// loop waits for among them) to be settled as failed.
    private func transmitHeld(_ handle: OpaquePointer) -> StoreError? {
        while !held.isEmpty {
            if let error = transmit(held[0], handle) { return error }
            held.removeFirst()
        }
        return nil
    }

    /// Sends one job to the server; returns an error only when the connection failed.
    private func transmit(_ job: Job, _ handle: OpaquePointer) -> StoreError? {
        switch job {
        case .statement(let sql, let values):
            if let error = sendQuery(sql, values, handle) { return error }
            expected.append(.statement(sql))
        case .read(let sql, let values, let pending):
            if let error = sendQuery(sql, values, handle) {
                pending.settle(.failure(error))
                return error
            }
            expected.append(.read(sql, pending))
            guard PQsendFlushRequest(handle) == 1 else { return postgresError(nil, connection: handle, sql: nil) }
        case .sync(let ticket, let abort):
            if !abort && syncsOut > 0 {
                deferred.append(ticket)
                return nil
            }
            if let error = sendDeferredSync(handle) { return error }
            if abort {
                // An error inside the implicit transaction rolls back everything since the last sync.
                if let error = sendQuery("DO $$BEGIN RAISE EXCEPTION 'turn abandoned'; END$$", [], handle) {
                    return error
                }
                expected.append(.statement("abandon"))
            }
            guard PQpipelineSync(handle) == 1 else { return postgresError(nil, connection: handle, sql: nil) }
            expected.append(.sync([ticket]))
            syncsOut += 1
            segment += 1
        }
        return nil
    }

    /// Sends the sync of the turns that ended while another sync was out, if any.
    private func sendDeferredSync(_ handle: OpaquePointer) -> StoreError? {
        guard !deferred.isEmpty else { return nil }
        guard PQpipelineSync(handle) == 1 else { return postgresError(nil, connection: handle, sql: nil) }
        expected.append(.sync(deferred))
        deferred = []
        syncsOut += 1
        segment += 1
        return nil
    }

    private func sendQuery(_ sql: String, _ values: [SQLValue], _ handle: OpaquePointer) -> StoreError? {
        var name = prepared[sql].flatMap { $0.confirmed || $0.segment == segment ? $0.name : nil }
        if name == nil {
            preparedCount += 1
            let fresh = "p\(preparedCount)"
            guard PQsendPrepare(handle, fresh, sql, 0, nil) == 1 else {
                return postgresError(nil, connection: handle, sql: sql)
            }
            expected.append(.prepare(sql, name: fresh))
            prepared[sql] = (fresh, segment, false)
            name = fresh
        }
        let sent = withPostgresParameters(values) { count, pointers, lengths, formats in
            PQsendQueryPrepared(handle, name!, count, pointers, lengths, formats, 0)
        }
        return sent == 1 ? nil : postgresError(nil, connection: handle, sql: sql)
    }

    /// Takes every result that has arrived and settles what it answers. Returns an error when the connection
    /// failed.
    private func takeResults(_ handle: OpaquePointer) -> StoreError? {
        while expectedHead < expected.count && PQisBusy(handle) == 0 {
            let result = PQgetResult(handle)
            let head = expected[expectedHead]
            guard let result else {
                // The end of the current query's results (a sync has none).
                if case .sync = head { break }
                advance()
                continue
            }
            defer { PQclear(result) }
            let status = PQresultStatus(result)
            switch head {
            case .sync(let tickets):
                guard status == PGRES_PIPELINE_SYNC else {
                    return StoreError(code: StoreError.postgresConnectionLost,
                                      message: "unexpected result where a sync was due")
                }
                for ticket in tickets { ticket.settle(segmentError) }
                segmentError = nil
                syncsOut -= 1
                advance()
                if syncsOut == 0, let error = sendDeferredSyncAndHeld(handle) { return error }
            case .read(let sql, let pending):
                if status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK {
                    pending.settle(.success(PostgresRows(result)))
                } else {
                    let error = failed(result, status, sql: sql, handle)
                    pending.settle(.failure(error))
                }
            case .prepare(let sql, let name):
                if status == PGRES_COMMAND_OK {
                    if prepared[sql]?.name == name { prepared[sql]?.confirmed = true }
                } else {
                    if prepared[sql]?.name == name { prepared[sql] = nil }
                    _ = failed(result, status, sql: sql, handle)
                }
            case .statement(let sql):
                if status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK {
                    _ = failed(result, status, sql: sql, handle)
                }
            }
        }
        return nil
    }

    /// Records a failed result as the segment's error (the first one: those after it are only aborted).
    private func failed(_ result: OpaquePointer, _ status: ExecStatusType, sql: String,
                        _ handle: OpaquePointer) -> StoreError {
        let error = status == PGRES_PIPELINE_ABORTED
            ? (segmentError ?? StoreError(code: StoreError.postgresFailure, message: "aborted", sql: sql))
            : postgresError(result, connection: handle, sql: sql)
        if segmentError == nil { segmentError = error }
        return error
    }

    private func advance() {
        expectedHead += 1
        if expectedHead == expected.count {
            expected.removeAll(keepingCapacity: true)
            expectedHead = 0
        }
    }

    /// The connection is gone: everything still pending fails with `error`, and so does everything sent later.
    private func fail(with error: StoreError, unsent: [Job] = []) {
        var lost = error
        lost.code = StoreError.postgresConnectionLost
        let jobs = shared.withLock { state -> [Job] in
            state.lost = lost
            defer { state.jobs.removeAll() }
            return state.jobs
        }
        for entry in expected[expectedHead...] {
            switch entry {
            case .sync(let tickets): for ticket in tickets { ticket.settle(lost) }
            case .read(_, let pending): pending.settle(.failure(lost))
            case .prepare, .statement: break
            }
        }
        for ticket in deferred { ticket.settle(lost) }
        deferred = []
        expected.removeAll()
        expectedHead = 0
        for job in held + unsent + jobs {
            switch job {
            case .sync(let ticket, _): ticket.settle(lost)
            case .read(_, _, let pending): pending.settle(.failure(lost))
            case .statement: break
            }
        }
        held = []
        onLost(lost)
    }
}
