// RequestMutator: the seeded mutation engine of the protocol fuzzer, in the manner of AFL's havoc stage but aware
// of JSON: it starts from valid requests of every method and flips bits, drops and repeats ranges, splices two
// requests, splits lines, and plants the values that break parsers (deep nesting, huge numbers and strings,
// invalid and overlong UTF-8, lone surrogates, control characters). Same seed, same inputs.

import Foundation

/// Builds mangled request lines from a corpus of valid ones.
struct RequestMutator {
    /// A valid request and the role whose connection normally sends it.
    struct Seed {
        var role: String
        var line: [UInt8]
    }

    let corpus: [Seed]
    var random: SeededGenerator
    /// Inputs longer than this are cut (set it to the daemon's line limit: over-long lines are sent on purpose).
    let maxBytes: Int

    init(corpus: [Seed], seed: UInt64, maxBytes: Int) {
        self.corpus = corpus
        self.random = SeededGenerator(seed: seed)
        self.maxBytes = maxBytes
    }

    /// Byte strings that trouble JSON parsers and validators.
    static let tokens: [[UInt8]] = [
        Array("\"".utf8), Array("{".utf8), Array("}".utf8), Array("[".utf8), Array("]".utf8), Array(",".utf8),
        Array(":".utf8), Array("null".utf8), Array("true".utf8), Array("-".utf8), Array("1e999".utf8),
        Array("-1e-999".utf8), Array("1.7976931348623157e309".utf8), Array("123456789012345678901234567890".utf8),
        Array("9223372036854775808".utf8), Array("-9223372036854775809".utf8), Array("-0".utf8), Array("0.0".utf8),
        Array("1E+2".utf8), Array("\\u0000".utf8), Array("\\ud800".utf8), Array("\\udc00\\ud800".utf8),
        Array("\\uD83D\\uDE00".utf8), Array("\\".utf8), Array("\\x41".utf8), Array("\u{2028}".utf8),
        [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xC0, 0x80], [0xFF], [0xFE, 0xFF], [0x80],
        [0x00], [0x01], [0x1F], [0x7F], [0x0D], [0x0A], [0x09], Array("\"jsonrpc\":\"2.0\"".utf8),
        Array("\"id\":".utf8), Array("\"params\":".utf8), Array("\"method\":\"".utf8), Array("NaN".utf8),
        Array("Infinity".utf8), Array("0x10".utf8), Array("01".utf8), Array("1.".utf8), Array(".5".utf8),
        Array("\"__proto__\"".utf8), Array("%s%n%x".utf8), Array("'; DROP TABLE conversations; --".utf8),
    ]

    /// A value to plant where a value was: sized from tiny to near the line limit.
    mutating func weirdValue() -> [UInt8] {
        switch Int.random(in: 0..<14, using: &random) {
        case 0: return Array(String(repeating: "[", count: Int.random(in: 60...70, using: &random)).utf8)
            + Array(String(repeating: "]", count: Int.random(in: 0...70, using: &random)).utf8)
        case 1:
            let depth = Int.random(in: 100...5000, using: &random)
            return Array(String(repeating: "{\"a\":", count: depth).utf8) + Array("1".utf8)
                + Array(String(repeating: "}", count: depth).utf8)
        case 2: return Array("\"\(String(repeating: "x", count: Int.random(in: 1000...30000, using: &random)))\"".utf8)
        case 3: return Array(String(repeating: "9", count: Int.random(in: 20...400, using: &random)).utf8)
        case 4: return Array("-\(UInt64.random(in: 0...UInt64.max, using: &random))".utf8)
        case 5: return Array("\(Double.random(in: -1e300...1e300, using: &random))".utf8)
        case 6: return Array("[\(String(repeating: "1,", count: Int.random(in: 10...5000, using: &random)))1]".utf8)
        case 7:
            let members = String(repeating: "\"k\":1,", count: Int.random(in: 10...3000, using: &random))
            return Array("{\(members)\"k\":2}".utf8)
        case 8:
            let escapes = String(repeating: "\\u00e9", count: Int.random(in: 1...3000, using: &random))
            return Array("\"\(escapes)\"".utf8)
        case 9: return Array("\"".utf8) + (0..<Int.random(in: 1...64, using: &random)).map { _ in
            UInt8.random(in: 0...255, using: &random) } + Array("\"".utf8)
        case 10: return Array("[]".utf8)
        case 11: return Array("{}".utf8)
        case 12: return Array("\"\"".utf8)
        default: return Self.tokens.randomElement(using: &random)!
        }
    }

