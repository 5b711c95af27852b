// DepartmentQueue: the chats waiting in one department (or among the potentials), in queue order, as an ordered
// set of places with counts. It is a B+tree whose inner nodes keep how many places lie under each child, so a
// chat joins, leaves from anywhere, or asks its 1-based position in O(log n), and nothing ever has to scan the
// queue. The order is the place's own (rank, queuedAt, id); the router computes the rank (contract v2: queuedAt
// minus priority times the department's priority step), so the queue knows nothing of priorities.
// Inner nodes also keep the earliest queue time under each child, so the chat that waited longest is found without
// a scan even when priorities put younger chats ahead of it.
// Leaves split unevenly when they overflow at their end, the usual case (chats join at the back), so a queue fed
// in order keeps its leaves full; a node that falls under a quarter merges with a neighbour when both fit in one.

/// Where a chat stands in a queue: ordered by `rank`, then `queuedAt`, then `id`.
public struct QueuePlace: Comparable, Hashable, Sendable {
    /// The order key: in a department, `queuedAt - priority x priorityStep` in milliseconds.
    public var rank: Int64
    /// When the chat joined, in milliseconds (the first tie-break).
    public var queuedAt: Int64
    /// The conversation (the last tie-break, and what the place stands for).
    public var id: ConversationID

    /// Creates a place.
    public init(rank: Int64, queuedAt: Int64, id: ConversationID) {
        self.rank = rank
        self.queuedAt = queuedAt
        self.id = id
    }

    /// Queue order.
    public static func < (a: QueuePlace, b: QueuePlace) -> Bool {
        if a.rank != b.rank { return a.rank < b.rank }
        if a.queuedAt != b.queuedAt { return a.queuedAt < b.queuedAt }
        return a.id < b.id
    }
}

/// An ordered set of queue places that counts, so positions come without scanning.
/// A class: it lives inside the router's department state and is only ever changed in place.
public final class DepartmentQueue {
    /// A node of the tree. A leaf holds places; an inner node holds, per child, a lower bound of its places
    /// (`places[i]`, unused for i = 0), how many places lie under it (`counts[i]`) and the earliest `queuedAt`
    /// among them (`earliest[i]`).
    final class Node {
        var places: [QueuePlace]
        var children: [Node]
        var counts: [Int]
        var earliest: [Int64]

        init(places: [QueuePlace] = [], children: [Node] = [], counts: [Int] = [], earliest: [Int64] = []) {
            self.places = places
            self.children = children
            self.counts = counts
            self.earliest = earliest
        }

        var isLeaf: Bool { children.isEmpty }
        /// Entries of this node itself (places of a leaf, children of an inner node).
        var width: Int { isLeaf ? places.count : children.count }
    }

    /// Most entries a node holds before it splits.
    static let maxWidth = 64
    /// A node under this many entries tries to merge with a neighbour.
    static let minWidth = maxWidth / 4

    private var root = Node()
    /// Chats in the queue.
    public private(set) var count = 0

    /// Creates an empty queue.
    public init() {}

    /// True when no chat waits.
    public var isEmpty: Bool { count == 0 }

    /// The first place in queue order.
    public var first: QueuePlace? {
        var node = root
        while !node.isLeaf { node = node.children[0] }
        return node.places.first
    }

    /// Places held (for tests: what left the queue must not stay in it).
    var storedCount: Int { count }

    // MARK: Changes

    /// Adds a place; false (and no change) when it is already there.
    @discardableResult
    public func insert(_ place: QueuePlace) -> Bool {
        guard let split = insert(place, into: root) else { return false }
        if let right = split.right {
            let total = count
            let left = root
            root = Node(places: [left.places.first ?? place, split.separator], children: [left, right],
                        counts: [0, 0], earliest: [Self.earliest(of: left), Self.earliest(of: right)])
            root.counts[1] = Self.total(of: right)
            root.counts[0] = total + 1 - root.counts[1]
        }
        count += 1
        return true
    }

    /// Removes a place; false when it was not there.
    @discardableResult
    public func remove(_ place: QueuePlace) -> Bool {
        guard remove(place, from: root) else { return false }
        count -= 1
        while !root.isLeaf && root.children.count == 1 { root = root.children[0] }
        return true
    }

    /// Removes and returns the first place.
    @discardableResult
    public func removeFirst() -> QueuePlace? {
        guard let head = first else { return nil }
        remove(head)
        return head
    }

    /// Empties the queue.
    public func removeAll() {
        root = Node()
        count = 0
    }

    // MARK: Reads

    /// The 1-based position of a place, or nil when it is not in the queue.
    public func position(of place: QueuePlace) -> Int? {
        var node = root
        var before = 0
        while !node.isLeaf {
            let index = Self.child(for: place, in: node)
            for k in 0..<index { before += node.counts[k] }
            node = node.children[index]
        }
        let index = Self.lowerBound(place, in: node.places)
        guard index < node.places.count, node.places[index] == place else { return nil }
        return before + index + 1
    }

    /// True when the place is in the queue.
    public func contains(_ place: QueuePlace) -> Bool { position(of: place) != nil }

    /// Places in queue order, at most `limit`.
    public func places(limit: Int = .max) -> [QueuePlace] {
        var result: [QueuePlace] = []
        result.reserveCapacity(min(limit, count))
        func walk(_ node: Node) -> Bool {
            if node.isLeaf {
                for place in node.places {
                    if result.count >= limit { return false }
                    result.append(place)
                }
                return result.count < limit
            }
            for child in node.children where !walk(child) { return false }
            return true
        }
        _ = walk(root)
        return result
    }

