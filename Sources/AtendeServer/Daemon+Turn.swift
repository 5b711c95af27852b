// Daemon, the request path and the end of a turn: lines become requests, requests become staged replies and
// effects, and `finishTurn` commits once for all of them before anything is released to a socket. When the
// commit (or any write) fails, the whole turn is rolled back: writers get -32603 with the reason, pushes are
// dropped, and the router is rebuilt from the store, so memory never holds what the disk does not.

import AtendeCore
import AtendeProtocol
import AtendeStore
import Glibc

let SQLITE_READONLY_CODE: Int32 = 8
let SQLITE_CANTOPEN_CODE: Int32 = 14
let SQLITE_IOERR_CODE: Int32 = 10

/// What a method handler returns.
enum Outcome {
    /// The encoded result.
    case result([UInt8])
    /// Work to do off the loop, then `finish` on the loop with its value.
    case offLoop(work: @Sendable () -> any Sendable, finish: (any Sendable, Instant) throws -> [UInt8])
}

/// What attendants last heard about a queue; a new `queue.changed` goes out only when this changes.
struct QueueSignature: Equatable {
    var waiting: Int
    var head: Int64?
}

extension Daemon {
    func stage(_ item: Staged, for connection: Connection) {
        if !connection.listed {
            connection.listed = true
            touched.append(connection)
        }
        connection.staged.append(item)
    }

    /// Handles every complete line the connection has, in order, until one has to wait for off-loop work.
    func processInput(_ connection: Connection, now: Instant) {
        while !connection.waiting && !connection.closed && !connection.closeAfterFlush {
            if connection.batch != nil {
                guard connection.batch!.next < connection.batch!.requests.count else {
                    let replies = connection.batch!.replies
                    connection.batch = nil
                    if !replies.isEmpty { stage(.batch(replies), for: connection) }
                    continue
                }
                let item = connection.batch!.requests[connection.batch!.next]
                connection.batch!.next += 1
                switch item {
                case .failure(let failure):
                    connection.batch!.replies.append(StagedReply(id: failure.id ?? .null, body: .error(failure.error),
                                                                 wrote: false))
                    count(failure.error)
                case .success(let request):
                    execute(request, on: connection, now: now)
                }
                continue
            }
            switch connection.framer.next() {
            case .needMore:
                return
            case .tooLong:
                let error = RPCError.invalidRequest("line longer than \(config.maxLineBytes) bytes")
                stage(.reply(StagedReply(id: .null, body: .error(error), wrote: false)), for: connection)
                count(error)
                connection.closeAfterFlush = true
                Log.warn("line too long, closing", ["conn": connection.id])
                return
            case .line(let line):
                switch RPCDecoder.decode(line: line, stacks: &parseStacks) {
                case .invalid(let failure), .single(.failure(let failure)):
                    stage(.reply(StagedReply(id: failure.id ?? .null, body: .error(failure.error), wrote: false)),
                          for: connection)
                    count(failure.error)
                case .single(.success(let request)):
                    execute(request, on: connection, now: now)
                case .batch(let requests):
                    connection.batch = BatchInProgress(requests: requests)
                }
            }
        }
    }

