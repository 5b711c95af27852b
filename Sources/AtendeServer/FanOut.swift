// FanOut: who hears what. It owns the live connections by id, the attendants' sessions and presence wishes, the
// bot connections (all events, or their own: which conversation belongs to which), the monitoring admins, and
// what attendants last heard about each queue; it turns router effects and announcements into pushes staged on
// connections, which the turn releases after its commit. A failed turn undoes what it changed here.

import AtendeCore
import AtendeProtocol
import AtendeStore

/// What attendants last heard about a queue; a new `queue.changed` goes out only when this changes.
struct QueueSignature: Equatable {
    var waiting: Int
    var head: Int64?
}

/// The turn's audience: connections, sessions and subscriptions, and the output staged for them.
final class FanOut {
    let loop: LoopThread
    /// Every open connection, by id.
    var connections: IDMap<UInt64, Connection> = [:]
    var sessions: IDMap<AttendantID, IDSet<UInt64>> = [:]
    var away: IDSet<AttendantID> = []
    /// The presence each logged-in attendant's connections last heard of (`announcePresence`).
    var announcedPresence: [AttendantID: Presence] = [:]
    /// Bot connections that take every bot event, and those that take their own (`auth.bot {events}`).
    var bots: IDSet<UInt64> = []
    var ownBots: IDSet<UInt64> = []
    /// The `own` bot connection each open conversation belongs to (the last one that opened or sent for it).
    var conversationBots: IDMap<ConversationID, UInt64> = [:]
    /// Owners changed during the current turn, with the previous ones: put back if the turn fails.
    private var ownershipUndo: [(ConversationID, UInt64?)] = []
    /// Sessions to end when the turn commits (`endSessions`).
    var sessionsToEnd: [(AttendantID, String)] = []
    var monitors: IDSet<UInt64> = []
    /// Wait alerts that fell due while no bot was connected (at a start, before any bot is back): the chat and the
    /// department it waits in. Sent once per chat per department, such an alert goes to the first bot that comes.
    var heldWaitAlerts: IDMap<ConversationID, String> = [:]
    /// The router's `potentialsVersion` last announced (set at start to the one loaded).
    var announcedPotentials = 0
    var announced: IDMap<String, QueueSignature> = [:]
    /// The queue joins the bots heard of in the current millisecond (`conversation.queued`, once per join).
    var queuedJoins = QueuedJoins()
    var dirtyDepartments: IDSet<String> = []
    /// Departments whose waiting chats changed order this turn without the count or the head changing (a priority
    /// or a new priority step, `queueReordered`): announced anyway, since the list the attendants see did change.
    var reorderedDepartments: IDSet<String> = []
    var dirtyAttendants: IDSet<AttendantID> = []
    /// Connections with output staged this turn, in the order they got it.
    private(set) var touched: [Connection] = []
    /// `touched`'s buffer between turns (the two swap at release).
    private var spareTouched: [Connection] = []

    init(loop: LoopThread) { self.loop = loop }

    /// Whether any connection has output staged in this turn.
    var hasStaged: Bool { !touched.isEmpty }

    func stage(_ item: Staged, for connection: Connection) {
        loop.check()
        if !connection.listed {
            connection.listed = true
            touched.append(connection)
        }
        connection.staged.append(item)
    }

    /// Takes the list of connections with staged output (each unlisted by its taker as its output is taken).
    func takeTouched() -> [Connection] {
        var list = spareTouched
        swap(&list, &touched)
        return list
    }

    /// Gives back a list taken by `takeTouched`, emptied, for its buffer.
    func returnTouched(_ list: inout [Connection]) {
        list.removeAll(keepingCapacity: true)
        swap(&list, &spareTouched)
    }

    func push(_ bytes: [UInt8], toAttendant attendant: AttendantID) { push(.push(bytes), toAttendant: attendant) }

    func push(_ item: Staged, toAttendant attendant: AttendantID) {
        guard let ids = sessions[attendant] else { return }
        for id in ids { if let connection = connections[id] { stage(item, for: connection) } }
    }

    /// A push for the attendant's connections other than `except` (the one that acted); encoded only when there
    /// are some.
    func push(_ bytes: () -> [UInt8], toAttendant attendant: AttendantID, except: UInt64) {
        guard let ids = sessions[attendant], ids.contains(where: { $0 != except }) else { return }
        let encoded = bytes()
        for id in ids where id != except {
            if let connection = connections[id] { stage(.push(encoded), for: connection) }
        }
    }

    /// A bot event of conversation `id` goes to every `all` bot connection and to one `own` connection: the one
    /// the conversation belongs to, or else the longest-connected (lowest id), which then owns it. `last` (the
    /// conversation ended) forgets the owner.
    func pushToBots(_ bytes: [UInt8], for id: ConversationID, last: Bool) {
        pushToBots(.push(bytes), for: id, last: last)
    }

