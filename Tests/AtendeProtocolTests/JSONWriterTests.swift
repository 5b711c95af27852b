// Tests for JSONWriter: separators, escaping, numbers, whole values and round trips through the parser.

import XCTest
@testable import AtendeProtocol

final class JSONWriterTests: XCTestCase {
    private func text(_ writer: JSONWriter) -> String {
        String(decoding: writer.bytes, as: UTF8.self)
    }

    func testSeparatorsAreInsertedAutomatically() {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("a", 1)
        writer.key("b")
        writer.beginArray()
        writer.int(1)
        writer.beginObject()
        writer.endObject()
        writer.beginArray()
        writer.endArray()
        writer.string("x")
        writer.null()
        writer.endArray()
        writer.key("c")
        writer.beginObject()
        writer.field("d", true)
        writer.fieldNull("e")
        writer.endObject()
        writer.field("f", false)
        writer.endObject()
        XCTAssertEqual(text(writer), #"{"a":1,"b":[1,{},[],"x",null],"c":{"d":true,"e":null},"f":false}"#)
    }

    func testScalarsAtTheTop() {
        let cases: [(String, (inout JSONWriter) -> Void)] = [
            ("null", { $0.null() }),
            ("true", { $0.bool(true) }),
            ("0", { $0.int(0) }),
            ("-42", { $0.int(-42) }),
            ("9223372036854775807", { $0.int(Int64.max) }),
            ("-9223372036854775808", { $0.int(Int64.min) }),
            ("12", { $0.int(12 as Int) }),
            ("1.5", { $0.double(1.5) }),
            ("null", { $0.double(.nan) }),
            ("null", { $0.double(.infinity) }),
            ("null", { $0.double(-.infinity) }),
            (#""""#, { $0.string("") }),
            ("[1,2]", { $0.raw(Array("[1,2]".utf8)) }),
        ]
        for (expected, write) in cases {
            var writer = JSONWriter()
            write(&writer)
            XCTAssertEqual(text(writer), expected)
        }
    }

    func testStringEscaping() {
        let cases: [(String, String)] = [
            ("plain", #""plain""#),
            ("quote \" and \\ backslash", #""quote \" and \\ backslash""#),
            ("\n\r\t\u{08}\u{0C}", #""\n\r\t\b\f""#),
            ("\u{0}\u{1}\u{1F}", #""\u0000\u0001\u001f""#),
            ("\u{7F} é 中 😀 /", "\"\u{7F} é 中 😀 /\""),
            ("a\"b\"c", #""a\"b\"c""#),
            ("\"", #""\"""#),
        ]
        for (input, expected) in cases {
            var writer = JSONWriter()
            writer.string(input)
            XCTAssertEqual(text(writer), expected, input)
            XCTAssertEqual(try JSONParser.parse(writer.bytes), .string(input), input)
            var keyed = JSONWriter()
            keyed.beginObject()
            keyed.dynamicKey(input)
            keyed.string(input)
            keyed.endObject()
            XCTAssertEqual(try JSONParser.parse(keyed.bytes), .object([input: .string(input)]), input)
        }
    }

    func testEveryControlCharacterRoundTrips() throws {
        let all = String(decoding: (0..<0x80).map { UInt8($0) }, as: UTF8.self)
        var writer = JSONWriter()
        writer.string(all)
        XCTAssertFalse(writer.bytes.dropFirst().dropLast().contains { $0 < 0x20 })
        XCTAssertEqual(try JSONParser.parse(writer.bytes), .string(all))
    }

    func testDoublesRoundTrip() throws {
        let values: [Double] = [0, -0.0, 1, 4, 0.1, 1.5, -2.25, 1e-5, 1e16, 1e300, .leastNonzeroMagnitude, .pi,
                                Double.greatestFiniteMagnitude, -Double.leastNormalMagnitude, 123_456_789.125]
        for value in values {
            var writer = JSONWriter()
            writer.double(value)
            let parsed = try JSONParser.parse(writer.bytes)
            XCTAssertEqual(parsed, .double(value), text(writer))
        }
    }

    func testValueSortsKeys() {
        let value: JSON = ["b": 1, "a": ["z": nil, "y": [true, 1.5, "s"]], "c": []]
        XCTAssertEqual(value.text, #"{"a":{"y":[true,1.5,"s"],"z":null},"b":1,"c":[]}"#)
        XCTAssertEqual(value.encoded, Array(value.text.utf8))
    }

    func testValueRoundTrips() throws {
        let values: [JSON] = [
            .null, true, 0, -1, .int(Int64.min), 2.5, "", "é\n", [], [:],
            [
                "jsonrpc": "2.0", "id": 7, "method": "conversation.open",
                "params": ["externalId": "wa-1", "contact": ["phone": "+5511987654321"], "tags": [1, 2.5, nil]],
            ],
        ]
        for value in values {
            XCTAssertEqual(try JSONParser.parse(value.encoded), value, value.text)
        }
    }

    func testFieldConveniences() throws {
        var writer = JSONWriter()
        writer.beginObject()
        writer.field("s", "text")
        writer.field("i64", Int64(-5))
        writer.field("i", 5)
        writer.field("d", 0.5)
        writer.field("b", true)
        writer.field("j", ["k": "v"] as JSON)
        writer.fieldNull("n")
        writer.optionalField("os", "present")
        writer.optionalField("osNil", nil as String?)
        writer.optionalField("oi", 9 as Int64?)
        writer.optionalField("oiNil", nil as Int64?)
        writer.optionalField("oint", 3 as Int?)
        writer.optionalField("ob", false as Bool?)
        writer.optionalField("obNil", nil as Bool?)
        writer.endObject()
        XCTAssertEqual(try JSONParser.parse(writer.bytes), [
            "s": "text", "i64": -5, "i": 5, "d": 0.5, "b": true, "j": ["k": "v"], "n": nil,
            "os": "present", "oi": 9, "oint": 3, "ob": false,
        ])
    }

    func testRawValuesTakeTheirPlace() throws {
        var writer = JSONWriter()
        writer.beginArray()
        writer.raw(Array(#"{"a":1}"#.utf8))
        writer.raw(Array("2".utf8))
        writer.beginObject()
        writer.key("r")
        writer.raw(Array("[3]".utf8))
        writer.endObject()
        writer.endArray()
        XCTAssertEqual(text(writer), #"[{"a":1},2,{"r":[3]}]"#)
    }
}