    /// Runs one request and files its answer (`file(_:for:on:)`) now, or later when the request needed off-loop
    /// work (the connection then waits, and resumes reading when the answer is filed).
    func execute(_ request: RPCRequest, on connection: Connection, now: Instant) {
        let id = request.id ?? .null
        // What the reply must remember of the moment its work began (taken again when off-loop work finishes).
        func start() -> (role: Role, events: BotEvents, writes: Int) {
            (connection.role, connection.botEvents, store.writeCount)
        }
        // A reply counts as a writer when its request tried to write (even if the write failed), or when the turn
        // already holds uncommitted changes or a failed write (memory may then show what the disk will not have).
        func answer(_ body: ReplyBody, since start: (role: Role, events: BotEvents, writes: Int)) {
            let wrote = store.writeCount != start.writes || store.changeCount != changesAtCommit
                || turnStorageError != nil
            file(StagedReply(id: id, body: body, wrote: wrote, roleBefore: start.role, eventsBefore: start.events),
                 for: request, on: connection)
        }
        let begun = start()
        do {
            switch try dispatch(request, on: connection, now: now) {
            case .result(let bytes):
                answer(.result(bytes), since: begun)
            case .offLoop(let work, let finish):
                connection.waiting = true
                runOffLoop(work) { [unowned self] value in
                    let now = Daemon.now()
                    connection.waiting = false
                    guard !connection.closed else { return }
                    let resumed = start()
                    do {
                        answer(.result(try finish(value, now)), since: resumed)
                    } catch {
                        answer(.error(rpcError(error)), since: resumed)
                    }
                    processInput(connection, now: now)
                    updateInterest(connection)
                }
            }
        } catch {
            answer(.error(rpcError(error)), since: begun)
        }
    }

    /// Files a request's answer: with the batch it belongs to while the connection has one (a request of a batch
    /// runs only while its batch is open, and the connection reads no new line until the batch is answered),
    /// else staged on its own. A notification's answer is dropped.
    func file(_ reply: StagedReply, for request: RPCRequest, on connection: Connection) {
        guard !request.isNotification else { return }
        if connection.batch != nil {
            connection.batch!.replies.append(reply)
        } else {
            stage(.reply(reply), for: connection)
        }
    }

    /// Maps any error of a handler to a JSON-RPC error; storage errors also fail the turn.
    func rpcError(_ error: any Error) -> RPCError {
        let mapped: RPCError
        switch error {
        case let error as RPCError:
            mapped = error
        case let error as ValidationError:
            mapped = .invalidParams(field: error.field, reason: error.reason)
        case let error as RoutingError:
            let code: Int
            switch error.kind {
            case .notFound: code = RPCErrorCode.notFound
            case .invalidState: code = RPCErrorCode.invalidState
            case .forbidden: code = RPCErrorCode.forbidden
            case .atCapacity: code = RPCErrorCode.atCapacity
            case .outsideHours: code = RPCErrorCode.outsideHours
            }
            mapped = RPCError(code: code, message: error.message, data: error.field.map { ["field": .string($0)] })
        case let error as StoreError:
            if turnStorageError == nil { turnStorageError = error }
            Log.error("storage error", ["error": error.description])
            mapped = .internalError(error.reason)
        default:
            Log.error("internal error", ["error": "\(error)"])
            mapped = .internalError("\(error)")
        }
        count(mapped)
        return mapped
    }

    func count(_ error: RPCError) { counters.errors[error.code, default: 0] += 1 }

    // MARK: - Effects

