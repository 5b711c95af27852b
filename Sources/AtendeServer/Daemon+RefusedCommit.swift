// Daemon, a turn PostgreSQL refused: a statement it would not take (a constraint, a value out of range) rolls
// back that turn's transaction only. Its result arrives after later turns were handled, so the turn is answered
// where its output waits (the DurableOutbox), as SQLite's failed commit is at the end of its turn (`failTurn`):
// the replies that wrote become -32603 and its pushes are dropped. The turns after it committed on their own.
// The router still holds what the refused turn did, so at the end of the turn in which the loop learns of it the
// loop rebuilds the routing state from the database, read behind every write sent so far; the failure reaches the
// client through the loop, so nothing the client sends after it is read before that. Only a lost connection
// stops the leader (exit 75).

import AtendeCore
import AtendeProtocol
import AtendeStore

/// A turn whose commit PostgreSQL refused, answered as failed.
struct RefusedTurn: Sendable {
    /// Why PostgreSQL refused it.
    let error: StoreError
    /// The turn's output as it goes out: replies that wrote are errors, pushes are gone.
    let deliveries: [DurableOutbox.Delivery]
    /// Each reply that wrote, by connection: a session it opened is undone on the loop.
    let undone: [(connection: UInt64, reply: StagedReply)]
    /// The held wait alerts the turn sent: held again, their pushes being dropped.
    let heldWaitAlerts: [(conversation: Int64, department: String)]

    init(_ turn: DurableOutbox.Turn) {
        heldWaitAlerts = turn.heldWaitAlerts
        error = (turn.wal as? CommitTicket)?.refusal
            ?? StoreError(code: StoreError.postgresFailure, message: "the commit was refused")
        let failure = RPCError.internalError(error.reason)
        var undone: [(UInt64, StagedReply)] = []
        deliveries = turn.deliveries.map { delivery in
            let items = delivery.items.compactMap { item -> Staged? in
                switch item {
                case .push, .event: return nil
                case .frame: return item
                case .reply(var reply):
                    if reply.wrote {
                        undone.append((delivery.connection, reply))
                        reply.body = .error(failure)
                    }
                    return .reply(reply)
                case .batch(let replies):
                    return .batch(replies.map { reply in
                        var reply = reply
                        if reply.wrote {
                            undone.append((delivery.connection, reply))
                            reply.body = .error(failure)
                        }
                        return reply
                    })
                }
            }
            return DurableOutbox.Delivery(connection: delivery.connection, fd: delivery.fd, direct: delivery.direct,
                                          fresh: delivery.fresh, webSocket: delivery.webSocket, items: items)
        }
        self.undone = undone
    }
}

extension Daemon {
    /// After the outbox answered refused turns (`Journal.refusedTurns`): undoes the sessions their replies opened
    /// and rebuilds the routing state from the database. Runs between turns, with no transaction open.
    func reloadAfterRefusedCommits(now: Instant) {
        guard !journal.refusedTurns.isEmpty, !journal.store.inTransaction else { return }
        let refused = journal.refusedTurns
        journal.refusedTurns.removeAll()
        for turn in refused {
            counters.failedCommits += 1
            for (id, department) in turn.heldWaitAlerts { fanOut.heldWaitAlerts[id] = department }
            Log.error("PostgreSQL refused a turn: it was rolled back and answered -32603",
                      ["error": turn.error.description])
            for (id, reply) in turn.undone {
                guard let connection = fanOut.connections[id], !connection.closed,
                      reply.roleBefore != connection.role || reply.eventsBefore != connection.botEvents else {
                    continue
                }
                endSession(connection, now: now)
                connection.botEvents = reply.eventsBefore
                if reply.roleBefore == .admin || reply.roleBefore == .bot { connection.role = reply.roleBefore }
                if reply.roleBefore == .bot { fanOut.enrollBot(connection) }
            }
        }
        // A later turn may have used an id the refused turn took (a message to the chat it opened): never again.
        let issued = nextConversationID
        defer { nextConversationID = max(nextConversationID, issued) }
        do {
            // As after SQLite's failed commit (`failTurn`): sessions reconnect to the rebuilt router, and what that
            // assigns is applied at the start of the next turn, in that turn's transaction.
            reconnectEffects = try loadState(now: now).filter { effect in
                if case .attendantChanged = effect { return false }
                return true
            }
            journal.routerMatchesStore = true
        } catch {
            journal.routerMatchesStore = false
            Log.error("cannot reload state after a refused commit", ["error": "\(error)"])
        }
    }
}
