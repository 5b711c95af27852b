// The envelope fast path of RPCDecoder against the general one (JSONParser, then decode(_:)): on requests of every
// shape it reads, on the shapes it leaves to the general path, and on thousands of mutated lines, it either
// declines or gives exactly the request the general path gives; and `decode(line:)` answers every line as the
// general path does.

import XCTest
@testable import AtendeProtocol

final class RPCEnvelopeTests: XCTestCase {
    /// The general path alone.
    private func general(_ line: [UInt8], maxDepth: Int = 64) -> RPCIncoming {
        let message: JSON
        do {
            message = try JSONParser.parse(line, maxDepth: maxDepth)
        } catch {
            return .invalid(RPCFailure(id: nil, error: .parseError("\(error.reason) at offset \(error.offset)")))
        }
        guard case .array(let elements) = message else { return .single(RPCDecoder.decode(message)) }
        if elements.isEmpty { return .invalid(RPCFailure(id: nil, error: .invalidRequest("empty batch"))) }
        if elements.count > RPCDecoder.maxBatchSize {
            return .invalid(RPCFailure(id: nil, error: .invalidRequest("batch too large (over 1000)")))
        }
        return .batch(elements.map(RPCDecoder.decode))
    }

    private func fast(_ line: [UInt8], maxDepth: Int = 64) -> RPCRequest? {
        var stacks = JSONParseStacks()
        return line.withUnsafeBufferPointer { RPCDecoder.decodeEnvelope($0, maxDepth: maxDepth, stacks: &stacks) }
    }

    private func render(_ request: RPCRequest) -> String {
        "\(request.method) \(String(describing: request.params)) \(String(describing: request.id))"
    }

    private func render(_ result: RPCDecoded) -> String {
        switch result {
        case .success(let request): return "ok " + render(request)
        case .failure(let failure): return "fail \(String(describing: failure.id)) \(failure.error)"
        }
    }

    private func render(_ incoming: RPCIncoming) -> String {
        switch incoming {
        case .single(let result): return render(result)
        case .batch(let results): return "batch " + results.map(render).joined(separator: " | ")
        case .invalid(let failure): return "invalid \(failure.error)"
        }
    }

    /// Checks one line: the fast path declines or agrees with the general path, and `decode(line:)` answers as
    /// the general path does. Returns whether the fast path took it.
    @discardableResult
    private func check(_ text: String, maxDepth: Int = 64, file: StaticString = #filePath, line: UInt = #line) -> Bool {
        check(bytes: Array(text.utf8), maxDepth: maxDepth, file: file, line: line)
    }

    @discardableResult
    private func check(bytes: [UInt8], maxDepth: Int = 64, file: StaticString = #filePath, line: UInt = #line)
        -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        let expected = general(bytes, maxDepth: maxDepth)
        var stacks = JSONParseStacks()
        XCTAssertEqual(render(RPCDecoder.decode(line: bytes, maxDepth: maxDepth, stacks: &stacks)), render(expected),
                       text, file: file, line: line)
        // Read in place (as the daemon reads a connection's buffer), the same answer.
        let inPlace = bytes.withUnsafeBufferPointer {
            RPCDecoder.decode(bytes: $0, maxDepth: maxDepth, stacks: &stacks)
        }
        XCTAssertEqual(render(inPlace), render(expected), text, file: file, line: line)
        guard let request = fast(bytes, maxDepth: maxDepth) else { return false }
        guard case .single(.success(let reference)) = expected else {
            XCTFail("the fast path took a line the general path refuses: \(text)", file: file, line: line)
            return true
        }
        XCTAssertEqual(render(request), render(reference), text, file: file, line: line)
        return true
    }

    private static let taken = [
        #"{"jsonrpc":"2.0","id":1,"method":"conversation.open","params":{"externalId":"wa-1","#
            + #""contact":{"phone":"+5511987654321"},"department":"sales"}}"#,
        #"{"method":"conversation.close","params":{"id":7},"id":"a\"b\u00e9","jsonrpc":"2.0"}"#,
        #"  { "id" : -350 , "jsonrpc" : "2.0" , "method" : "x\ty" , "params" : [1, [2, {"a": null}], true] }  "#,
        #"{"jsonrpc":"2.0","method":"ping"}"#,
        // A common method name spelled with an escape, and one that only starts like one.
        #"{"jsonrpc":"2.0","id":2,"method":"conversation.op\u0065n","params":{}}"#,
        #"{"jsonrpc":"2.0","id":3,"method":"conversation.openX","params":{}}"#,
        #"{"jsonrpc":"2.0","method":"ping","id":null}"#,
        #"{"jsonrpc":"2.0","method":"ping","id":0,"params":{}}"#,
        #"{"jsonrpc":"2.0","method":"","id":9223372036854775807,"params":[]}"#,
        "{\"jsonrpc\":\"2.0\",\"method\":\"m\",\"params\":{\"t\":\"caf\u{e9} \u{1F600}\"}}\t",
    ]