    func pushToBots(_ item: Staged, for id: ConversationID, last: Bool) {
        for bot in bots { if let connection = connections[bot] { stage(item, for: connection) } }
        let known = conversationBots[id]
        var owner = known
        if owner == nil || !ownBots.contains(owner!) { owner = ownBots.min() }
        if let owner, let connection = connections[owner] { stage(item, for: connection) }
        setOwner(of: id, last ? nil : owner, was: known)
    }

    /// Changes a conversation's `own` bot connection, remembering the old one in case the turn fails.
    private func setOwner(of id: ConversationID, _ owner: UInt64?, was known: UInt64?) {
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

    func pushToMonitors(_ bytes: [UInt8]) {
        for id in monitors { if let connection = connections[id] { stage(.push(bytes), for: connection) } }
    }

    /// What the announcements stood at before a turn's own, for `undoAnnouncements` if the turn fails.
    struct Mark {
        fileprivate let announced: IDMap<String, QueueSignature>
        fileprivate let potentials: Int
    }

    /// Sends `queue.changed` and `attendant.changed` for what the turn changed; returns what to put back if the
    /// turn then fails (its pushes are dropped, so the next turn must announce again).
    func announce(router: borrowing Router, store: any DurableStore) -> Mark {
        let mark = Mark(announced: announced, potentials: announcedPotentials)
        announceQueues(router: router)
        announcePotentials(router: router)
        announceAttendants(router: router, store: store)
        return mark
    }

    /// The turn failed: its announcements go out again with a later turn (their pushes are dropped).
    func undoAnnouncements(_ mark: Mark) {
        announced = mark.announced
        announcedPotentials = mark.potentials
    }

    /// The turn failed: its changes of bot ownership are put back and the sessions it ended stay.
    func undoOwnership() {
        for (id, owner) in ownershipUndo.reversed() { conversationBots[id] = owner }
        ownershipUndo.removeAll()
        sessionsToEnd.removeAll()
    }

    /// The turn failed: what it marked for announcing is forgotten (the router is rebuilt from the store).
    func forgetChanges() {
        dirtyDepartments.removeAll()
        reorderedDepartments.removeAll()
        dirtyAttendants.removeAll()
        queuedJoins.forget()
    }

    /// The turn is over (committed or undone): its changes of ownership stay.
    func settleTurn() { ownershipUndo.removeAll(keepingCapacity: true) }

    /// Sends `potentials.changed` to monitoring admins and to the logged-in attendants (who may read the
    /// potentials) when the list changed.
    private func announcePotentials(router: borrowing Router) {
        guard router.potentialsVersion != announcedPotentials else { return }
        announcedPotentials = router.potentialsVersion
        guard !monitors.isEmpty || !sessions.isEmpty else { return }
        var w = JSONWriter()
        w.beginObject()
        w.field("type", "potentials.changed")
        w.field("potentials", router.potentialCount)
        w.endObject()
        let bytes = RPCEncoder.notification(method: "event", params: w.bytes)
        pushToMonitors(bytes)
        for (attendant, _) in sessions { push(bytes, toAttendant: attendant) }
    }

    /// Sends `attendant.changed` to monitoring admins for each attendant whose presence or load changed.
    private func announceAttendants(router: borrowing Router, store: any DurableStore) {
        guard !dirtyAttendants.isEmpty else { return }
        defer { dirtyAttendants.removeAll(keepingCapacity: true) }
        guard !monitors.isEmpty else { return }
        for attendant in dirtyAttendants {
            let found: AttendantRecord?
            do { found = try store.attendant(attendant) } catch { continue }  // unreadable now: nothing to say
            var w = JSONWriter(capacity: 512)
            w.beginObject()
            w.field("type", "attendant.changed")
            w.key("attendant")
            if let record = found {
                Wire.attendant(record, presence: router.presence(of: attendant),
                               openChats: router.openChats(of: attendant),
                               wrappingChats: router.wrappingChats(of: attendant), into: &w)
            } else {
                // Deleted (`attendant.delete`): only its id, as `admin.changed` says a deleted admin account.
                w.beginObject()
                w.field("id", attendant)
                w.endObject()
                w.field("deleted", true)
            }
            w.endObject()
            pushToMonitors(RPCEncoder.notification(method: "event", params: w.bytes))
        }
    }

    /// Sends `queue.changed` to the connected attendants of each department whose waiting list looks different.
    private func announceQueues(router: borrowing Router) {
        guard !dirtyDepartments.isEmpty else { return }
        for department in dirtyDepartments {
            let waiting = router.waiting(in: department, limit: 1)
            let signature = QueueSignature(waiting: router.waitingCount(in: department), head: waiting.first?.id)
            guard announced[department] != signature || reorderedDepartments.contains(department) else { continue }
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
        reorderedDepartments.removeAll(keepingCapacity: true)
    }
}
