// IndexedHeap: a 4-ary min-heap of attendants that also knows where each one sits.
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
/// The heap is 4-ary and keeps each key beside its slot: with thousands of attendants per department, a re-key
/// is memory traffic, and this touches half the levels and one array per level instead of two.
public struct IndexedHeap: Sendable {
    /// A key and the slot of its id, side by side so that moving an entry touches one cache line.
    private struct Entry {
        var key: HeapKey
        var slot: Int32
    }

    private static let arity = 4

    private var entries: [Entry] = []
    private var slotOf: [Int64: Int32] = [:]
    private var position: [Int32] = []

    /// Creates an empty heap.
    public init() {}

    /// Number of ids in the heap.
    public var count: Int { entries.count }
    /// True when no id is in the heap.
    public var isEmpty: Bool { entries.isEmpty }
    /// The id with the smallest key.
    public var top: Int64? { entries.first?.key.id }
    /// The smallest key.
    public var topKey: HeapKey? { entries.first?.key }

    /// True when the id is in the heap.
    public func contains(_ id: Int64) -> Bool {
        guard let slot = slotOf[id] else { return false }
        return position[Int(slot)] >= 0
    }

    /// The smallest id other than `excluded`: when the root is excluded, the best of its children.
    public func best(excluding excluded: Int64?) -> Int64? {
        guard let first = entries.first else { return nil }
        guard let excluded, first.key.id == excluded else { return first.key.id }
        var candidate: HeapKey?
        for child in 1..<min(1 + Self.arity, entries.count) {
            if candidate == nil || entries[child].key < candidate! { candidate = entries[child].key }
        }
        return candidate?.id
    }

    /// The smallest id that `accept` takes, found best-first from the root: each refused id only opens its
    /// children, so the cost grows with the number refused, not with the heap.
    public func best(where accept: (Int64) -> Bool) -> Int64? {
        guard !entries.isEmpty else { return nil }
        var frontier = [0]
        while !frontier.isEmpty {
            var smallest = 0
            for index in 1..<frontier.count where entries[frontier[index]].key < entries[frontier[smallest]].key {
                smallest = index
            }
            frontier.swapAt(smallest, frontier.count - 1)
            let position = frontier.removeLast()
            let id = entries[position].key.id
            if accept(id) { return id }
            let first = position * Self.arity + 1
            if first < entries.count { frontier += first..<min(first + Self.arity, entries.count) }
        }
        return nil
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
        for entry in entries { position[Int(entry.slot)] = -1 }
        entries.removeAll(keepingCapacity: true)
    }

    /// `upsert` for a key whose id has `slot` (from `slot(for:)`).
    public mutating func upsert(_ key: HeapKey, slot: Int32) {
        let index = Int(position[Int(slot)])
        if index >= 0 {
            let old = entries[index].key
            if key < old { siftUp(Entry(key: key, slot: slot), from: index) } else {
                siftDown(Entry(key: key, slot: slot), from: index)
            }
        } else {
            entries.append(Entry(key: key, slot: slot))
            siftUp(Entry(key: key, slot: slot), from: entries.count - 1)
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
        let last = entries.removeLast()
        guard index < entries.count else { return }
        if index > 0 && last.key < entries[(index - 1) / Self.arity].key {
            siftUp(last, from: index)
        } else {
            siftDown(last, from: index)
        }
    }

    /// Ids in no particular order.
    public var ids: [Int64] { entries.map(\.key.id) }

    /// Places `item` at `start` or above it, moving the parents it beats down.
    private mutating func siftUp(_ item: Entry, from start: Int) {
        var index = start
        while index > 0 {
            let parent = (index - 1) / Self.arity
            guard item.key < entries[parent].key else { break }
            entries[index] = entries[parent]
            position[Int(entries[index].slot)] = Int32(index)
            index = parent
        }
        entries[index] = item
        position[Int(item.slot)] = Int32(index)
    }

    /// Places `item` at `start` or below it, moving the smallest children it loses to up.
    private mutating func siftDown(_ item: Entry, from start: Int) {
        var index = start
        let count = entries.count
        while true {
            let first = Self.arity * index + 1
            guard first < count else { break }
            var child = first
            var childKey = entries[first].key
            for next in (first + 1)..<min(first + Self.arity, count) where entries[next].key < childKey {
                child = next
                childKey = entries[next].key
            }
            guard childKey < item.key else { break }
            entries[index] = entries[child]
            position[Int(entries[index].slot)] = Int32(index)
            index = child
        }
        entries[index] = item
        position[Int(item.slot)] = Int32(index)
    }
}