    /// Carries out the router's effects: rows to the store (now, in the turn's transaction), pushes to staging.
    /// `opened`: the conversation these effects opened, whose row does not exist yet. `closed`: the conversation
    /// these effects of `Router.close` closed, whose row only needs its state and closing time (while the router
    /// matches the store).
    func apply(_ effects: [RouterEffect], now: Instant, opened: ConversationID? = nil,
               closed: ConversationID? = nil) {
        guard !effects.isEmpty else { return }
        do {
            // Only a conversation's last save in these effects is written. Most calls carry a handful of
            // effects: a scan ahead is cheaper than a dictionary then; a drain can carry thousands.
            let indexed = effects.count > 16
            var lastSave: IDMap<ConversationID, Int> = [:]
            // Explanations are written in their conversation's row, by its last save here when it has one
            // (lines in effect order).
            var explained: IDMap<ConversationID, String> = [:]
            // By index, and matching without binding where a match only needs the id: binding copies the
            // effect's conversation, and these loops see every effect.
            for index in effects.indices {
                if indexed, let id = effects[index].savedID { lastSave[id] = index }
                if case .explained(let explanation) = effects[index] {
                    let id = explanation.conversationId
                    explained[id] = explained[id].map { $0 + "\n" + explanation.compact } ?? explanation.compact
                }
            }
            func takeExplained(_ id: ConversationID) -> String? {
                explained.isEmpty ? nil : explained.removeValue(forKey: id)
            }
            func isLastSave(_ id: ConversationID, at index: Int) -> Bool {
                if indexed { return lastSave[id] == index }
                for later in (index + 1)..<effects.count where effects[later].savedID == id { return false }
                return true
            }
            for index in effects.indices {
                switch effects[index] {
                case .saved(let conversation):
                    if isLastSave(conversation.id, at: index) {
                        let explanation = takeExplained(conversation.id)
                        if conversation.id == closed && explanation == nil && routerMatchesStore {
                            try store.saveClosing(conversation)
                        } else {
                            try store.saveConversation(conversation, new: conversation.id == opened,
                                                       explained: explanation)
                        }
                    }
                case .assigned(let conversation):
                    counters.assigned += 1
                    if let attendant = conversation.attendantId {
                        dirtyAttendants.insert(attendant)
                        try store.setLastAttendant(phone: conversation.contactPhone, attendant: attendant)
                        push(event("conversation.assigned", conversation), toAttendant: attendant)
                        if let queuedAt = conversation.queuedAt, let assignedAt = conversation.assignedAt {
                            counters.waitSeconds.observe(Double(assignedAt - queuedAt) / 1000)
                        }
                        if Log.enabled(.info) {
                            Log.info("chat assigned", ["chat": conversation.id, "att": attendant,
                                                       "dept": conversation.department ?? ""])
                        }
                    }
                case .closed(let conversation, let previous):
                    let event = event("conversation.closed", conversation)
                    if let previous {
                        push(event, toAttendant: previous)
                        dirtyAttendants.insert(previous)
                    }
                    pushToBots(event, for: conversation.id, last: true)
                case .transferredAway(let conversation, let from):
                    push(event("conversation.transferred", conversation), toAttendant: from)
                    dirtyAttendants.insert(from)
                case .queueChanged(let department):
                    dirtyDepartments.insert(department)
                case .attendantChanged(let attendant):
                    dirtyAttendants.insert(attendant)
                case .explained:
                    break  // with the conversation's row, above or below
                }
            }
            for (id, text) in explained.sorted(by: { $0.key < $1.key }) {
                try store.saveExplanation(conversation: id, body: text)
            }
        } catch {
            if turnStorageError == nil { turnStorageError = error }
        }
    }

    func push(_ bytes: [UInt8], toAttendant attendant: AttendantID) {
        guard let ids = sessions[attendant] else { return }
        for id in ids { if let connection = connections[id] { stage(.push(bytes), for: connection) } }
    }

    /// A bot event of conversation `id` goes to every `all` bot connection and to one `own` connection: the one
    /// the conversation belongs to, or else the longest-connected (lowest id), which then owns it. `last` (the
    /// conversation ended) forgets the owner.
    func pushToBots(_ bytes: [UInt8], for id: ConversationID, last: Bool) {
        for bot in bots { if let connection = connections[bot] { stage(.push(bytes), for: connection) } }
        let known = conversationBots[id]
        var owner = known
        if owner == nil || !ownBots.contains(owner!) { owner = ownBots.min() }
        if let owner, let connection = connections[owner] { stage(.push(bytes), for: connection) }
        setOwner(of: id, last ? nil : owner, was: known)
    }

    /// Changes a conversation's `own` bot connection, remembering the old one in case the turn fails.
    func setOwner(of id: ConversationID, _ owner: UInt64?, was known: UInt64?) {
        guard owner != known else { return }
        ownershipUndo.append((id, known))
        conversationBots[id] = owner
    }

