// Tests for JSON: accessors, type names and literals.

import XCTest
@testable import AtendeProtocol

final class JSONTests: XCTestCase {
    func testAccessorsReturnValuesOnlyForTheirOwnCase() {
        let values: [JSON] = [.null, .bool(true), .int(7), .double(2.5), .string("x"), .array([1]), .object(["a": 1])]
        for value in values {
            XCTAssertEqual(value.stringValue != nil, value == .string("x"), "\(value)")
            XCTAssertEqual(value.boolValue != nil, value == .bool(true), "\(value)")
            XCTAssertEqual(value.arrayValue != nil, value == .array([1]), "\(value)")
            XCTAssertEqual(value.objectValue != nil, value == .object(["a": 1]), "\(value)")
            XCTAssertEqual(value.isNull, value == .null, "\(value)")
        }
    }

    func testIntValue() {
        let cases: [(JSON, Int64?)] = [
            (.int(42), 42),
            (.int(Int64.min), Int64.min),
            (.double(3.0), 3),
            (.double(-0.0), 0),
            (.double(3.5), nil),
            (.double(1e30), nil),
            (.double(9_223_372_036_854_775_808.0), nil),  // 2^63 does not fit
            (.double(-9_223_372_036_854_775_808.0), Int64.min),
            (.string("3"), nil),
            (.null, nil),
        ]
        for (value, expected) in cases {
            XCTAssertEqual(value.intValue, expected, "\(value)")
        }
    }

    func testDoubleValue() {
        XCTAssertEqual(JSON.int(3).doubleValue, 3.0)
        XCTAssertEqual(JSON.double(0.5).doubleValue, 0.5)
        XCTAssertNil(JSON.string("0.5").doubleValue)
        XCTAssertNil(JSON.bool(false).doubleValue)
    }

    func testSubscriptReadsObjectMembersOnly() {
        let object: JSON = ["a": 1, "b": nil]
        XCTAssertEqual(object["a"], .int(1))
        XCTAssertEqual(object["b"], .null)
        XCTAssertNil(object["c"])
        XCTAssertNil(JSON.array(["a"])["a"])
        XCTAssertNil(JSON.string("a")["a"])
    }

    func testTypeNames() {
        let cases: [(JSON, String)] = [
            (.null, "null"), (.bool(false), "boolean"), (.int(1), "integer"), (.double(1.5), "number"),
            (.string(""), "string"), (.array([]), "array"), (.object([:]), "object"),
        ]
        for (value, name) in cases {
            XCTAssertEqual(value.typeName, name)
        }
    }

    func testLiterals() {
        let value: JSON = ["s": "text", "i": 1, "d": 1.5, "b": true, "n": nil, "a": [1, "two"]]
        XCTAssertEqual(
            value,
            .object([
                "s": .string("text"), "i": .int(1), "d": .double(1.5), "b": .bool(true), "n": .null,
                "a": .array([.int(1), .string("two")]),
            ])
        )
    }

    func testDictionaryLiteralKeepsTheLastDuplicate() {
        let value = JSON(dictionaryLiteral: ("k", 1), ("k", 2))
        XCTAssertEqual(value, .object(["k": .int(2)]))
    }

    func testIntegerAndDoubleAreDistinct() {
        XCTAssertNotEqual(JSON.int(1), JSON.double(1.0))
    }

    func testDescriptionIsTheCompactEncoding() {
        XCTAssertEqual(JSON.object(["b": [1, 2], "a": "x"]).description, #"{"a":"x","b":[1,2]}"#)
    }
}
