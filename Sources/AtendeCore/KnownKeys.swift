// KnownKeys: a set of strings that can only answer "certainly not here" or "perhaps here" (a Bloom filter that
// grows), for the keys the store has rows for. `conversation.open` asks the store whether the bot's external id
// was ever used and whether the contact has a last attendant; for a new chat of a new contact, the common case,
// both answers are no, and two index probes of the database were spent learning it. With every external id and
// phone the store holds noted here (read once at start, then noted as they are written), a "certainly not" skips
// the store. Keys are never removed: a key noted for a write that was then rolled back only costs a probe.
//
// Each filter holds up to its capacity at about 0.1% false positives: 16 bits per key, and a key's 7 bits all lie
// in one 512-bit block, one cache line, so noting or asking costs one cache miss per filter instead of one per bit
// (the filters outgrow the processor's caches long before memory matters). A full filter is kept and a new one four
// times its capacity takes the next keys, so a lookup asks a handful of filters even after millions of keys. The
// rate is kept that low because a "perhaps" costs more than its probe: the lookup's statement first writes the
// rows the turn has queued (DeferredRows), splitting what would have been one statement of many rows.

/// Strings noted so far, answering whether one certainly was not.
public struct KnownKeys: Sendable {
    private struct Filter: Sendable {
        static let wordsPerBlock = 8
        static let bitsPerKey = 16
        static let bitsPerProbe = 9  // 2^9 = 512 bits per block

        /// The blocks, from `first` on (the words before it align the first block to 64 bytes).
        var words: [UInt64]
        let first: Int
        let blocks: UInt64
        let capacity: Int
        var count = 0

        init(capacity: Int) {
            self.capacity = capacity
            let blocks = max(1, (capacity * Self.bitsPerKey + 511) / 512)
            self.blocks = UInt64(blocks)
            words = [UInt64](repeating: 0, count: blocks * Self.wordsPerBlock + Self.wordsPerBlock - 1)
            let address = words.withUnsafeBufferPointer { UInt(bitPattern: $0.baseAddress) }
            first = Int((64 - address % 64) % 64) / 8
        }

        /// The first word of `hash`'s block (the hash's high half, scaled to the number of blocks).
        func block(_ hash: UInt64) -> Int {
            first + Int(((hash >> 32) &* blocks) >> 32) * Self.wordsPerBlock
        }

        /// The bits chosen in the block, 9 at a time: a second hash, independent of the block's.
        static func probeBits(_ hash: UInt64) -> UInt64 {
            UInt64(bitPattern: Int64(mixedHash(hash, seed: 1)))
        }

        mutating func insert(_ hash: UInt64) {
            let base = block(hash)
            words.withUnsafeMutableBufferPointer { words in
                var bits = Self.probeBits(hash)
                for _ in 0..<KnownKeys.probes {
                    words[base + Int(bits >> 6 & 7)] |= 1 << (bits & 63)
                    bits >>= UInt64(Self.bitsPerProbe)
                }
            }
            count += 1
        }

        func contains(_ hash: UInt64) -> Bool {
            let base = block(hash)
            return words.withUnsafeBufferPointer { words in
                var bits = Self.probeBits(hash)
                for _ in 0..<KnownKeys.probes {
                    if words[base + Int(bits >> 6 & 7)] & (1 << (bits & 63)) == 0 { return false }
                    bits >>= UInt64(Self.bitsPerProbe)
                }
                return true
            }
        }
    }

    static let probes = 7
    private var filters: [Filter]

    /// An empty set sized for `expected` keys before it first grows.
    public init(expected: Int = 1 << 16) {
        filters = [Filter(capacity: max(1024, expected))]
    }

    /// How many keys were noted (a key noted twice counts twice).
    public var count: Int { filters.reduce(0) { $0 + $1.count } }

    /// How many filters a lookup asks.
    public var filterCount: Int { filters.count }

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
        // Newest first: the largest filter holds most keys.
        for filter in filters.reversed() where filter.contains(hash) { return true }
        return false
    }

    private mutating func insert(hash: UInt64) {
        let last = filters.count - 1
        if filters[last].count >= filters[last].capacity {
            filters.append(Filter(capacity: filters[last].capacity * 4))
        }
        filters[filters.count - 1].insert(hash)
    }

    /// FNV-1a over the bytes, then splitmix64's finalizer (as IDMap hashes slugs), so that every bit depends on
    /// every byte.
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        UInt64(bitPattern: Int64(mixedHash(fnv1a(bytes), seed: 0)))
    }
}