    /// The earliest `queuedAt` of any place: the chat that has waited longest, which need not be the head once
    /// priorities differ.
    public func earliestQueuedAt() -> Int64? {
        isEmpty ? nil : Self.earliest(of: root)
    }

    // MARK: Tree steps

    private static func total(of node: Node) -> Int {
        node.isLeaf ? node.places.count : node.counts.reduce(0, +)
    }

    /// The earliest `queuedAt` under a node (`Int64.max` for an empty one).
    private static func earliest(of node: Node) -> Int64 {
        node.isLeaf ? node.places.reduce(Int64.max) { min($0, $1.queuedAt) } : node.earliest.min() ?? .max
    }

    /// The first index whose place is not below `place`.
    private static func lowerBound(_ place: QueuePlace, in places: [QueuePlace]) -> Int {
        var low = 0
        var high = places.count
        while low < high {
            let middle = (low + high) / 2
            if places[middle] < place { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The child of an inner node whose range holds `place`: the last one whose lower bound is not above it.
    private static func child(for place: QueuePlace, in node: Node) -> Int {
        var low = 1
        var high = node.places.count
        while low < high {
            let middle = (low + high) / 2
            if place < node.places[middle] { high = middle } else { low = middle + 1 }
        }
        return low - 1
    }

    private struct Split {
        var right: Node?
        var separator: QueuePlace
    }

    /// Inserts below `node`; nil when the place was there already, else the right half if `node` split.
    private func insert(_ place: QueuePlace, into node: Node) -> Split? {
        if node.isLeaf {
            let index = Self.lowerBound(place, in: node.places)
            if index < node.places.count && node.places[index] == place { return nil }
            node.places.insert(place, at: index)
            guard node.places.count > Self.maxWidth else { return Split(right: nil, separator: place) }
            let cut = index == node.places.count - 1 ? node.places.count - 1 : node.places.count / 2
            let right = Node(places: Array(node.places[cut...]))
            node.places.removeSubrange(cut...)
            return Split(right: right, separator: right.places[0])
        }
        let index = Self.child(for: place, in: node)
        guard let split = insert(place, into: node.children[index]) else { return nil }
        node.counts[index] += 1
        node.earliest[index] = min(node.earliest[index], place.queuedAt)
        guard let newRight = split.right else { return split }
        let moved = Self.total(of: newRight)
        node.counts[index] -= moved
        node.earliest[index] = Self.earliest(of: node.children[index])
        node.children.insert(newRight, at: index + 1)
        node.counts.insert(moved, at: index + 1)
        node.earliest.insert(Self.earliest(of: newRight), at: index + 1)
        node.places.insert(split.separator, at: index + 1)
        guard node.children.count > Self.maxWidth else { return Split(right: nil, separator: place) }
        let cut = index + 1 == node.children.count - 1 ? node.children.count - 1 : node.children.count / 2
        let right = Node(places: Array(node.places[cut...]), children: Array(node.children[cut...]),
                         counts: Array(node.counts[cut...]), earliest: Array(node.earliest[cut...]))
        node.places.removeSubrange(cut...)
        node.children.removeSubrange(cut...)
        node.counts.removeSubrange(cut...)
        node.earliest.removeSubrange(cut...)
        return Split(right: right, separator: right.places[0])
    }

    /// Removes below `node`; false when the place was not there.
    private func remove(_ place: QueuePlace, from node: Node) -> Bool {
        if node.isLeaf {
            let index = Self.lowerBound(place, in: node.places)
            guard index < node.places.count, node.places[index] == place else { return false }
            node.places.remove(at: index)
            return true
        }
        let index = Self.child(for: place, in: node)
        let child = node.children[index]
        guard remove(place, from: child) else { return false }
        node.counts[index] -= 1
        // Only the departure of the child's earliest chat can move its earliest time.
        if place.queuedAt <= node.earliest[index] { node.earliest[index] = Self.earliest(of: child) }
        if node.counts[index] == 0 && node.children.count > 1 {
            // An empty child goes at once, so `first` never meets an empty leaf.
            node.children.remove(at: index)
            node.counts.remove(at: index)
            node.earliest.remove(at: index)
            node.places.remove(at: index)
        } else if child.width < Self.minWidth {
            mergeChild(at: index, of: node)
        }
        return true
    }

    /// Merges an underfull child with a neighbour when both fit in one node (an empty leaf always goes).
    private func mergeChild(at index: Int, of node: Node) {
        guard node.children.count > 1 else { return }
        let leftIndex = index > 0 && (index == node.children.count - 1
            || node.children[index - 1].width <= node.children[index + 1].width) ? index - 1 : index
        let left = node.children[leftIndex]
        let right = node.children[leftIndex + 1]
        guard left.width + right.width <= Self.maxWidth else { return }
        if left.isLeaf {
            left.places += right.places
        } else {
            right.places[0] = node.places[leftIndex + 1]
            left.places += right.places
            left.children += right.children
            left.counts += right.counts
            left.earliest += right.earliest
        }
        node.counts[leftIndex] += node.counts[leftIndex + 1]
        node.earliest[leftIndex] = min(node.earliest[leftIndex], node.earliest[leftIndex + 1])
        node.children.remove(at: leftIndex + 1)
        node.counts.remove(at: leftIndex + 1)
        node.earliest.remove(at: leftIndex + 1)
        node.places.remove(at: leftIndex + 1)
    }
}
