// Tests for RPCDecoder: valid requests, notifications, every invalid-request case, batches and parse errors.

import XCTest
@testable import AtendeProtocol

final class RPCDecoderTests: XCTestCase {
    private func decode(_ text: String) -> RPCIncoming {
        RPCDecoder.decode(line: Array(text.utf8))
    }

    private func single(_ text: String, file: StaticString = #filePath, line: UInt = #line)
        -> RPCDecoded? {
        guard case .single(let result) = decode(text) else {
            XCTFail("not a single request: \(text)", file: file, line: line)
            return nil
        }
        return result
    }

    func testValidRequests() throws {
        // (line, method, params, id)
        let cases: [(String, String, JSON?, JSON?)] = [
            (#"{"jsonrpc":"2.0","method":"system.ping","id":1}"#, "system.ping", nil, 1),
            (#"{"jsonrpc":"2.0","method":"a","id":"x-1","params":{"k":[1]}}"#, "a", ["k": [1]], "x-1"),
            (#"{"jsonrpc":"2.0","method":"a","id":25,"params":[1,"b"]}"#, "a", [1, "b"], 25),
            (#"{"jsonrpc":"2.0","method":"a","id":null}"#, "a", nil, .null),
            (#"{"jsonrpc":"2.0","method":"a","params":{}}"#, "a", [:], nil),
            (#"{"id":-3,"method":"","jsonrpc":"2.0","extra":true}"#, "", nil, -3),
            (" \t{\"jsonrpc\":\"2.0\",\"method\":\"a\"}\r", "a", nil, nil),
        ]
        for (text, method, params, id) in cases {
            guard case .success(let request)? = single(text) else {
                XCTFail("not a valid request: \(text)")
                continue
            }
            XCTAssertEqual(request.method, method, text)
            XCTAssertEqual(request.params, params, text)
            XCTAssertEqual(request.id, id, text)
            XCTAssertEqual(request.isNotification, id == nil, text)
        }
    }

    func testNotificationDiffersFromNullId() throws {
        guard case .success(let notification)? = single(#"{"jsonrpc":"2.0","method":"a"}"#),
              case .success(let nullId)? = single(#"{"jsonrpc":"2.0","method":"a","id":null}"#)
        else { return XCTFail("expected two valid requests") }
        XCTAssertTrue(notification.isNotification)
        XCTAssertNil(notification.id)
        XCTAssertFalse(nullId.isNotification)
        XCTAssertEqual(nullId.id, .null)
    }

    static let badID = "id must be a string, an integer of at most 64 bits or null"

    func testInvalidRequests() {
        // (line, id of the failure, reason)
        let cases: [(String, JSON?, String)] = [
            ("1", nil, "a request must be an object"),
            (#""text""#, nil, "a request must be an object"),
            ("null", nil, "a request must be an object"),
            (#"{"jsonrpc":"2.0","method":"a","id":true}"#, nil, Self.badID),
            (#"{"jsonrpc":"2.0","method":"a","id":[1]}"#, nil, Self.badID),
            (#"{"jsonrpc":"2.0","method":"a","id":{}}"#, nil, Self.badID),
            // Written back another way, so refused: a fraction, an exponent, an integer past 64 bits.
            (#"{"jsonrpc":"2.0","method":"a","id":1.5}"#, nil, Self.badID),
            (#"{"jsonrpc":"2.0","method":"a","id":1e2}"#, nil, Self.badID),
            (#"{"jsonrpc":"2.0","method":"a","id":18446744073709551615}"#, nil, Self.badID),
            (#"{"method":"a","id":1}"#, 1, "jsonrpc must be \"2.0\""),
            (#"{"jsonrpc":"1.0","method":"a","id":1}"#, 1, "jsonrpc must be \"2.0\""),
            (#"{"jsonrpc":2.0,"method":"a","id":"k"}"#, "k", "jsonrpc must be \"2.0\""),
            (#"{"jsonrpc":"2.0","id":1}"#, 1, "method is required"),
            (#"{"jsonrpc":"2.0","method":null,"id":1}"#, 1, "method must be a string"),
            (#"{"jsonrpc":"2.0","method":5,"id":null}"#, .null, "method must be a string"),
            (#"{"jsonrpc":"2.0","method":"a","params":"x","id":1}"#, 1, "params must be an object or an array"),
            (#"{"jsonrpc":"2.0","method":"a","params":null,"id":1}"#, 1, "params must be an object or an array"),
            (#"{"jsonrpc":"2.0","method":"a","params":3}"#, nil, "params must be an object or an array"),
        ]
        for (text, id, reason) in cases {
            guard case .failure(let failure)? = single(text) else {
                XCTFail("accepted: \(text)")
                continue
            }
            XCTAssertEqual(failure.id, id, text)
            XCTAssertEqual(failure.error, .invalidRequest(reason), text)
            XCTAssertEqual(failure.error.code, -32600)
        }
    }

    func testUnparseableLines() {
        for text in ["", "{", #"{"jsonrpc":"2.0",}"#, "[1,]", "\u{FF}", "nope"] {
            guard case .invalid(let failure) = decode(text) else {
                XCTFail("not invalid: \(text)")
                continue
            }
            XCTAssertNil(failure.id, text)
            XCTAssertEqual(failure.error.code, -32700, text)
        }
        guard case .invalid(let failure) = decode("[1,]") else { return XCTFail("expected invalid") }
        XCTAssertEqual(failure.error.message, "parse error: unexpected character ']' at offset 3")
    }

    func testDepthLimitIsAParseError() {
        let deep = #"{"jsonrpc":"2.0","method":"a","params":"# + String(repeating: "[", count: 10)
            + String(repeating: "]", count: 10) + "}"
        guard case .invalid(let failure) = RPCDecoder.decode(line: Array(deep.utf8), maxDepth: 8) else {
            return XCTFail("expected invalid")
        }
        XCTAssertEqual(failure.error.code, -32700)
        guard case .single(.success) = RPCDecoder.decode(line: Array(deep.utf8), maxDepth: 11) else {
            return XCTFail("expected a request")
        }
    }

    func testBatches() {
        let line = #"[{"jsonrpc":"2.0","method":"a","id":1},{"jsonrpc":"2.0","method":"b"},5,"#
            + #"{"jsonrpc":"2.0","id":"z"},[]]"#
        guard case .batch(let elements) = decode(line) else { return XCTFail("expected a batch") }
        XCTAssertEqual(elements.count, 5)
        guard case .success(let first) = elements[0], case .success(let second) = elements[1],
              case .failure(let third) = elements[2], case .failure(let fourth) = elements[3],
              case .failure(let fifth) = elements[4]
        else { return XCTFail("unexpected element results") }
        XCTAssertEqual(first.method, "a")
        XCTAssertEqual(first.id, 1)
        XCTAssertTrue(second.isNotification)
        XCTAssertEqual(third.error, .invalidRequest("a request must be an object"))
        XCTAssertNil(third.id)
        XCTAssertEqual(fourth.error, .invalidRequest("method is required"))
        XCTAssertEqual(fourth.id, "z")
        XCTAssertEqual(fifth.error, .invalidRequest("a request must be an object"))
    }

    func testEmptyBatch() {
        guard case .invalid(let failure) = decode(" [ ] ") else { return XCTFail("expected invalid") }
        XCTAssertNil(failure.id)
        XCTAssertEqual(failure.error, .invalidRequest("empty batch"))
    }

    func testBatchSizeLimit() {
        let request = #"{"jsonrpc":"2.0","method":"a"}"#
        let full = "[" + Array(repeating: request, count: 1000).joined(separator: ",") + "]"
        guard case .batch(let elements) = decode(full) else { return XCTFail("expected a batch") }
        XCTAssertEqual(elements.count, 1000)
        let over = "[" + Array(repeating: "1", count: 1001).joined(separator: ",") + "]"
        guard case .invalid(let failure) = decode(over) else { return XCTFail("expected invalid") }
        XCTAssertNil(failure.id)
        XCTAssertEqual(failure.error.code, -32600)
        XCTAssertTrue(failure.error.message.contains("batch too large"), failure.error.message)
    }

    func testDecodingAValueDirectly() {
        guard case .success(let request) = RPCDecoder.decode(["jsonrpc": "2.0", "method": "m", "id": 4]) else {
            return XCTFail("expected a request")
        }
        XCTAssertEqual(request.method, "m")
        XCTAssertEqual(request.id, 4)
    }
}
