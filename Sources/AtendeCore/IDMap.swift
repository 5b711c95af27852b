// IDMap and IDSet: a dictionary and a set keyed by atende's own identifiers (conversation, attendant and
// connection ids, department slugs) with a cheap hash instead of SipHash: splitmix64's finalizer for integers,
// FNV-1a then the same finalizer for slugs, each mixed with the table's seed. The loop looks such keys up dozens
// of times per conversation, and SipHash is the larger part of each lookup. The keys are atende's (sequential ids, slugs an admin chose), not chosen by
// clients, so a keyed hash buys nothing against flooding here; the per-table seed is still mixed in, so copying
// one table into another in iteration order stays linear. Strings from clients (external ids) stay in Swift's
// own tables. The hash is given through `_rawHashValue(seed:)`, the requirement Dictionary and Set place keys by;
// `hash(into:)` stays consistent with `==`, so should a toolchain stop calling the former, lookups only get slower.

/// A key an IDMap or IDSet can hash cheaply.
public protocol TableKey {
    associatedtype Stored: Hashable & Sendable
    var tableKey: Stored { get }
    init(tableKey: Stored)
}

/// splitmix64's finalizer of `value` mixed with a table's seed.
@inlinable func mixedHash(_ value: UInt64, seed: Int) -> Int {
    var z = (value ^ UInt64(UInt(bitPattern: seed))) &+ 0x9E37_79B9_7F4A_7C15
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return Int(truncatingIfNeeded: z ^ (z >> 31))
}

/// FNV-1a of `bytes` (for slugs here, and for KnownKeys).
@inlinable func fnv1a<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
    var h: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in bytes { h = (h ^ UInt64(byte)) &* 0x100_0000_01B3 }
    return h
}

/// An integer id as a hash-table key.
public struct IDKey: Hashable, Sendable {
    public let raw: UInt64

    @inlinable public init(_ raw: UInt64) { self.raw = raw }

    @inlinable public static func == (a: IDKey, b: IDKey) -> Bool { a.raw == b.raw }

    @inlinable public func hash(into hasher: inout Hasher) { hasher.combine(raw) }

    /// What Dictionary and Set use to place a key.
    @inlinable public func _rawHashValue(seed: Int) -> Int { mixedHash(raw, seed: seed) }
}

/// A department slug as a hash-table key. The FNV-1a hash of its bytes is taken once, when the key is made, and
/// is part of equality: two spellings String's `==` finds canonically equivalent but whose bytes differ are two
/// keys (as `DepartmentID` compares ids byte for byte), so equality and the hash always agree.
public struct SlugKey: Hashable, Sendable {
    public let name: String
    public let bytesHash: UInt64

    @inlinable public init(_ name: String) {
        self.name = name
        // Read in place: walking `utf8` element by element cost as much as SipHash.
        bytesHash = name.utf8.withContiguousStorageIfAvailable { fnv1a($0) } ?? fnv1a(name.utf8)
    }

    @inlinable public static func == (a: SlugKey, b: SlugKey) -> Bool {
        a.bytesHash == b.bytesHash && a.name == b.name
    }

    @inlinable public func hash(into hasher: inout Hasher) { hasher.combine(bytesHash) }

    /// What Dictionary and Set use to place a key.
    @inlinable public func _rawHashValue(seed: Int) -> Int { mixedHash(bytesHash, seed: seed) }
}

extension Int64: TableKey {
    @inlinable public var tableKey: IDKey { IDKey(UInt64(bitPattern: self)) }
    @inlinable public init(tableKey: IDKey) { self = Int64(bitPattern: tableKey.raw) }
}

extension UInt64: TableKey {
    @inlinable public var tableKey: IDKey { IDKey(self) }
    @inlinable public init(tableKey: IDKey) { self = tableKey.raw }
}

extension UInt: TableKey {
    @inlinable public var tableKey: IDKey { IDKey(UInt64(self)) }
    @inlinable public init(tableKey: IDKey) { self = UInt(tableKey.raw) }
}

extension String: TableKey {
    @inlinable public var tableKey: SlugKey { SlugKey(self) }
    @inlinable public init(tableKey: SlugKey) { self = tableKey.name }
}

