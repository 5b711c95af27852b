// Tests for JSONParser: structure, literals, whitespace, nesting depth, trailing data and the entry points.

import XCTest
@testable import AtendeProtocol

/// Parses `bytes` and returns the error, or nil (with a test failure) when parsing succeeded.
func parseFailure(_ bytes: [UInt8], maxDepth: Int = JSONParser.defaultMaxDepth,
                  file: StaticString = #filePath, line: UInt = #line) -> JSONParseError? {
    do {
        let value = try JSONParser.parse(bytes, maxDepth: maxDepth)
        XCTFail("parsed \(String(decoding: bytes.prefix(80), as: UTF8.self)) as \(value)", file: file, line: line)
        return nil
    } catch {
        return error
    }
}

final class JSONParserTests: XCTestCase {
    func testValidDocuments() throws {
        let cases: [(String, JSON)] = [
            ("null", .null),
            ("true", .bool(true)),
            ("false", .bool(false)),
            ("0", .int(0)),
            (#""""#, .string("")),
            ("[]", .array([])),
            ("{}", .object([:])),
            (" \t\r\n[ 1 , \"a\" ,null,true ]\n\r\t ", .array([.int(1), .string("a"), .null, .bool(true)])),
            (#"{"a":{"b":[{}, []]},"c":-1}"#,
             .object(["a": .object(["b": .array([.object([:]), .array([])])]), "c": .int(-1)])),
            (#"{ "a" : 1 , "b" : 2 }"#, .object(["a": .int(1), "b": .int(2)])),
            (#"{"":0}"#, .object(["": .int(0)])),
            ("[[[[[]]]]]", .array([.array([.array([.array([.array([])])])])])),
            (#"[1,[2,[3]],{"x":[4]}]"#, .array([1, [2, [3]], ["x": [4]]])),
        ]
        for (text, expected) in cases {
            XCTAssertEqual(try JSONParser.parse(text), expected, text)
        }
    }

    func testInvalidDocuments() {
        // (input, offset, reason)
        let cases: [(String, Int, String)] = [
            ("", 0, "unexpected end of input"),
            (#"{"k":1,"k":2}"#, 12, #"duplicate key "k""#),
            ("   ", 3, "unexpected end of input"),
            ("[", 1, "unexpected end of input"),
            ("[1", 2, "unexpected end of input"),
            ("[1,", 3, "unexpected end of input"),
            (#"{"a""#, 4, "unexpected end of input"),
            (#"{"a":"#, 5, "unexpected end of input"),
            ("[1,]", 3, "unexpected character ']'"),
            (#"{"a":1,}"#, 7, "expected a string key, found character '}'"),
            ("[1 2]", 3, "expected ',' or ']', found character '2'"),
            (#"{"a":1 "b":2}"#, 7, "expected ',' or '}', found character '\"'"),
            (#"{"a" 1}"#, 5, "expected ':' after the key, found character '1'"),
            ("{1:2}", 1, "expected a string key, found character '1'"),
            ("{a:1}", 1, "expected a string key, found character 'a'"),
            ("['a']", 1, "unexpected character '''"),
            ("1 2", 2, "unexpected data after the value"),
            ("{} x", 3, "unexpected data after the value"),
            ("[]]", 2, "unexpected data after the value"),
            ("nul", 0, "invalid literal, expected 'null'"),
            ("tru", 0, "invalid literal, expected 'true'"),
            ("falsy", 0, "invalid literal, expected 'false'"),
            ("True", 0, "unexpected character 'T'"),
            ("NaN", 0, "unexpected character 'N'"),
            ("Infinity", 0, "unexpected character 'I'"),
            ("nulll", 4, "unexpected data after the value"),
            ("/* c */ 1", 0, "unexpected character '/'"),
            ("1 // c", 2, "unexpected data after the value"),
            ("[1]\u{0B}", 3, "unexpected data after the value"),
            ("\u{0C}1", 0, "unexpected byte 0x0C"),
            ("\u{A0}1", 0, "unexpected byte 0xC2"),
        ]
        for (text, offset, reason) in cases {
            guard let error = parseFailure(Array(text.utf8)) else { continue }
            XCTAssertEqual(error, JSONParseError(offset: offset, reason: reason), text)
        }
    }

    func testByteOrderMarkIsRefused() {
        XCTAssertEqual(parseFailure([0xEF, 0xBB, 0xBF, 0x31])?.offset, 0)
    }

    func testNulByteOutsideStringsIsRefused() {
        XCTAssertEqual(parseFailure([0x5B, 0x31, 0x00, 0x5D])?.reason, "expected ',' or ']', found byte 0x00")
        XCTAssertEqual(parseFailure([0x31, 0x00])?.reason, "unexpected data after the value")
    }

    func testDepthLimit() throws {
        for depth in [1, 2, 63, 64] {
            let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            XCTAssertNoThrow(try JSONParser.parse(text), "depth \(depth)")
        }
        let tooDeep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        XCTAssertEqual(parseFailure(Array(tooDeep.utf8)), JSONParseError(offset: 64, reason: "nesting deeper than 64"))

        let objects = String(repeating: #"{"a":"#, count: 5) + "1" + String(repeating: "}", count: 5)
        XCTAssertNoThrow(try JSONParser.parse(objects, maxDepth: 5))
        XCTAssertEqual(parseFailure(Array(objects.utf8), maxDepth: 4)?.reason, "nesting deeper than 4")
        XCTAssertEqual(parseFailure(Array("[]".utf8), maxDepth: 0)?.reason, "nesting deeper than 0")
        XCTAssertEqual(try JSONParser.parse("7", maxDepth: 0), .int(7))
    }

    func testVeryDeepUnclosedInputFailsWithoutRecursion() {
        let bytes = [UInt8](repeating: UInt8(ascii: "["), count: 1_000_000)
        XCTAssertEqual(parseFailure(bytes)?.reason, "nesting deeper than 64")
        // Even with a huge limit nothing recurses: the parse ends at the missing input.
        XCTAssertEqual(parseFailure(bytes, maxDepth: 2_000_000)?.reason, "unexpected end of input")
    }

    func testSiblingsDoNotCountTowardsDepth() throws {
        let text = "[" + Array(repeating: "[[]]", count: 1000).joined(separator: ",") + "]"
        XCTAssertEqual(try JSONParser.parse(text, maxDepth: 3).arrayValue?.count, 1000)
    }

    func testEntryPointsAgree() throws {
        let text = #"{"jsonrpc":"2.0","id":7,"method":"system.ping","params":{"é":[1.5,"\u00e9"]}}"#
        let expected = try JSONParser.parse(text)
        let bytes = Array(text.utf8)
        XCTAssertEqual(try JSONParser.parse(bytes), expected)
        XCTAssertEqual(try JSONParser.parse(bytes[...]), expected)
        XCTAssertEqual(try bytes.withUnsafeBytes { raw throws(JSONParseError) in try JSONParser.parse(raw) }, expected)
        // A collection without contiguous storage takes the copying path.
        XCTAssertEqual(try JSONParser.parse(bytes.lazy.map { $0 }), expected)
        XCTAssertEqual(try JSONParser.parse(text.utf8), expected)
        XCTAssertEqual(expected["params"]?["é"], [1.5, "é"])
    }

    func testEmptyBuffersFail() {
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        XCTAssertThrowsError(try JSONParser.parse(empty))
        XCTAssertEqual(parseFailure([]), JSONParseError(offset: 0, reason: "unexpected end of input"))
    }

    func testErrorDescription() {
        XCTAssertEqual(JSONParseError(offset: 3, reason: "bad").description, "bad at offset 3")
    }

    /// Common member names come from a table (no new string built); names that merely start or end like one, or
    /// spell one with escapes, still parse to exactly what they say.
    func testCommonKeysAndTheirNeighbours() throws {
        let text = #"{"id":4,"i":2,"ids":3,"jsonrpc" :5,"jsonrpcx":6,"method\"":7,"Params":8,"params":9}"#
        guard case .object(let object) = try JSONParser.parse(text) else { return XCTFail("not an object") }
        XCTAssertEqual(object.count, 8)
        XCTAssertEqual(try JSONParser.parse(#"{"\u0069d":4}"#), .object(["id": 4]), "an escaped spelling of id")
        XCTAssertThrowsError(try JSONParser.parse(#"{"id":1,"\u0069d":4}"#), "\\u0069d is the same name as id")
        let expected: [(String, JSON)] = [("id", 4), ("i", 2), ("ids", 3), ("jsonrpc", 5), ("jsonrpcx", 6),
                                          ("method\"", 7), ("Params", 8), ("params", 9)]
        for (key, value) in expected { XCTAssertEqual(object[key], value, key) }
        XCTAssertNil(object["method"])
        for (key, _) in JSONScanner.commonKeys {
            let line = "{\"" + key.description + "\":true}"
            XCTAssertEqual(try JSONParser.parse(line), .object([key.description: true]), line)
            XCTAssertThrowsError(try JSONParser.parse("{\"" + key.description + "\"}"), "\(key) without a value")
            XCTAssertThrowsError(try JSONParser.parse("{\"" + key.description), "\(key) cut short")
        }
    }

    /// Stacks kept from one parse to the next start every parse empty, also after a parse that failed with
    /// containers still open.
    func testStacksKeptAcrossParsesStartClean() throws {
        var stacks = JSONParseStacks()
        for broken in [#"{"a":[1,{"b":"#, #"[[[{"x":"#, #"{"a":1,}"#] {
            XCTAssertThrowsError(try JSONParser.parse(Array(broken.utf8), stacks: &stacks), broken)
            XCTAssertEqual(try JSONParser.parse(Array(#"{"c":[2,{"d":null}]}"#.utf8), stacks: &stacks),
                           ["c": [2, ["d": nil]]], "after \(broken)")
            XCTAssertEqual(try JSONParser.parse(Array("[]".utf8), stacks: &stacks), [])
            XCTAssertEqual(try JSONParser.parse(Array("7".utf8), stacks: &stacks), 7)
        }
        let line = Array(#"{"jsonrpc":"2.0","id":1,"method":"system.ping"}"#.utf8)
        guard case .single(.success(let request)) = RPCDecoder.decode(line: line, stacks: &stacks) else {
            return XCTFail("not a request")
        }
        XCTAssertEqual(request.method, "system.ping")
    }
}
