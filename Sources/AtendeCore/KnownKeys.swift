// KnownKeys: a set of strings that can only answer "certainly not here" or "perhaps here" (a Bloom filter that
// grows), for the keys the store has rows for. `conversation.open` asks the store whether the bot's external id
// was ever used and whether the contact has a last attendant; for a new chat of a new contact, the common case,
// both answers are no, and two index probes of the database were spent learning it. With every external id and
// phone the store holds noted here (read once at start, then noted as they are written), a "certainly not" skips
// the store. Keys are never removed: a key noted for a write that was then rolled back only costs a probe.
//
// Each filter holds up to its capacity at about 1% false positives (10 bits and 5 probes per key); a full one is
// kept and a new one of twice the capacity takes the next keys, so a lookup asks a handful of filters.

/// Strings noted so far, answering whether one certainly was not.
public struct KnownKeys: Sendable {
    private struct Filter: Sendable {
        var words: [UInt64]
        let mask: UInt64
        let capacity: Int
        var count = 0

        init(capacity: Int) {
            self.capacity = capacity
            var bits = 64
            while bits < capacity * 10 { bits <<= 1 }
            words = [UInt64](repeating: 0, count: bits / 64)
            mask = UInt64(bits - 1)
        }

        mutating func insert(_ hash: UInt64) {
            let step = KnownKeys.step(hash)
            var position = hash
            for _ in 0..<KnownKeys.probes {
                let bit = position & mask
                words[Int(bit >> 6)] |= 1 << (bit & 63)
                position &+= step
            }
            count += 1
        }

        func contains(_ hash: UInt64) -> Bool {
            let step = KnownKeys.step(hash)
            var position = hash
            for _ in 0..<KnownKeys.probes {
                let bit = position & mask
                if words[Int(bit >> 6)] & (1 << (bit & 63)) == 0 { return false }
                position &+= step
            }
            return true
        }
    }

    static let probes = 5
    private var filters: [Filter]

    /// An empty set sized for `expected` keys before it first grows.
    public init(expected: Int = 1 << 16) {
        filters = [Filter(capacity: max(1024, expected))]
    }

    /// How many keys were noted (a key noted twice counts twice).
    public var count: Int { filters.reduce(0) { $0 + $1.count } }

    /// Notes `key`.
    public mutating func insert(_ key: String) {
        var key = key
        insert(hash: key.withUTF8 { KnownKeys.hash(UnsafeRawBufferPointer($0)) })
    }

    /// Notes the key whose UTF-8 bytes are `bytes` (a row's text read in place).
    public mutating func insert(bytes: UnsafeRawBufferPointer) {
        insert(hash: KnownKeys.hash(bytes))
    }

    /// False when `key` was certainly never noted; true when it perhaps was.
    public func mightContain(_ key: String) -> Bool {
        var key = key
        let hash = key.withUTF8 { KnownKeys.hash(UnsafeRawBufferPointer($0)) }
        for filter in filters where filter.contains(hash) { return true }
        return false
    }

    private mutating func insert(hash: UInt64) {
        if filters[filters.count - 1].count >= filters[filters.count - 1].capacity {
            filters.append(Filter(capacity: filters[filters.count - 1].capacity * 2))
        }
        filters[filters.count - 1].insert(hash)
    }

    /// FNV-1a over the bytes, then splitmix64's finalizer (as IDMap hashes slugs), so that every bit depends on
    /// every byte.
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        UInt64(bitPattern: Int64(mixedHash(fnv1a(bytes), seed: 0)))
    }

    /// The distance between probes (odd, so the probes of one key never repeat within a power-of-two filter).
    static func step(_ hash: UInt64) -> UInt64 {
        ((hash >> 32) | (hash << 32)) | 1
    }
}
