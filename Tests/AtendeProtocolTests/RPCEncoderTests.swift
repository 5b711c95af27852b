// Tests for RPCEncoder: the exact bytes of responses, errors, notifications, requests and batches.

import XCTest
@testable import AtendeProtocol

final class RPCEncoderTests: XCTestCase {
    private func text(_ bytes: [UInt8]) -> String {
        String(decoding: bytes, as: UTF8.self)
    }

    func testResultResponses() {
        let cases: [(JSON, String, String)] = [
            (1, "{}", #"{"jsonrpc":"2.0","id":1,"result":{}}"#),
            ("a\"b", "[1]", #"{"jsonrpc":"2.0","id":"a\"b","result":[1]}"#),
            (.null, "null", #"{"jsonrpc":"2.0","id":null,"result":null}"#),
            (2.5, #"{"ok":true}"#, #"{"jsonrpc":"2.0","id":2.5,"result":{"ok":true}}"#),
        ]
        for (id, result, expected) in cases {
            XCTAssertEqual(text(RPCEncoder.response(id: id, result: Array(result.utf8))), expected)
        }
    }

    func testErrorResponses() throws {
        XCTAssertEqual(
            text(RPCEncoder.response(id: 3, error: .notFound("attendant 9"))),
            #"{"jsonrpc":"2.0","id":3,"error":{"code":1004,"message":"not found: attendant 9"}}"#
        )
        XCTAssertEqual(
            text(RPCEncoder.response(id: "q", error: .invalidParams(field: "name", reason: "is required"))),
            #"{"jsonrpc":"2.0","id":"q","error":{"code":-32602,"message":"invalid params: name: is required","#
                + #""data":{"field":"name","reason":"is required"}}}"#
        )
        let failure = RPCFailure(id: nil, error: .parseError("x"))
        XCTAssertEqual(
            try JSONParser.parse(RPCEncoder.response(to: failure)),
            ["jsonrpc": "2.0", "id": nil, "error": ["code": -32700, "message": "parse error: x"]]
        )
    }

    func testNotification() {
        XCTAssertEqual(
            text(RPCEncoder.notification(method: "event", params: Array(#"{"type":"queue.changed"}"#.utf8))),
            #"{"jsonrpc":"2.0","method":"event","params":{"type":"queue.changed"}}"#
        )
    }

    func testRequests() {
        let cases: [(JSON?, JSON?, String)] = [
            (1, ["token": "t"], #"{"jsonrpc":"2.0","id":1,"method":"auth.bot","params":{"token":"t"}}"#),
            (nil, nil, #"{"jsonrpc":"2.0","method":"auth.bot"}"#),
            (.null, [1], #"{"jsonrpc":"2.0","id":null,"method":"auth.bot","params":[1]}"#),
        ]
        for (id, params, expected) in cases {
            XCTAssertEqual(text(RPCEncoder.request(id: id, method: "auth.bot", params: params)), expected)
        }
    }

    func testRequestsDecodeBack() {
        let bytes = RPCEncoder.request(id: "r-1", method: "conversation.open", params: ["externalId": "e"])
        guard case .single(.success(let request)) = RPCDecoder.decode(line: bytes) else {
            return XCTFail("encoded request does not decode")
        }
        XCTAssertEqual(request.id, "r-1")
        XCTAssertEqual(request.method, "conversation.open")
        XCTAssertEqual(request.params, ["externalId": "e"])
    }

    func testBatch() {
        XCTAssertEqual(text(RPCEncoder.batch([])), "[]")
        let one = RPCEncoder.response(id: 1, result: Array("1".utf8))
        let two = RPCEncoder.response(id: 2, error: .atCapacity())
        XCTAssertEqual(text(RPCEncoder.batch([one, two])), "[" + text(one) + "," + text(two) + "]")
    }
}
