// JSONObject: the members of a JSON object, kept as a list in the order they first appeared.
// Requests have a handful of members, each read once or twice: searching a short list compares a few short
// strings, where a dictionary would allocate a table and hash every key on the way in and again on every read.
// Past `indexedCount` members a key-to-position
// table is kept as well, so an object with thousands of keys still builds in O(n) and answers in O(1).
// As in the JSON type, member order carries no meaning: equality ignores it. The parser refuses an object that
// names a member twice (`appendNew`): RFC 8259 leaves such an object's meaning to each reader, and two readers of
// one request must not see two requests. Built in code, the last of duplicate keys wins.

/// The members of a JSON object.
public struct JSONObject: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    /// A member.
    public typealias Element = (key: String, value: JSON)

    /// Above this many members, lookups go through `index`.
    static let indexedCount = 12

    /// A stored member: a struct rather than the `Element` tuple, so that copying and destroying a request's
    /// members is code compiled for this layout (an array of tuples goes through the runtime's generic tuple
    /// witnesses, element by element, each time a parsed request is dropped).
    @usableFromInline struct Member: Sendable {
        @usableFromInline var key: String
        @usableFromInline var value: JSON
        @inlinable init(key: String, value: JSON) {
            self.key = key
            self.value = value
        }
    }
    private var members: [Member]
    /// Each key's position in `members`, kept only above `indexedCount` members.
    private var index: [String: Int]?

    /// An empty object.
    public init() {
        members = []
    }

    /// An empty object with room for `capacity` members (the parser's, before it knows how many).
    init(minimumCapacity capacity: Int) {
        members = []
        members.reserveCapacity(capacity)
    }

    /// The members of `dictionary`, in its (arbitrary) order.
    public init(_ dictionary: [String: JSON]) {
        members = dictionary.map { Member(key: $0.key, value: $0.value) }
        if members.count > Self.indexedCount { rebuildIndex() }
    }

    /// Members in order; a repeated key keeps its first position and takes its last value.
    public init<S: Sequence>(members list: S) where S.Element == (String, JSON) {
        members = []
        members.reserveCapacity(list.underestimatedCount)
        for (key, value) in list { self[key] = value }
    }

    /// An object from a literal; the last of duplicate keys wins, as in parsed JSON.
    public init(dictionaryLiteral elements: (String, JSON)...) {
        self.init(members: elements)
    }

    /// Number of members.
    public var count: Int { members.count }
    /// True when there are no members.
    public var isEmpty: Bool { members.isEmpty }
    /// The keys, in order.
    public var keys: [String] { members.map(\.key) }
    /// The values, in the order of `keys`.
    public var values: [JSON] { members.map(\.value) }
    /// The members as a dictionary.
    public var dictionary: [String: JSON] {
        Dictionary(members.lazy.map { ($0.key, $0.value) }, uniquingKeysWith: { _, last in last })
    }

    /// The value of `key`, nil when absent; setting nil removes the member.
    public subscript(key: String) -> JSON? {
        get {
            guard let position = position(of: key) else { return nil }
            return members[position].value
        }
        set {
            switch (position(of: key), newValue) {
            case (let position?, let value?):
                members[position].value = value
            case (let position?, nil):
                members.remove(at: position)
                if index != nil { rebuildIndex() }
            case (nil, let value?):
                append(key, value)
            case (nil, nil):
                break
            }
        }
    }

    /// Adds a member whose key is not there yet; false (and nothing changes) when it is.
    mutating func appendNew(_ key: String, _ value: JSON) -> Bool {
        guard position(of: key) == nil else { return false }
        append(key, value)
        return true
    }

    /// Adds a member whose key is not there, keeping the index when there is one.
    private mutating func append(_ key: String, _ value: JSON) {
        members.append(Member(key: key, value: value))
        if index != nil {
            index![key] = members.count - 1
        } else if members.count > Self.indexedCount {
            rebuildIndex()
        }
    }

    /// Iterates over the members in order.
    public func makeIterator() -> Iterator { Iterator(members: members.makeIterator()) }

    /// The members in order, as `(key, value)` pairs.
    public struct Iterator: IteratorProtocol {
        fileprivate var members: IndexingIterator<[Member]>
        public mutating func next() -> Element? {
            guard let member = members.next() else { return nil }
            return (key: member.key, value: member.value)
        }
    }

    /// Same keys with equal values, in any order.
    public static func == (a: JSONObject, b: JSONObject) -> Bool {
        guard a.count == b.count else { return false }
        return a.members.allSatisfy { b[$0.key] == $0.value }
    }

    private func position(of key: String) -> Int? {
        if let index { return index[key] }
        // String equality, as the index's: canonically equivalent names ("é" precomposed or not) are one name
        // however they are spelled and whatever the object's size (a byte-count shortcut would split them).
        return members.firstIndex { $0.key == key }
    }

    private mutating func rebuildIndex() {
        var table = [String: Int](minimumCapacity: members.count)
        for (position, member) in members.enumerated() { table[member.key] = position }
        index = table
    }
}
