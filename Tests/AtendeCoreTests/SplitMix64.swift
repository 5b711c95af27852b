// SplitMix64: the small deterministic generator behind the randomized tests. A seed fully determines a run, on
// every machine and in every process (unlike SystemRandomNumberGenerator or Set/Dictionary order), so a failure
// printed with its seed can be replayed exactly.

/// Sebastiano Vigna's SplitMix64.
struct SplitMix64 {
    var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A number in 0..<bound (bound > 0); the modulo bias is irrelevant for tests.
    mutating func below(_ bound: Int) -> Int {
        Int(next() % UInt64(bound))
    }

    /// A number in 0..<bound as Int64.
    mutating func below(_ bound: Int64) -> Int64 {
        Int64(next() % UInt64(bound))
    }

    /// True with the given percentage.
    mutating func chance(_ percent: Int) -> Bool {
        below(100) < percent
    }

    /// A random element, nil for an empty array.
    mutating func pick<T>(_ elements: [T]) -> T? {
        elements.isEmpty ? nil : elements[below(elements.count)]
    }
}