    /// Makes `connection` a bot connection, receiving events as it asked.
    func enrollBot(_ connection: Connection) {
        switch connection.botEvents {
        case .all: bots.insert(connection.id)
        case .own: ownBots.insert(connection.id)
        }
    }

    /// Notes that an `own` bot connection acted for conversation `id`: its events go there from now on.
    func claim(_ id: ConversationID, by connection: Connection) {
        if connection.role == .bot && connection.botEvents == .own {
            setOwner(of: id, connection.id, was: conversationBots[id])
        }
    }

    /// Sends `attendant.changed` to monitoring admins for each attendant whose presence or load changed.
    func announceAttendants() {
        if !monitors.isEmpty && router.potentialCount != announcedPotentials {
            announcedPotentials = router.potentialCount
            var w = JSONWriter()
            w.beginObject()
            w.field("type", "potentials.changed")
            w.field("potentials", announcedPotentials)
            w.endObject()
            pushToMonitors(RPCEncoder.notification(method: "event", params: w.bytes))
        }
        guard !dirtyAttendants.isEmpty else { return }
        defer { dirtyAttendants.removeAll(keepingCapacity: true) }
        guard !monitors.isEmpty else { return }
        for attendant in dirtyAttendants {
            guard let record = try? store.attendant(attendant) else { continue }
            var w = JSONWriter(capacity: 512)
            w.beginObject()
            w.field("type", "attendant.changed")
            w.key("attendant")
            Wire.attendant(record, presence: router.presence(of: attendant), openChats: router.openChats(of: attendant),
                           into: &w)
            w.endObject()
            pushToMonitors(RPCEncoder.notification(method: "event", params: w.bytes))
        }
    }

    func pushToMonitors(_ bytes: [UInt8]) {
        for id in monitors { if let connection = connections[id] { stage(.push(bytes), for: connection) } }
    }

    /// Sends `queue.changed` to the connected attendants of each department whose waiting list looks different.
    func announceQueues() {
        guard !dirtyDepartments.isEmpty else { return }
        for department in dirtyDepartments {
            let waiting = router.waiting(in: department, limit: 1)
            let signature = QueueSignature(waiting: router.waitingCount(in: department), head: waiting.first?.id)
            guard announced[department] != signature else { continue }
            announced[department] = signature
            var writer = JSONWriter()
            writer.beginObject()
            writer.field("type", "queue.changed")
            writer.field("department", department)
            writer.field("waiting", signature.waiting)
            writer.endObject()
            let bytes = RPCEncoder.notification(method: "event", params: writer.bytes)
            for attendant in router.servers(of: department) { push(bytes, toAttendant: attendant) }
            pushToMonitors(bytes)
        }
        dirtyDepartments.removeAll(keepingCapacity: true)
    }

    // MARK: - End of turn

    /// Commits the turn's writes, then releases what the turn produced.
    func finishTurn(now: Instant) {
        let announcedBefore = announced
        let potentialsBefore = announcedPotentials
        announceQueues()
        announceAttendants()
        var committed = false
        if turnStorageError == nil && store.inTransaction {
            do {
                try store.commit()
                if sqlite?.lostCommittedFrames == true {
                    stopAfterFailedSync("SQLite counted a commit whose frames did not all reach the file",
                                        failed: "a write of the WAL")
                }
                counters.commits += 1
                committed = true
            } catch {
                turnStorageError = error
            }
        }
        if let error = turnStorageError {
            announced = announcedBefore
            announcedPotentials = potentialsBefore
            turnStorageError = nil
            failTurn(error, now: now)
        }
        changesAtCommit = store.changeCount
        ownershipUndo.removeAll(keepingCapacity: true)
        defer { Log.flush() }
        if outbox == nil { syncAhead() }
        // Writes made after the commit (a failed turn's sessions ended after its rollback) are not on disk yet,
        // and the output staged with them may show them: all of it waits for the next turn's commit (the loop
        // does not sleep while a transaction is open or output is staged).
        if !store.inTransaction { deliver(committed: committed, now: now) }
        if !sessionsToEnd.isEmpty {
            // Deactivations end their sessions once the change is committed (`dispatch` refuses the attendant for
            // the rest of the turn); what that writes and pushes goes out with the next turn's commit.
            let ending = sessionsToEnd
            sessionsToEnd.removeAll()
            for (attendant, reason) in ending { endSessionsNow(of: attendant, reason: reason, now: now) }
        }
    }

