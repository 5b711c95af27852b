// Daemon, the request path and the end of a turn: lines become requests, requests become staged replies and
// effects, and `finishTurn` commits once for all of them before anything is released to a socket. When the
// commit (or any write) fails, the whole turn is rolled back: writers get -32603 with the reason, pushes are
// dropped, and the router is rebuilt from the store, so memory never holds what the disk does not.

import AtendeCore
import AtendeProtocol
import AtendeStore
import Glibc

/// What a method handler returns.
enum Outcome {
    /// The encoded result.
    case result([UInt8])
    /// Work to do off the loop, then `finish` on the loop with its value.
    case offLoop(work: @Sendable () -> any Sendable, finish: (any Sendable, Instant) throws -> [UInt8])
}

extension Daemon {
    func stage(_ item: Staged, for connection: Connection) { fanOut.stage(item, for: connection) }

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
            case .control(let frame, let closing):
                stage(.frame(frame), for: connection)
                if closing {
                    connection.closeAfterFlush = true
                    return
                }
            case .tooLong:
                // The connection's limit: 64 KiB for a network client not yet authenticated, else maxLineBytes.
                let error = RPCError.invalidRequest("line longer than \(connection.framer.limit) bytes")
                stage(.reply(StagedReply(id: .null, body: .error(error), wrote: false)), for: connection)
                count(error)
                connection.closeAfterFlush = true
                Log.warn("line too long, closing", ["conn": connection.id])
                return
            case .line(let line):
                handle(RPCDecoder.decode(line: line, stacks: &parseStacks), on: connection, now: now)
            case .lineAt(let range):
                // Parsed where it lies in the connection's buffer, not copied out first.
                let incoming = connection.framer.withLine(range) {
                    RPCDecoder.decode(bytes: $0, stacks: &parseStacks)
                }
                handle(incoming, on: connection, now: now)
            }
        }
    }

    private func handle(_ incoming: RPCIncoming, on connection: Connection, now: Instant) {
        switch incoming {
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

    /// Runs one request and files its answer (`file(_:for:on:)`) now, or later when the request needed off-loop
    /// work (the connection then waits, and resumes reading when the answer is filed).
    func execute(_ request: RPCRequest, on connection: Connection, now: Instant) {
        let id = request.id ?? .null
        // What the reply must remember of the moment its work began (taken again when off-loop work finishes).
        func start() -> (role: Role, events: BotEvents, writes: Int) {
            (connection.role, connection.botEvents, journal.store.writeCount)
        }
        // A reply counts as a writer when its request tried to write (even if the write failed), or when the turn
        // already holds uncommitted changes or a failed write (memory may then show what the disk will not have).
        func answer(_ body: ReplyBody, since start: (role: Role, events: BotEvents, writes: Int)) {
            let wrote = journal.wrote(since: start.writes)
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
                    if connection.inputEnded { closeIfInputDone(connection, now: now) }
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
            journal.record(error)
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
        // Read in place: an element read from the array is a copy of the whole effect (a conversation's strings
        // and its details box retained, then released), and these loops look at every effect more than once.
        effects.withUnsafeBufferPointer { apply(effects: $0, now: now, opened: opened, closed: closed) }
    }

    private func apply(effects: UnsafeBufferPointer<RouterEffect>, now: Instant, opened: ConversationID?,
                       closed: ConversationID?) {
        let store = journal.store
        do {
            // Only a conversation's last save in these effects is written. Most calls carry a handful of
            // effects: a scan ahead is cheaper than a dictionary then; a drain can carry thousands.
            let indexed = effects.count > 16
            var lastSave: IDMap<ConversationID, Int> = [:]
            // Explanations are written in their conversation's row, by its last save here when it has one
            // (lines in effect order).
            var explained = ExplanationLines()
            // Chats taken back from an attendant here (declined, expired, reply timeout, offline): back in their
            // queue with their old queuedAt, they join it again for the bots' `conversation.queued`.
            // (a set: a tick of offer expiries takes back a thousand chats, and each of their saves asks)
            var takenBack: Set<ConversationID> = []
            for index in effects.indices {
                switch effects[index].kind {
                case .saved:
                    if indexed, let id = effects[index].savedID { lastSave[id] = index }
                case .explained:
                    guard case .explained(let explanation) = effects[index] else { break }
                    let id = explanation.conversationId
                    explained.append(explanation.compact, for: id)
                case .noted:
                    guard case .noted(let note) = effects[index] else { break }
                    let id = note.conversationId
                    explained.append(note.compact, for: id)
                    if note.kind != .accepted { takenBack.insert(id) }
                default:
                    break
                }
            }
            func takeExplained(_ id: ConversationID) -> String? {
                explained.take(id)
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
                        if conversation.id == closed && explanation == nil && journal.routerMatchesStore {
                            try store.saveClosing(conversation)
                        } else {
                            try store.saveConversation(conversation, new: conversation.id == opened,
                                                       explained: explanation)
                        }
                        if conversation.state == .queued
                            && (conversation.queueJoinedAt == now || takenBack.contains(conversation.id))
                            && fanOut.queuedJoins.claim(conversation, now: now,
                                                        takenBack: takenBack.contains(conversation.id)) {
                            announceQueued(conversation, now: now)
                        }
                    }
                case .assigned(let conversation):
                    counters.assigned += 1
                    if let attendant = conversation.attendantId {
                        fanOut.dirtyAttendants.insert(attendant)
                        storedKeys.notePhone(conversation.contactPhone)
                        try store.setLastAttendant(phone: conversation.contactPhone, attendant: attendant)
                        fanOut.push(Wire.event(.assigned, encoded: conversationJSON(conversation)),
                                    toAttendant: attendant)
                        try pushAssignedToBots(conversation, attendant: attendant)
                        if let queuedAt = conversation.queuedAt, let assignedAt = conversation.assignedAt {
                            counters.waitSeconds.observe(Double(assignedAt - queuedAt) / 1000)
                        }
                        if Log.enabled(.info) {
                            Log.info("chat assigned", ["chat": conversation.id, "att": attendant,
                                                       "dept": conversation.department ?? ""])
                        }
                    }
                case .closed(let conversation, let previous):
                    let event = Wire.event(.closed, encoded: conversationJSON(conversation))
                    if let previous {
                        fanOut.push(event, toAttendant: previous)
                        fanOut.dirtyAttendants.insert(previous)
                    }
                    fanOut.pushToBots(event, for: conversation.id, last: true)
                case .transferredAway(let conversation, let from):
                    fanOut.push(event("conversation.transferred", conversation), toAttendant: from)
                    fanOut.dirtyAttendants.insert(from)
                case .queueChanged(let department):
                    fanOut.dirtyDepartments.insert(department)
                case .queueReordered(let department):
                    fanOut.dirtyDepartments.insert(department)
                    fanOut.reorderedDepartments.insert(department)
                case .attendantChanged(let attendant):
                    fanOut.dirtyAttendants.insert(attendant)
                    attendantTails[attendant] = nil  // an edit may have renamed it
                case .explained:
                    break  // with the conversation's row, above or below
                case .offered, .revoked, .presenceChanged, .noted, .wrapUpEnded, .graceChanged, .missedOffersChanged:
                    try applyOfferEffect(effects[index])
                case .waitExceeded(let conversation, let waited):
                    announceWaitExceeded(conversation, waitedSeconds: waited)
                }
            }
            // Left over: explanations of chats these effects did not save (most calls leave none).
            if !explained.isEmpty {
                for (id, text) in explained.remaining() {
                    try store.saveExplanation(conversation: id, body: text)
                }
            }
        } catch {
            journal.record(error)
        }
    }

    // MARK: - End of turn

    /// Ends the turn: the fan-out announces what changed, the journal commits, and what the turn produced is
    /// released (durable before visible); a failed turn is undone instead.
    func finishTurn(now: Instant) {
        let releasedAlerts = sendHeldWaitAlerts(now: now)  // Methods+Queue.swift
        fanOut.announcePresence(router: router)  // FanOut+PresencePush.swift
        let mark = fanOut.announce(router: router, store: journal.store)
        let zoneAnnounced = zoneAnnouncementDue
        if zoneAnnounced { announceTimeZone() }  // Daemon.swift
        let committed = journal.commit(counters: &counters)
        if let error = journal.takeError() {
            fanOut.undoAnnouncements(mark)
            for (id, department) in releasedAlerts { fanOut.heldWaitAlerts[id] = department }
            failTurn(error, now: now)
        } else if zoneAnnounced {
            zoneAnnouncementDue = false
        }
        journal.settle()
        fanOut.settleTurn()
        defer { Log.flush() }
        journal.syncAhead(commits: counters.commits) { queue, wal, done in
            runOffLoop(on: queue, { wal.sync() }) { result in done(result as? Int32 ?? EIO) }
        }
        // Writes made after the commit (a failed turn's sessions ended after its rollback) are not on disk yet,
        // and the output staged with them may show them: all of it waits for the next turn's commit (the loop
        // does not sleep while a transaction is open or output is staged).
        if !journal.store.inTransaction {
            release(committed: committed, now: now,
                    heldWaitAlerts: committed ? releasedAlerts : [])
        }
        endSessionsOfCommittedTurn(now: now)
        endSessionsAfterCommit(now: now)
        reloadAfterRefusedCommits(now: now)  // Daemon+RefusedCommit.swift
    }

    /// Releases what the turn produced: straight to the sockets, or (durability full, or while earlier turns wait
    /// for their fsync) handed to the journal's outbox.
    private func release(committed: Bool, now: Instant, heldWaitAlerts: [(conversation: Int64, department: String)]) {
        // Each connection is unlisted as its output is taken: output staged meanwhile (a disconnect's pushes) for
        // one still ahead in the list goes out with it, and for one already done lists it again, for the next turn.
        var list = fanOut.takeTouched()
        defer { fanOut.returnTouched(&list) }
        if journal.hand(list, committed: committed, heldWaitAlerts: heldWaitAlerts) { return }
        for connection in list {
            connection.listed = false
            guard !connection.closed else { continue }
            let items = connection.staged
            connection.staged.removeAll(keepingCapacity: true)  // before `release`: staged output holds a close back
            release(items, to: connection, now: now)
        }
    }

    /// Deactivations end their sessions once the change is committed (`dispatch` refuses the attendant for the rest
    /// of the turn); what that writes and pushes goes out with the next turn's commit.
    private func endSessionsOfCommittedTurn(now: Instant) {
        guard !fanOut.sessionsToEnd.isEmpty else { return }
        let ending = fanOut.sessionsToEnd
        fanOut.sessionsToEnd.removeAll()
        for (attendant, reason) in ending {
            // A reload must not log a deactivated attendant in (written with the next turn's commit).
            do {
                try web.sessions.end(account: .attendant(attendant), in: journal.store)
            } catch {
                _ = rpcError(error)
            }
            endSessionsNow(of: attendant, reason: reason, now: now)
        }
    }

    /// Encodes `items` into the connection's output and writes what the socket takes.
    func release(_ items: [Staged], to connection: Connection, now: Instant) {
        guard !connection.closed else { return }
        Staged.encode(items, webSocket: connection.isWebSocket, into: &connection.out)
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

    /// Durability full: takes what the journal's outbox finished. The output it could not write goes to its
    /// connections' queues, in turn order; connections closed meanwhile get their descriptors closed once the
    /// outbox is done with them.
    func finishRounds(now: Instant) {
        let syncs = journal.finishRounds(leftover: { leftover in
            switch leftover {
            case .bytes(let id, let bytes):
                fanOut.connections[id]?.out.append(contentsOf: bytes)
            case .failed(let id):
                if let connection = fanOut.connections[id] { disconnect(connection, now: now, reason: "write failed") }
            }
        }, returned: { connection in
            if !connection.closed {
                writeOut(connection, now: now)
            } else if connection.parked == 0 {
                close(connection.fd)  // only shut down by `disconnect`: the outbox could still write to it
            }
        })
        counters.syncs += syncs
    }

    /// The turn could not be made durable: nothing of it is kept or shown.
    func failTurn(_ error: StoreError, now: Instant) {
        if error.isConnectionLost { journal.stopAfterLostDatabase(error.description) }
        journal.rollBack()
        fanOut.undoOwnership()
        web.sessionEndings.removeAll()
        counters.failedCommits += 1
        Log.error("turn rolled back", ["error": error.description])
        let failure = RPCError.internalError(error.reason)
        for connection in fanOut.touched {
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
                if undone.roleBefore == .bot { fanOut.enrollBot(connection) }
            }
            connection.staged = connection.staged.compactMap { item in
                switch item {
                case .push, .event: return nil
                case .frame: return item
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
        journal.reopenIfStuck(after: error)
        fanOut.forgetChanges()
        do {
            // Sessions reconnect to the rebuilt router; what that assigns is applied at the start of the next turn,
            // so it is written in that turn's transaction and shown only after it commits, like any other change.
            reconnectEffects = try loadState(now: now).filter { effect in
                if case .attendantChanged = effect { return false }  // presence is what it was before the turn
                return true
            }
            journal.routerMatchesStore = true
        } catch {
            journal.routerMatchesStore = false
            Log.error("cannot reload state after a failed commit", ["error": "\(error)"])
        }
    }
}

/// The explanation lines of the effects being applied, by conversation. Most lists explain one chat: it is held
/// apart, and a table is made only for a second one.
private struct ExplanationLines {
    private var firstID: ConversationID = -1
    private var firstText = ""
    private var others: IDMap<ConversationID, String> = [:]

    var isEmpty: Bool { firstID < 0 && others.isEmpty }

    /// Adds a line to `id`'s text.
    mutating func append(_ line: String, for id: ConversationID) {
        if firstID < 0 && others.isEmpty {
            firstID = id
            firstText = line
        } else if id == firstID {
            firstText += "\n" + line
        } else {
            others[id] = others[id].map { $0 + "\n" + line } ?? line
        }
    }

    /// Removes and returns `id`'s text.
    mutating func take(_ id: ConversationID) -> String? {
        if id == firstID {
            firstID = -1
            return firstText
        }
        return others.isEmpty ? nil : others.removeValue(forKey: id)
    }

    /// The texts not taken, by conversation id.
    func remaining() -> [(ConversationID, String)] {
        var list = others.map { ($0.key, $0.value) }
        if firstID >= 0 { list.append((firstID, firstText)) }
        return list.sorted { $0.0 < $1.0 }
    }
}