    private static let declined = [
        #"{"jsonrpc":"2.0","id":1,"method":"m","params":{},"extra":1}"#,
        #"{"jsonrpc":"2.0","id":1,"id":2,"method":"m"}"#,
        #"{"jsonrpc":"2.0","method":"m","method":"n"}"#,
        #"{"jsonrpc":"2\u002e0","method":"m"}"#,
        #"{"json\u0072pc":"2.0","method":"m"}"#,
        #"{"jsonrpc":"1.0","method":"m"}"#,
        #"{"jsonrpc":2.0,"method":"m"}"#,
        #"{"jsonrpc":"2.0"}"#,
        #"{"method":"m"}"#,
        #"{"jsonrpc":"2.0","method":5}"#,
        #"{"jsonrpc":"2.0","method":"m","params":3}"#,
        #"{"jsonrpc":"2.0","method":"m","id":{}}"#,
        #"{"jsonrpc":"2.0","method":"m","id":true}"#,
        #"{"jsonrpc":"2.0","method":"m","id":-3.5e2}"#,
        #"{"jsonrpc":"2.0","method":"m"} x"#,
        #"{"jsonrpc":"2.0","method":"m",}"#,
        #"{"jsonrpc":"2.0","method":"m""#,
        #"[{"jsonrpc":"2.0","method":"m"}]"#,
        #"[]"#,
        #"{}"#,
        "",
        #"{"jsonrpc":"2.0","method":"m","params":{"a":1,}}"#,
        "{\"jsonrpc\":\"2.0\",\"method\":\"\u{1}\"}",
    ]

    func testTheCommonShapesAreTakenAndAgree() {
        for text in Self.taken { XCTAssertTrue(check(text), text) }
    }

    func testEverythingElseGoesTheGeneralWay() {
        for text in Self.declined { XCTAssertFalse(check(text), text) }
    }

    func testDepthCountsFromTheEnvelopeAsInTheGeneralParse() {
        // With a limit of 4, params may nest three deep inside the envelope, not four.
        XCTAssertTrue(check(#"{"jsonrpc":"2.0","method":"m","params":[[[1]]]}"#, maxDepth: 4))
        XCTAssertFalse(check(#"{"jsonrpc":"2.0","method":"m","params":[[[[1]]]]}"#, maxDepth: 4))
        XCTAssertFalse(check(#"{"jsonrpc":"2.0","method":"m","id":[[[[1]]]]}"#, maxDepth: 4))
        XCTAssertFalse(check(#"{"jsonrpc":"2.0","method":"m"}"#, maxDepth: 1))
        XCTAssertFalse(check(#"{"jsonrpc":"2.0","method":"m","params":[]}"#, maxDepth: 1))
    }

    func testMutatedLinesAreAnsweredAsTheGeneralPathAnswersThem() {
        var random = SplitMix64(seed: 0xE_4E1)
        let alphabet = Array(#"{}[]",:\ 0123456789-.eE"truefalsnulljsonrpcidmethodparams2u00"#.utf8)
        var taken = 0
        for round in 0..<6000 {
            var bytes = Array(Self.taken[Int(random.next() % UInt64(Self.taken.count))].utf8)
            for _ in 0..<(1 + Int(random.next() % 3)) where !bytes.isEmpty {
                let at = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 4 {
                case 0: bytes[at] = alphabet[Int(random.next() % UInt64(alphabet.count))]
                case 1: bytes.remove(at: at)
                case 2: bytes.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: at)
                default: bytes.removeSubrange(at...)
                }
            }
            if round % 10 == 0, !bytes.isEmpty {
                bytes[Int(random.next() % UInt64(bytes.count))] = 0x80 | UInt8(random.next() % 0x80)  // bad UTF-8
            }
            if check(bytes: bytes) { taken += 1 }
            if round % 1000 == 0 && testRun?.failureCount ?? 0 > 0 { return }
        }
        XCTAssertGreaterThan(taken, 200, "mutations that still are plain requests go the fast way")
    }
}