    /// The next input: a corpus line mangled 1 to 4 times; returns the role that should send it.
    mutating func next() -> (role: String, line: [UInt8]) {
        let seed = corpus.randomElement(using: &random)!
        var bytes = seed.line
        for _ in 0..<Int.random(in: 1...4, using: &random) { mutate(&bytes) }
        if bytes.count > maxBytes { bytes.removeLast(bytes.count - maxBytes) }
        return (seed.role, bytes)
    }

    private mutating func position(in bytes: [UInt8]) -> Int { Int.random(in: 0...bytes.count, using: &random) }

    private mutating func mutate(_ bytes: inout [UInt8]) {
        switch Int.random(in: 0..<12, using: &random) {
        case 0 where !bytes.isEmpty:
            let index = Int.random(in: 0..<bytes.count, using: &random)
            bytes[index] ^= UInt8(1) << UInt8.random(in: 0...7, using: &random)
        case 1 where !bytes.isEmpty:
            bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random)
        case 2 where bytes.count > 1:
            let start = Int.random(in: 0..<bytes.count, using: &random)
            let end = min(bytes.count, start + Int.random(in: 1...16, using: &random))
            bytes.removeSubrange(start..<end)
        case 3 where !bytes.isEmpty:
            let start = Int.random(in: 0..<bytes.count, using: &random)
            let end = min(bytes.count, start + Int.random(in: 1...32, using: &random))
            let piece = Array(bytes[start..<end])
            bytes.insert(contentsOf: piece, at: position(in: bytes))
        case 4:
            bytes.insert(contentsOf: Self.tokens.randomElement(using: &random)!, at: position(in: bytes))
        case 5:
            replaceValue(&bytes)
        case 6 where !bytes.isEmpty:
            bytes.removeLast(Int.random(in: 1...bytes.count, using: &random))
        case 7:
            let other = corpus.randomElement(using: &random)!.line
            let cut = position(in: bytes)
            let otherCut = Int.random(in: 0...other.count, using: &random)
            bytes = Array(bytes[0..<cut]) + Array(other[otherCut...])
        case 8:
            bytes.insert(0x0A, at: position(in: bytes))
        case 9:
            let other = corpus.randomElement(using: &random)!.line
            bytes = Array("[".utf8) + bytes + Array(",".utf8) + other + Array("]".utf8)
        case 10:
            replaceDigits(&bytes)
        default:
            replaceValue(&bytes)
        }
    }

    /// Replaces the value after a random `:` with a weird one.
    private mutating func replaceValue(_ bytes: inout [UInt8]) {
        let colons = bytes.indices.filter { bytes[$0] == UInt8(ascii: ":") }
        guard let colon = colons.randomElement(using: &random) else { return }
        var end = colon + 1
        var depth = 0
        var inString = false
        while end < bytes.count {
            let byte = bytes[end]
            if inString {
                if byte == UInt8(ascii: "\\") { end += 1 } else if byte == UInt8(ascii: "\"") { inString = false }
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            } else if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") {
                depth += 1
            } else if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
                if depth == 0 { break }
                depth -= 1
            } else if byte == UInt8(ascii: ",") && depth == 0 {
                break
            }
            end += 1
        }
        bytes.replaceSubrange((colon + 1)..<min(end, bytes.count), with: weirdValue())
    }

    /// Replaces a run of digits with an edge number.
    private mutating func replaceDigits(_ bytes: inout [UInt8]) {
        let digits = bytes.indices.filter { bytes[$0] >= 0x30 && bytes[$0] <= 0x39 }
        guard let start = digits.randomElement(using: &random) else { return }
        var end = start
        while end < bytes.count && bytes[end] >= 0x30 && bytes[end] <= 0x39 { end += 1 }
        let edges = ["0", "-1", "1.5", "1e2", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
                     "18446744073709551616", "1e308", "4.9e-324", "2147483648", "99999999999999999999999"]
        bytes.replaceSubrange(start..<end, with: Array(edges.randomElement(using: &random)!.utf8))
    }
}
