// IDMap and IDSet: a dictionary and a set keyed by integer ids (conversations, attendants, connections) that hash
// the id with splitmix64's finalizer, mixed with the table's seed, instead of SipHash. The loop looks ids up
// about 45 times per conversation, and SipHash took about 90 instructions per lookup (3% of the loop's
// instructions, callgrind). The ids are atende's own (sequential), not chosen by clients, so a keyed hash
// buys nothing against flooding here; the per-table seed is still mixed in, so copying one table into another
// in iteration order stays linear.

/// An id as a hash-table key.
public struct IDKey: Hashable, Sendable {
    public let raw: UInt64

    @inlinable public init(_ raw: UInt64) { self.raw = raw }

    @inlinable public static func == (a: IDKey, b: IDKey) -> Bool { a.raw == b.raw }

    @inlinable public func hash(into hasher: inout Hasher) { hasher.combine(raw) }

    /// What Dictionary and Set use to place a key.
    @inlinable public func _rawHashValue(seed: Int) -> Int {
        var z = (raw ^ UInt64(UInt(bitPattern: seed))) &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int(truncatingIfNeeded: z ^ (z >> 31))
    }
}

/// A dictionary from integer ids to values, with the parts of Dictionary's interface atende uses.
public struct IDMap<ID: FixedWidthInteger, Value>: Sequence, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: ID, value: Value)
    public typealias Index = Dictionary<IDKey, Value>.Index

    @usableFromInline var storage: [IDKey: Value]

    @inlinable static func key(_ id: ID) -> IDKey { IDKey(UInt64(truncatingIfNeeded: id)) }
    @inlinable static func id(_ key: IDKey) -> ID { ID(truncatingIfNeeded: key.raw) }

    /// An empty map.
    @inlinable public init() { storage = [:] }

    /// A map from a literal.
    @inlinable public init(dictionaryLiteral elements: (ID, Value)...) {
        storage = [:]
        for (id, value) in elements { storage[Self.key(id)] = value }
    }

    /// The value for `id`; setting nil removes it.
    @inlinable public subscript(id: ID) -> Value? {
        get { storage[Self.key(id)] }
        _modify { yield &storage[Self.key(id)] }
    }

    /// The value for `id`, or `defaultValue` (stored on mutation).
    @inlinable public subscript(id: ID, default defaultValue: @autoclosure () -> Value) -> Value {
        get { storage[Self.key(id), default: defaultValue()] }
        _modify { yield &storage[Self.key(id), default: defaultValue()] }
    }

    /// Where `id` is, for reading and changing its value in place through `values`.
    @inlinable public func index(forKey id: ID) -> Index? { storage.index(forKey: Self.key(id)) }

    /// The values, changeable in place by index.
    @inlinable public var values: Dictionary<IDKey, Value>.Values {
        get { storage.values }
        _modify { yield &storage.values }
    }

    /// The ids.
    @inlinable public var keys: LazyMapSequence<Dictionary<IDKey, Value>.Keys, ID> {
        storage.keys.lazy.map(Self.id)
    }

    @inlinable public var count: Int { storage.count }
    @inlinable public var isEmpty: Bool { storage.isEmpty }

    /// Removes `id`; returns its value.
    @discardableResult
    @inlinable public mutating func removeValue(forKey id: ID) -> Value? { storage.removeValue(forKey: Self.key(id)) }

    @inlinable public mutating func removeAll(keepingCapacity keep: Bool = false) {
        storage.removeAll(keepingCapacity: keep)
    }

    @inlinable public mutating func reserveCapacity(_ capacity: Int) { storage.reserveCapacity(capacity) }

    public struct Iterator: IteratorProtocol {
        @usableFromInline var base: Dictionary<IDKey, Value>.Iterator
        @inlinable init(_ base: Dictionary<IDKey, Value>.Iterator) { self.base = base }
        @inlinable public mutating func next() -> (key: ID, value: Value)? {
            guard let (key, value) = base.next() else { return nil }
            return (IDMap.id(key), value)
        }
    }

    @inlinable public func makeIterator() -> Iterator { Iterator(storage.makeIterator()) }
    @inlinable public var underestimatedCount: Int { storage.count }
}

extension IDMap: Equatable where Value: Equatable {}
extension IDMap: Sendable where Value: Sendable {}

/// A set of integer ids, with the parts of Set's interface atende uses.
public struct IDSet<ID: FixedWidthInteger>: Sequence, ExpressibleByArrayLiteral, Equatable, Sendable {
    @usableFromInline var storage: Set<IDKey>

    /// An empty set.
    @inlinable public init() { storage = [] }

    @inlinable public init(arrayLiteral elements: ID...) {
        storage = []
        for id in elements { storage.insert(IDMap<ID, Void>.key(id)) }
    }

    @inlinable public init<S: Sequence>(_ ids: S) where S.Element == ID {
        storage = []
        for id in ids { storage.insert(IDMap<ID, Void>.key(id)) }
    }

    @inlinable public func contains(_ id: ID) -> Bool { storage.contains(IDMap<ID, Void>.key(id)) }

    @discardableResult
    @inlinable public mutating func insert(_ id: ID) -> (inserted: Bool, memberAfterInsert: ID) {
        let (inserted, member) = storage.insert(IDMap<ID, Void>.key(id))
        return (inserted, IDMap<ID, Void>.id(member))
    }

    @discardableResult
    @inlinable public mutating func remove(_ id: ID) -> ID? {
        storage.remove(IDMap<ID, Void>.key(id)).map(IDMap<ID, Void>.id)
    }

    @inlinable public var count: Int { storage.count }
    @inlinable public var isEmpty: Bool { storage.isEmpty }

    @inlinable public mutating func removeAll(keepingCapacity keep: Bool = false) {
        storage.removeAll(keepingCapacity: keep)
    }

    public struct Iterator: IteratorProtocol {
        @usableFromInline var base: Set<IDKey>.Iterator
        @inlinable init(_ base: Set<IDKey>.Iterator) { self.base = base }
        @inlinable public mutating func next() -> ID? { base.next().map(IDMap<ID, Void>.id) }
    }

    @inlinable public func makeIterator() -> Iterator { Iterator(storage.makeIterator()) }
    @inlinable public var underestimatedCount: Int { storage.count }
}
