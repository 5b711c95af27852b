// A seeded mutation fuzz test of JSONParser and RPCDecoder.
// Inputs are mutated from a seed corpus of requests and tricky JSON (flipped bytes, insertions, deletions,
// duplicated chunks, deep brackets, broken UTF-8). Every input must be refused cleanly or parse to a value
// that encodes and parses back equal; the decoder must answer every line. Failures print the seed and the
// iteration, so a run can be repeated with ATENDE_FUZZ_SEED; ATENDE_FUZZ_ITERATIONS sets the count.

import XCTest
@testable import AtendeProtocol

final class ParserFuzzTests: XCTestCase {
    private static let corpus: [String] = [
        #"{"jsonrpc":"2.0","id":1,"method":"system.ping"}"#,
        #"{"jsonrpc":"2.0","id":"a-1","method":"auth.login","params":{"login":"ana@x.com","password":"Secret12"}}"#,
        #"{"jsonrpc":"2.0","method":"conversation.open","params":{"externalId":"wa:1","contact":{"phone":"#
            + #""+55 (11) 98765-4321","name":"Zé"},"text":"olá\n\"oi\"","department":null}}"#,
        #"[{"jsonrpc":"2.0","id":1,"method":"a"},{"jsonrpc":"2.0","method":"b","params":[1,2.5,-3e-7]}]"#,
        #"{"jsonrpc":"2.0","id":null,"method":"x","params":{"hours":{"week":{"mon":[["08:00","12:00"]]}}}}"#,
        #"[]"#,
        #"{"a":[true,false,null,{"b":{}}],"c":"\ud83d\ude00\u00e9\u0000\t","d":1.7976931348623157e308}"#,
        #"[0,-0,0.5,-1.25e+10,9223372036854775807,-9223372036854775808,18446744073709551616,1E-400]"#,
        #""\\\/\b\f\n\r\t\"""#,
        "\"中文 😀 ümlaut\"",
        #"{"k":1,"e\u0301":3,"ê":4}"#,
        "  [ [ [ ] ] , { } ]  ",
    ]

    /// Bytes worth inserting: structure, escapes, digits, and fragments of (in)valid UTF-8.
    private static let textTokens: [String] = [
        "{", "}", "[", "]", ",", ":", "\"", "\\", "\\u", "\\ud800", "\\udc00", "0", "-", ".", "e", "E+", "1e999",
        "null", "true", "false", " ", "\n", "\t", "\r", "\u{0}", "é", "😀", "\"a\":", "[[[[[[[[",
        "]]]]]]]]", "99999999999999999999", "0.", "00",
    ]
    private static let tokens: [[UInt8]] = textTokens.map { Array($0.utf8) }
        + [[0x80], [0xC0, 0xAF], [0xED, 0xA0, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xFF], [0xE4, 0xB8]]

    func testMutatedInputsNeverBreakTheParserOrDecoder() {
        let environment = ProcessInfo.processInfo.environment
        let iterations = environment["ATENDE_FUZZ_ITERATIONS"].flatMap { Int($0) } ?? 20_000
        let seed = environment["ATENDE_FUZZ_SEED"].flatMap { UInt64($0) } ?? 0x00A7_E2DE
        var random = SplitMix64(seed: seed)
        let corpus = Self.corpus.map { Array($0.utf8) }
        var parsed = 0
        var refused = 0
        var failures = 0

        for iteration in 0..<iterations where failures < 10 {
            let input = mutate(corpus[Int(random.next() % UInt64(corpus.count))], corpus: corpus, random: &random)
            let context = { "seed \(seed) iteration \(iteration) input \(self.describe(input))" }
            if check(input, context: context) { parsed += 1 } else { refused += 1 }
            if testRun?.failureCount ?? 0 > 0 { failures += 1 }
        }
        print("fuzz seed \(seed): \(iterations) inputs, \(parsed) valid JSON, \(refused) refused")
        // The mutations must exercise both outcomes, or the test proves little.
        if iterations >= 1000 {
            XCTAssertGreaterThan(parsed, iterations / 20, "seed \(seed)")
            XCTAssertGreaterThan(refused, iterations / 20, "seed \(seed)")
        }
    }

    func testCorpusParses() throws {
        for text in Self.corpus {
            XCTAssertNoThrow(try JSONParser.parse(text), text)
        }
    }

    /// Parses and decodes `input`, checking the invariants; returns whether it was valid JSON.
    private func check(_ input: [UInt8], context: () -> String) -> Bool {
        var valid = false
        do {
            let value = try JSONParser.parse(input)
            valid = true
            let encoded = value.encoded
            do {
                let again = try JSONParser.parse(encoded)
                XCTAssertEqual(again, value, context())
                XCTAssertEqual(again.encoded, encoded, context())
            } catch {
                XCTFail("re-parse failed: \(error) for \(String(decoding: encoded, as: UTF8.self)); \(context())")
            }
        } catch {
            XCTAssertTrue((0...input.count).contains(error.offset), "offset \(error.offset); \(context())")
            XCTAssertFalse(error.reason.isEmpty, context())
        }

        switch RPCDecoder.decode(line: input) {
        case .invalid(let failure):
            XCTAssertNil(failure.id, context())
            checkAnswer(.failure(failure), context: context)
        case .single(let result):
            checkAnswer(result, context: context)
        case .batch(let results):
            XCTAssertFalse(results.isEmpty, context())
            XCTAssertLessThanOrEqual(results.count, RPCDecoder.maxBatchSize, context())
            for result in results { checkAnswer(result, context: context) }
        }
        return valid
    }

