// QueuedJoins: which queue joins the bots already heard of (`conversation.queued`) in the current millisecond.
// A join is read from a saved waiting chat whose `queueJoinedAt` is now; a later request in that same millisecond
// that saves the chat again without moving it (a new priority) must not be taken for a second join. A join is
// told apart by the queue and the queue sequence: routing or transferring takes a new sequence, overflowing
// changes the queue, while a new priority keeps both. Only the current millisecond is kept, so this holds no
// more than the joins of one instant.

import AtendeCore

/// The joins announced to the bots at one instant.
struct QueuedJoins {
    private struct Join: Equatable {
        var department: String?
        var queueSeq: Int64
    }

    private var at = Instant(millis: Int64.min)
    private var joins: [ConversationID: Join] = [:]

    /// Whether a saved waiting chat is a join to announce now, and if so records it. `takenBack` (declined,
    /// expired, reply timeout, offline) is always a join, back in the chat's old place: its queue time is old.
    mutating func claim(_ conversation: Conversation, now: Instant, takenBack: Bool) -> Bool {
        guard takenBack || conversation.queueJoinedAt == now else { return false }
        if at != now {
            at = now
            if !joins.isEmpty { joins.removeAll(keepingCapacity: joins.count < 1024) }
        }
        let join = Join(department: conversation.department, queueSeq: conversation.queueSeq)
        if !takenBack && joins[conversation.id] == join { return false }
        joins[conversation.id] = join
        return true
    }

    /// Forgets every join (a failed turn: its pushes were dropped, so nothing it claimed was heard).
    mutating func forget() {
        joins.removeAll()
    }
}
