// DeadlineHeap: every timer the router keeps, in one min-heap keyed by what the timer is for.
// The daemon asks one question ("when is the next one?") to set its poll timeout and makes one call (`tick`) when
// it comes; a new kind of timer is a new case of `DeadlineKind` and a branch where the router applies it, nothing
// else. A kind is its own key: scheduling it again moves it, so a chat or an attendant never has two of one kind.

/// What a deadline is for, with the id it belongs to.
public enum DeadlineKind: Hashable, Sendable {
    /// A connected attendant's next working-hours boundary.
    case hoursBoundary(AttendantID)
    /// An offered chat's offer runs out.
    case offerExpiry(ConversationID)
    /// An offer held by an attendant just turned away for missed offers goes back (due at once: applied with the
    /// turn's other deadlines, so a thousand of them are spread over turns like expiries).
    case offerWithdrawal(ConversationID)
    /// An assigned chat has had no attendant reply for the department's `replyTimeout`.
    case replyTimeout(ConversationID)
    /// A closed chat's wrap-up ends and frees its attendant's slot.
    case wrapUpEnd(ConversationID)
    /// An attendant who lost its last connection has not come back within the presence grace.
    case presenceGrace(AttendantID)
    /// A waiting chat has waited its department's `overflow.after` in its queue.
    case overflow(ConversationID)
    /// A waiting chat has waited its department's `waitAlert` in its queue.
    case waitAlert(ConversationID)
}

/// A binary min-heap of deadlines ordered by instant, then by the order they were scheduled in (so ties are
/// applied first come, first served), with a position index so that moving or cancelling one is O(log n).
/// Each kind held gets a slot number when scheduled: the heap's entries carry it, and their positions are kept in
/// an array by slot, so a sift step writes an array element instead of hashing the kind into a dictionary; the
/// kind is hashed once per schedule, cancel or pop.
public struct DeadlineHeap: Sendable {
    private struct Entry: Sendable {
        var at: Int64
        var order: Int64
        var kind: DeadlineKind
        var slot: Int

        func precedes(_ other: Entry) -> Bool { (at, order) < (other.at, other.order) }
    }

    private var entries: [Entry] = []
    /// The slot of each kind held.
    private var slots: [DeadlineKind: Int] = [:]
    /// By slot: where its entry is in `entries` (-1 for a free slot).
    private var position: [Int] = []
    /// Slots given back, to be used again.
    private var freeSlots: [Int] = []
    private var scheduled: Int64 = 0

    /// Creates an empty heap.
    public init() {}

    /// Number of deadlines held.
    public var count: Int { entries.count }
    /// True when no deadline is held.
    public var isEmpty: Bool { entries.isEmpty }
    /// The earliest deadline and what it is for.
    public var next: (kind: DeadlineKind, at: Instant)? {
        entries.first.map { ($0.kind, Instant(millis: $0.at)) }
    }

    /// When the deadline of this kind falls, if one is scheduled.
    public func deadline(of kind: DeadlineKind) -> Instant? {
        slots[kind].map { Instant(millis: entries[position[$0]].at) }
    }

    /// Schedules the deadline, or moves it when one of this kind is already scheduled.
    public mutating func schedule(_ kind: DeadlineKind, at instant: Instant) {
        scheduled += 1
        if let slot = slots[kind] {
            let index = position[slot]
            let old = entries[index]
            let entry = Entry(at: instant.millis, order: scheduled, kind: kind, slot: slot)
            entries[index] = entry
            if entry.precedes(old) { siftUp(from: index) } else { siftDown(from: index) }
            return
        }
        let slot: Int
        if let reused = freeSlots.popLast() {
            slot = reused
        } else {
            slot = position.count
            position.append(-1)
        }
        slots[kind] = slot
        entries.append(Entry(at: instant.millis, order: scheduled, kind: kind, slot: slot))
        position[slot] = entries.count - 1
        siftUp(from: entries.count - 1)
    }

    /// Cancels the deadline of this kind when one is scheduled.
    public mutating func cancel(_ kind: DeadlineKind) {
        guard let slot = slots.removeValue(forKey: kind) else { return }
        remove(slot: slot)
    }

    /// Removes and returns the earliest deadline when it falls at or before `now`.
    public mutating func popDue(now: Instant) -> DeadlineKind? {
        guard let first = entries.first, first.at <= now.millis else { return nil }
        slots.removeValue(forKey: first.kind)
        remove(slot: first.slot)
        return first.kind
    }

    /// Takes the entry of a slot out of the heap and frees the slot (its kind is already out of `slots`).
    private mutating func remove(slot: Int) {
        let index = position[slot]
        position[slot] = -1
        freeSlots.append(slot)
        let last = entries.removeLast()
        guard index < entries.count else { return }
        entries[index] = last
        position[last.slot] = index
        if index > 0 && last.precedes(entries[(index - 1) / 2]) { siftUp(from: index) } else { siftDown(from: index) }
    }

    private mutating func siftUp(from start: Int) {
        var index = start
        let item = entries[index]
        while index > 0 {
            let parent = (index - 1) / 2
            guard item.precedes(entries[parent]) else { break }
            entries[index] = entries[parent]
            position[entries[index].slot] = index
            index = parent
        }
        entries[index] = item
        position[item.slot] = index
    }

    private mutating func siftDown(from start: Int) {
        var index = start
        let item = entries[index]
        let count = entries.count
        while true {
            let left = 2 * index + 1
            guard left < count else { break }
            var child = left
            if left + 1 < count && entries[left + 1].precedes(entries[left]) { child = left + 1 }
            guard entries[child].precedes(item) else { break }
            entries[index] = entries[child]
            position[entries[index].slot] = index
            index = child
        }
        entries[index] = item
        position[item.slot] = index
    }
}