    /// Releases what the turn produced: straight to the sockets, or (durability full, or while earlier turns wait
    /// for their fsync) handed to the outbox.
    private func deliver(committed: Bool, now: Instant) {
        // Each connection is unlisted as its output is taken: output staged meanwhile (a disconnect's pushes) for
        // one still ahead in the list goes out with it, and for one already done lists it again, for the next turn.
        var list = spareTouched
        swap(&list, &touched)
        defer {
            list.removeAll(keepingCapacity: true)
            spareTouched = list
        }
        if let outbox, committed || (!handedTurns.isEmpty && !list.isEmpty) {
            // Durable before visible: this turn's output leaves after the fsync that covers its commit and every
            // commit before it (a turn that wrote nothing still queues behind the ones that did).
            guard let wal = store.durabilityBarrier else { stopAfterFailedSync("the WAL has no descriptor to fsync") }
            var deliveries: [DurableOutbox.Delivery] = []
            var handed: [(connection: Connection, direct: Bool)] = []
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
                                                         fresh: fresh, items: connection.staged))
                handed.append((connection, direct))
            }
            handedTurns.append(handed)
            outbox.hand(DurableOutbox.Turn(wal: wal, committed: committed, deliveries: deliveries))
            return
        }
        for connection in list {
            connection.listed = false
            guard !connection.closed else { continue }
            let items = connection.staged
            connection.staged.removeAll(keepingCapacity: true)  // before `release`: staged output holds a close back
            release(items, to: connection, now: now)
        }
    }

    /// Encodes `items` into the connection's output and writes what the socket takes.
    func release(_ items: [Staged], to connection: Connection, now: Instant) {
        guard !connection.closed else { return }
        Staged.encode(items, into: &connection.out)
        writeOut(connection, now: now)
    }

    /// Writes what the socket takes of the connection's output, then closes it or watches it as its state says.
    func writeOut(_ connection: Connection, now: Instant) {
        guard !connection.closed else { return }
        if !connection.flush() {
            disconnect(connection, now: now, reason: "write failed")
        } else if connection.pendingOutput > config.maxOutputBytes {
            Log.warn("slow client: output limit reached, disconnecting", ["conn": connection.id])
            disconnect(connection, now: now, reason: "output limit")
        } else if connection.readyToClose {
            beginDrain(connection, now: now)
        } else {
            updateInterest(connection)
        }
    }

    // MARK: - Durable output (durability full)

    /// Takes what the outbox finished: the output it could not write goes to its connections' queues, in turn
    /// order; connections closed meanwhile get their descriptors closed once the outbox is done with them.
    func finishRounds(now: Instant) {
        guard let outbox else { return }
        for round in outbox.takeFinished() {
            if round.error != 0 {
                if postgres != nil { stopAfterLostDatabase("a commit failed: \(String(cString: strerror(round.error)))") }
                stopAfterFailedSync(String(cString: strerror(round.error)))
            }
            if round.synced { counters.syncs += 1 }
            for leftover in round.leftovers {
                switch leftover {
                case .bytes(let id, let bytes):
                    connections[id]?.out.append(contentsOf: bytes)
                case .failed(let id):
                    if let connection = connections[id] { disconnect(connection, now: now, reason: "write failed") }
                }
            }
            for _ in 0..<round.turns {
                for (connection, direct) in handedTurns.removeFirst() {
                    connection.parked -= 1
                    if !direct { connection.returnsInFlight -= 1 }
                    if !connection.closed {
                        writeOut(connection, now: now)
                    } else if connection.parked == 0 {
                        close(connection.fd)  // only shut down by `disconnect`: the outbox could still write to it
                    }
                }
            }
        }
    }

    /// Durability normal: nothing waits for an fsync, but the WAL is still fsynced off the loop at most every
    /// 100 ms while commits come, so the checkpoint that lets the WAL start over (`rewindWALIfLong`, on the loop)
    /// finds little left to sync (measured at 5k opens/s: p99 7 ms without this).
    func syncAhead() {
        guard !syncAheadInFlight, counters.commits > syncedAheadCommits, let wal = sqlite?.walFile else { return }
        let now = Daemon.now()
        guard now >= nextSyncAhead || now.millis < nextSyncAhead.millis - 1000 else { return }  // or the clock went back
        syncAheadInFlight = true
        syncedAheadCommits = counters.commits
        nextSyncAhead = now + 100
        runOffLoop(on: syncQueue, { wal.sync() }) { [self] result in
            syncAheadInFlight = false
            let error = result as? Int32 ?? EIO
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

    /// A connection that met a read-only, unopenable or failing file stays that way even after the fault is fixed
    /// (SQLite keeps the descriptor and the state it got): after such a failed turn the store opens the file again
    /// before its next write, so the first write after the fault clears succeeds.
    func reopenStoreIfStuck(after error: StoreError) {
        guard [SQLITE_READONLY_CODE, SQLITE_CANTOPEN_CODE, SQLITE_IOERR_CODE].contains(error.code & 0xff) else {
            return
        }
        sqlite?.markSuspect()
    }

    /// The turn could not be made durable: nothing of it is kept or shown.
    func failTurn(_ error: StoreError, now: Instant) {
        if error.isConnectionLost { stopAfterLostDatabase(error.description) }
        store.rollback()
        for (id, owner) in ownershipUndo.reversed() { conversationBots[id] = owner }
        ownershipUndo.removeAll()
        sessionsToEnd.removeAll()
        counters.failedCommits += 1
        Log.error("turn rolled back", ["error": error.description])
        let failure = RPCError.internalError(error.reason)
        for connection in touched {
            // A session opened (or a role taken) by a request whose turn failed is undone: its reply says it failed.
            let undone = connection.staged.compactMap { item -> StagedReply? in
                if case .reply(let reply) = item, reply.wrote,
                   reply.roleBefore != connection.role || reply.eventsBefore != connection.botEvents {
                    return reply
                }
                return nil
            }.first
            if let undone {
                endSession(connection, now: now)
                connection.botEvents = undone.eventsBefore
                if undone.roleBefore == .admin || undone.roleBefore == .bot { connection.role = undone.roleBefore }
                if undone.roleBefore == .bot { enrollBot(connection) }
            }
            connection.staged = connection.staged.compactMap { item in
                switch item {
                case .push: return nil
                case .reply(var reply):
                    if reply.wrote { reply.body = .error(failure) }
                    return .reply(reply)
                case .batch(let replies):
                    return .batch(replies.map { reply in
                        var reply = reply
                        if reply.wrote { reply.body = .error(failure) }
                        return reply
                    })
                }
            }
        }
        reopenStoreIfStuck(after: error)
        dirtyDepartments.removeAll()
        dirtyAttendants.removeAll()
        do {
            // Sessions reconnect to the rebuilt router; what that assigns is applied at the start of the next turn,
            // so it is written in that turn's transaction and shown only after it commits, like any other change.
            reconnectEffects = try loadState(now: now).filter { effect in
                if case .attendantChanged = effect { return false }  // presence is what it was before the turn
                return true
            }
            routerMatchesStore = true
        } catch {
            routerMatchesStore = false
            Log.error("cannot reload state after a failed commit", ["error": "\(error)"])
        }
    }
}
