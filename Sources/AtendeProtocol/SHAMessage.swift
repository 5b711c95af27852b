// SHAMessage: what SHA-1 and SHA-256 share in FIPS 180-4: the message padded to whole 64-byte blocks, and each
// block read as sixteen big-endian words to start the message schedule.

enum SHAMessage {
    /// `message`, a 1 bit, zeros, and the message's length in bits (big-endian), in whole 64-byte blocks.
    static func padded<Bytes: Collection>(_ message: Bytes) -> [UInt8] where Bytes.Element == UInt8 {
        var padded = Array(message)
        let bitLength = UInt64(padded.count) &* 8
        padded.append(0x80)
        while padded.count % 64 != 56 { padded.append(0) }
        for shift in stride(from: 56, through: 0, by: -8) {
            padded.append(UInt8(truncatingIfNeeded: bitLength >> UInt64(shift)))
        }
        return padded
    }

    /// Reads the block at byte `block` of `padded` into `words[0..<16]`.
    static func load(_ padded: [UInt8], block: Int, into words: inout [UInt32]) {
        for index in 0..<16 {
            let at = block + index * 4
            words[index] = UInt32(padded[at]) << 24 | UInt32(padded[at + 1]) << 16
                | UInt32(padded[at + 2]) << 8 | UInt32(padded[at + 3])
        }
    }
}