/// A dictionary from identifiers to values, with the parts of Dictionary's interface atende uses.
public struct IDMap<ID: TableKey, Value>: Sequence, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: ID, value: Value)
    public typealias Index = Dictionary<ID.Stored, Value>.Index

    @usableFromInline var storage: [ID.Stored: Value]

    /// An empty map.
    @inlinable public init() { storage = [:] }

    /// A map from a literal.
    @inlinable public init(dictionaryLiteral elements: (ID, Value)...) {
        storage = [:]
        for (id, value) in elements { storage[id.tableKey] = value }
    }

    /// The value for `id`; setting nil removes it.
    @inlinable public subscript(id: ID) -> Value? {
        get { storage[id.tableKey] }
        _modify { yield &storage[id.tableKey] }
    }

    /// The value for `id`, or `defaultValue` (stored on mutation).
    @inlinable public subscript(id: ID, default defaultValue: @autoclosure () -> Value) -> Value {
        get { storage[id.tableKey, default: defaultValue()] }
        _modify { yield &storage[id.tableKey, default: defaultValue()] }
    }

    /// Where `id` is, for reading and changing its value in place through `values`.
    @inlinable public func index(forKey id: ID) -> Index? { storage.index(forKey: id.tableKey) }

    /// Runs `body` on the value for `id` where it lies; nil when there is none. Reading a field through the
    /// subscript copies the whole value first (for a conversation: every one of its strings retained and released).
    @inlinable public mutating func withValue<R>(forKey id: ID, _ body: (inout Value) throws -> R) rethrows -> R? {
        guard let index = storage.index(forKey: id.tableKey) else { return nil }
        return try body(&storage.values[index])
    }

    /// Runs `body` on the value at `index` where it lies.
    @inlinable public mutating func withValue<R>(at index: Index, _ body: (inout Value) throws -> R) rethrows -> R {
        try body(&storage.values[index])
    }

    /// The values, changeable in place by index.
    @inlinable public var values: Dictionary<ID.Stored, Value>.Values {
        get { storage.values }
        _modify { yield &storage.values }
    }

    /// The ids.
    @inlinable public var keys: LazyMapSequence<Dictionary<ID.Stored, Value>.Keys, ID> {
        storage.keys.lazy.map(ID.init(tableKey:))
    }

    @inlinable public var count: Int { storage.count }
    @inlinable public var isEmpty: Bool { storage.isEmpty }

    /// Removes `id`; returns its value.
    @discardableResult
    @inlinable public mutating func removeValue(forKey id: ID) -> Value? { storage.removeValue(forKey: id.tableKey) }

    @inlinable public mutating func removeAll(keepingCapacity keep: Bool = false) {
        storage.removeAll(keepingCapacity: keep)
    }

    @inlinable public mutating func reserveCapacity(_ capacity: Int) { storage.reserveCapacity(capacity) }

    public struct Iterator: IteratorProtocol {
        @usableFromInline var base: Dictionary<ID.Stored, Value>.Iterator
        @inlinable init(_ base: Dictionary<ID.Stored, Value>.Iterator) { self.base = base }
        @inlinable public mutating func next() -> (key: ID, value: Value)? {
            guard let (key, value) = base.next() else { return nil }
            return (ID(tableKey: key), value)
        }
    }

    @inlinable public func makeIterator() -> Iterator { Iterator(storage.makeIterator()) }
    @inlinable public var underestimatedCount: Int { storage.count }
}

extension IDMap: Equatable where Value: Equatable {}
extension IDMap: Sendable where Value: Sendable {}

/// A set of identifiers, with the parts of Set's interface atende uses.
public struct IDSet<ID: TableKey>: Sequence, ExpressibleByArrayLiteral, Equatable, Sendable {
    @usableFromInline var storage: Set<ID.Stored>

    /// An empty set.
    @inlinable public init() { storage = [] }

    @inlinable public init(arrayLiteral elements: ID...) {
        storage = []
        for id in elements { storage.insert(id.tableKey) }
    }

    @inlinable public init<S: Sequence>(_ ids: S) where S.Element == ID {
        storage = []
        for id in ids { storage.insert(id.tableKey) }
    }

    @inlinable public func contains(_ id: ID) -> Bool { storage.contains(id.tableKey) }

    @discardableResult
    @inlinable public mutating func insert(_ id: ID) -> (inserted: Bool, memberAfterInsert: ID) {
        let (inserted, member) = storage.insert(id.tableKey)
        return (inserted, ID(tableKey: member))
    }

    @discardableResult
    @inlinable public mutating func remove(_ id: ID) -> ID? {
        storage.remove(id.tableKey).map(ID.init(tableKey:))
    }

    @inlinable public var count: Int { storage.count }
    @inlinable public var isEmpty: Bool { storage.isEmpty }

    @inlinable public mutating func removeAll(keepingCapacity keep: Bool = false) {
        storage.removeAll(keepingCapacity: keep)
    }

    public struct Iterator: IteratorProtocol {
        @usableFromInline var base: Set<ID.Stored>.Iterator
        @inlinable init(_ base: Set<ID.Stored>.Iterator) { self.base = base }
        @inlinable public mutating func next() -> ID? { base.next().map(ID.init(tableKey:)) }
    }

    @inlinable public func makeIterator() -> Iterator { Iterator(storage.makeIterator()) }
    @inlinable public var underestimatedCount: Int { storage.count }
}