    /// A failure must encode to a valid response; a request must survive encoding and decoding.
    private func checkAnswer(_ result: RPCDecoded, context: () -> String) {
        switch result {
        case .failure(let failure):
            let response = RPCEncoder.response(to: failure)
            let code = try? JSONParser.parse(response)["error"]?["code"]
            XCTAssertEqual(code, .int(Int64(failure.error.code)), context())
        case .success(let request):
            let line = RPCEncoder.request(id: request.id, method: request.method, params: request.params)
            guard case .single(.success(let again)) = RPCDecoder.decode(line: line) else {
                return XCTFail("re-encoded request does not decode; \(context())")
            }
            XCTAssertEqual(again.method, request.method, context())
            XCTAssertEqual(again.id, request.id, context())
            XCTAssertEqual(again.params, request.params, context())
        }
    }

    private func mutate(_ seedInput: [UInt8], corpus: [[UInt8]], random: inout SplitMix64) -> [UInt8] {
        var bytes = seedInput
        // Mostly one small change, so that a fair share of the inputs stays valid and reaches the decoder.
        let rounds = random.next() % 4 == 0 ? Int(random.next() % 4) + 2 : 1
        for _ in 0..<rounds {
            let position = bytes.isEmpty ? 0 : Int(random.next() % UInt64(bytes.count + 1))
            switch random.next() % 11 {
            case 0 where !bytes.isEmpty:  // flip a bit
                let index = min(position, bytes.count - 1)
                bytes[index] ^= UInt8(1) << (random.next() % 8)
            case 1 where !bytes.isEmpty:  // replace a byte with any value
                bytes[min(position, bytes.count - 1)] = UInt8(truncatingIfNeeded: random.next())
            case 2:  // insert a token
                bytes.insert(contentsOf: Self.tokens[Int(random.next() % UInt64(Self.tokens.count))], at: position)
            case 3 where !bytes.isEmpty:  // delete a range
                let length = min(Int(random.next() % 8) + 1, bytes.count - min(position, bytes.count - 1))
                let start = min(position, bytes.count - 1)
                bytes.removeSubrange(start..<start + length)
            case 4 where !bytes.isEmpty:  // duplicate a chunk somewhere else
                let start = Int(random.next() % UInt64(bytes.count))
                let length = min(Int(random.next() % 32) + 1, bytes.count - start)
                let chunk = Array(bytes[start..<start + length])
                bytes.insert(contentsOf: chunk, at: Int(random.next() % UInt64(bytes.count + 1)))
            case 5:  // deep brackets, sometimes closed
                let depth = Int(random.next() % 200) + 1
                let open: [UInt8] = random.next() % 2 == 0 ? [0x5B] : Array(#"{"a":"#.utf8)
                var deep = Array([[UInt8]](repeating: open, count: depth).joined())
                if random.next() % 2 == 0 {
                    deep += [0x31] + Array(repeating: open == [0x5B] ? 0x5D : 0x7D, count: depth)
                }
                bytes.insert(contentsOf: deep, at: position)
            case 6:  // truncate
                bytes.removeSubrange(position...)
            case 7:  // splice in part of another corpus entry
                let other = corpus[Int(random.next() % UInt64(corpus.count))]
                let start = Int(random.next() % UInt64(other.count))
                bytes.insert(contentsOf: other[start...], at: position)
            case 8, 9:  // change a letter or digit into another of its kind
                guard !bytes.isEmpty else { continue }
                let index = min(position, bytes.count - 1)
                let byte = bytes[index]
                if byte >= 0x30 && byte <= 0x39 {
                    bytes[index] = 0x30 + UInt8(random.next() % 10)
                } else if byte >= 0x61 && byte <= 0x7A {
                    bytes[index] = 0x61 + UInt8(random.next() % 26)
                } else {
                    bytes.insert(0x20, at: index)
                }
            default:  // swap two bytes
                guard bytes.count > 1 else { continue }
                bytes.swapAt(Int(random.next() % UInt64(bytes.count)), Int(random.next() % UInt64(bytes.count)))
            }
            if bytes.count > 8192 { bytes.removeSubrange(8192...) }
        }
        return bytes
    }

    private func describe(_ bytes: [UInt8]) -> String {
        var text = ""
        for byte in bytes.prefix(400) {
            if byte >= 0x20 && byte < 0x7F && byte != 0x5C {
                text.append(Character(Unicode.Scalar(byte)))
            } else {
                text += "\\x" + hexByte(byte)
            }
        }
        return bytes.count > 400 ? text + "…(\(bytes.count) bytes)" : text
    }
}
