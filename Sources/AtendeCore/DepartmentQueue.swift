// DepartmentQueue: the FIFO of chats waiting in one department.
// Entries are (conversation, queueSeq). A chat that leaves the queue early (taken, transferred, closed) is not
// searched for: its entry goes stale, because the conversation no longer says "queued here with this seq", and
// is skipped when it reaches the head. Appending and leaving are O(1); stale entries are compacted away.

/// One place in a department queue.
public struct QueueEntry: Equatable, Sendable {
    /// The waiting conversation.
    public var id: ConversationID
    /// The sequence the conversation had when it joined; a different seq now means the entry is stale.
    public var seq: Int64
}

/// A FIFO of waiting chats with lazy removal.
public struct DepartmentQueue: Sendable {
    private var entries: [QueueEntry] = []
    private var head = 0
    /// Live (not stale) entries.
    public private(set) var count = 0

    /// Creates an empty queue.
    public init() {}

    /// True when no chat waits.
    public var isEmpty: Bool { count == 0 }

    /// Adds a chat at the back. Entries must be appended in increasing `seq`.
    public mutating func append(_ entry: QueueEntry) {
        entries.append(entry)
        count += 1
    }

    /// Inserts an entry in seq order (used by recovery and by tests; O(n) only when out of order).
    /// A chat taken back returns with the seq it had; when its old entry is still held (it left by another way
    /// than the head, and went stale), that entry is live again and no second one is added.
    public mutating func insertInOrder(_ entry: QueueEntry) {
        var index = entries.endIndex
        while index > head, entries[index - 1].seq > entry.seq { index -= 1 }
        if index > head, entries[index - 1] == entry {
            count += 1
        } else if index == entries.endIndex {
            append(entry)
        } else {
            entries.insert(entry, at: index)
            count += 1
        }
    }

    /// Notes that one live entry went stale (its chat left the queue some other way than `popFirst`).
    public mutating func entryWentStale() {
        count -= 1
        if count == 0 {
            entries.removeAll(keepingCapacity: entries.count < 4096)
            head = 0
        } else if entries.count - head > 64 && count * 4 < entries.count - head {
            compactionPending = true
        }
    }

    private var compactionPending = false

    /// The first live entry; `isLive` tells whether an entry still stands for a waiting chat. Stale entries in
    /// front are dropped on the way, and a pending compaction runs. Queues that are never drained from the head
    /// (the potentials, manual departments) call this after a chat leaves them, so their storage stays bounded.
    public mutating func first(isLive: (QueueEntry) -> Bool) -> QueueEntry? {
        if compactionPending { compact(isLive: isLive) }
        while head < entries.count && !isLive(entries[head]) { head += 1 }
        trimConsumed()
        return head < entries.count ? entries[head] : nil
    }

    /// Removes the first live entry, which the caller has just looked at with `first`.
    public mutating func removeFirst() {
        head += 1
        count -= 1
        trimConsumed()
    }

    /// Entries held, stale ones included (for tests: stale entries must not pile up).
    var storedCount: Int { entries.count }

    /// Frees the entries before the head once they are many and most of the array.
    private mutating func trimConsumed() {
        if head > 1024 && head * 2 > entries.count {
            entries.removeFirst(head)
            head = 0
        }
    }

    /// Live entries in queue order, at most `limit`.
    public func live(limit: Int = .max, isLive: (QueueEntry) -> Bool) -> [QueueEntry] {
        var result: [QueueEntry] = []
        var index = head
        while index < entries.count && result.count < limit {
            if isLive(entries[index]) { result.append(entries[index]) }
            index += 1
        }
        return result
    }

    private mutating func compact(isLive: (QueueEntry) -> Bool) {
        entries = entries[head...].filter(isLive)
        head = 0
        count = entries.count
        compactionPending = false
    }
}
