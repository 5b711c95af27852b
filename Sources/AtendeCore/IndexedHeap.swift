// IndexedHeap: a binary min-heap of attendants that also knows where each one sits.
// Routing asks "who is the best eligible attendant of this department?" for every assignment; an indexed heap
// answers in O(1) and absorbs a changed key (one more open chat, a new idle time) in O(log n), with no scan.

/// The ordering key of an attendant in a department: smaller wins. Ties fall to the next component.
public struct HeapKey: Comparable, Hashable, Sendable {
    /// The strategy's main criterion (open chats, last round-robin turn, idle time).
    public var primary: Int64
    /// The tie-breaker: the instant the attendant became idle (earlier = longer idle).
    public var secondary: Int64
    /// The attendant's id, so that every key is distinct and the order is total.
    public var id: Int64

    /// Creates a key.
    public init(primary: Int64, secondary: Int64, id: Int64) {
        self.primary = primary
        self.secondary = secondary
        self.id = id
    }

    /// Lexicographic order on (primary, secondary, id).
    public static func < (a: HeapKey, b: HeapKey) -> Bool {
        if a.primary != b.primary { return a.primary < b.primary }
        if a.secondary != b.secondary { return a.secondary < b.secondary }
        return a.id < b.id
    }
}

/// A min-heap of ids keyed by `HeapKey`, with O(log n) insert, update and remove by id.
/// Each id gets a small dense slot once; sifting then updates positions in a plain array, so the log n steps of
/// an update cost array writes, not hash-table writes (one lookup per operation, at the entry).
public struct IndexedHeap: Sendable {
    private var keys: [HeapKey] = []
    private var slots: [Int32] = []
    private var slotOf: [Int64: Int32] = [:]
    private var position: [Int32] = []

    /// Creates an empty heap.
    public init() {}

    /// Number of ids in the heap.
    public var count: Int { keys.count }
    /// True when no id is in the heap.
    public var isEmpty: Bool { keys.isEmpty }
    /// The id with the smallest key.
    public var top: Int64? { keys.first?.id }
    /// The smallest key.
    public var topKey: HeapKey? { keys.first }

    /// True when the id is in the heap.
    public func contains(_ id: Int64) -> Bool {
        guard let slot = slotOf[id] else { return false }
        return position[Int(slot)] >= 0
    }

    /// The smallest id other than `excluded`, looked up among the root and its two children.
    public func best(excluding excluded: Int64?) -> Int64? {
        guard let first = keys.first else { return nil }
        guard let excluded, first.id == excluded else { return first.id }
        var candidate: HeapKey?
        for child in 1...2 where child < keys.count {
            if candidate == nil || keys[child] < candidate! { candidate = keys[child] }
        }
        return candidate?.id
    }

    /// The id's slot: a small number that stays the id's for the heap's life, so a caller that keeps it can
    /// skip the id lookup (`upsert(_:slot:)`, `contains(slot:)`, `remove(slot:)`).
    public mutating func slot(for id: Int64) -> Int32 {
        if let known = slotOf[id] { return known }
        let slot = Int32(position.count)
        slotOf[id] = slot
        position.append(-1)
        return slot
    }

    /// Inserts the id or moves it to its new key.
    public mutating func upsert(_ key: HeapKey) {
        upsert(key, slot: slot(for: key.id))
    }

    /// True when the id of this slot is in the heap.
    public func contains(slot: Int32) -> Bool { position[Int(slot)] >= 0 }

    /// Empties the heap; slots stay assigned.
    public mutating func removeAll() {
        for slot in slots { position[Int(slot)] = -1 }
        keys.removeAll(keepingCapacity: true)
        slots.removeAll(keepingCapacity: true)
    }

    /// `upsert` for a key whose id has `slot` (from `slot(for:)`).
    public mutating func upsert(_ key: HeapKey, slot: Int32) {
        let index = Int(position[Int(slot)])
        if index >= 0 {
            let old = keys[index]
            keys[index] = key
            if key < old { siftUp(index) } else { siftDown(index) }
        } else {
            keys.append(key)
            slots.append(slot)
            position[Int(slot)] = Int32(keys.count - 1)
            siftUp(keys.count - 1)
        }
    }

    /// Removes the id when present.
    public mutating func remove(_ id: Int64) {
        guard let slot = slotOf[id] else { return }
        remove(slot: slot)
    }

    /// Removes the id of this slot when present.
    public mutating func remove(slot: Int32) {
        guard position[Int(slot)] >= 0 else { return }
        let index = Int(position[Int(slot)])
        position[Int(slot)] = -1
        let lastKey = keys.removeLast()
        let lastSlot = slots.removeLast()
        guard index < keys.count else { return }
        keys[index] = lastKey
        slots[index] = lastSlot
        position[Int(lastSlot)] = Int32(index)
        if index > 0 && lastKey < keys[(index - 1) / 2] { siftUp(index) } else { siftDown(index) }
    }

    /// Ids in no particular order.
    public var ids: [Int64] { keys.map(\.id) }

    private mutating func siftUp(_ start: Int) {
        var index = start
        let item = keys[index]
        let itemSlot = slots[index]
        while index > 0 {
            let parent = (index - 1) / 2
            guard item < keys[parent] else { break }
            keys[index] = keys[parent]
            slots[index] = slots[parent]
            position[Int(slots[index])] = Int32(index)
            index = parent
        }
        keys[index] = item
        slots[index] = itemSlot
        position[Int(itemSlot)] = Int32(index)
    }

    private mutating func siftDown(_ start: Int) {
        var index = start
        let item = keys[index]
        let itemSlot = slots[index]
        let count = keys.count
        while true {
            let left = 2 * index + 1
            guard left < count else { break }
            var child = left
            if left + 1 < count, keys[left + 1] < keys[left] { child = left + 1 }
            guard keys[child] < item else { break }
            keys[index] = keys[child]
            slots[index] = slots[child]
            position[Int(slots[index])] = Int32(index)
            index = child
        }
        keys[index] = item
        slots[index] = itemSlot
        position[Int(itemSlot)] = Int32(index)
    }
}
