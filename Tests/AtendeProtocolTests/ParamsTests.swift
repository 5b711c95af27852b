// Tests for Params: every accessor's success and every reason, with nested field names.

import XCTest
@testable import AtendeProtocol

final class ParamsTests: XCTestCase {
    private let params = try! Params([
        "name": "Ana Souza", "empty": "", "count": 3, "whole": 4.0, "half": 4.5, "huge": 1e30, "flag": true,
        "nothing": nil, "list": [1, 2], "contact": ["phone": "+5511987654321", "inner": ["deep": 1]],
    ] as JSON)

    /// The invalid-params error thrown by `body`, or nil (with a failure) when it did not throw one.
    private func reason<T>(_ body: () throws(RPCError) -> T, file: StaticString = #filePath, line: UInt = #line)
        -> (field: String, reason: String)? {
        do {
            let value = try body()
            XCTFail("no error; got \(value)", file: file, line: line)
            return nil
        } catch {
            XCTAssertEqual(error.code, -32602, file: file, line: line)
            guard case .string(let field)? = error.data?["field"], case .string(let reason)? = error.data?["reason"]
            else {
                XCTFail("no field/reason in \(error)", file: file, line: line)
                return nil
            }
            XCTAssertEqual(error.message, "invalid params: \(field): \(reason)", file: file, line: line)
            return (field, reason)
        }
    }

    private func assertInvalid<T>(_ body: () throws(RPCError) -> T, _ field: String, _ expected: String,
                                  file: StaticString = #filePath, line: UInt = #line) {
        guard let found = reason(body, file: file, line: line) else { return }
        XCTAssertEqual(found.field, field, file: file, line: line)
        XCTAssertEqual(found.reason, expected, file: file, line: line)
    }

    func testInit() throws {
        XCTAssertTrue(try Params(nil).members.isEmpty)
        XCTAssertEqual(try Params(["a": 1]).members, ["a": 1])
        for bad: JSON in [[1], "x", 1, .null, true] {
            assertInvalid({ () throws(RPCError) in try Params(bad) }, "params", "must be an object")
        }
    }

    func testPresence() {
        XCTAssertTrue(params.has("name"))
        XCTAssertTrue(params.has("empty"))
        XCTAssertFalse(params.has("nothing"))
        XCTAssertFalse(params.has("missing"))
        XCTAssertEqual(params.value("nothing"), .null)
        XCTAssertNil(params.value("missing"))
        XCTAssertEqual(params.value("count"), 3)
    }

    func testStrings() throws {
        XCTAssertEqual(try params.string("name"), "Ana Souza")
        XCTAssertEqual(try params.string("empty"), "")
        XCTAssertEqual(try params.optionalString("name"), "Ana Souza")
        XCTAssertNil(try params.optionalString("nothing"))
        XCTAssertNil(try params.optionalString("missing"))
        XCTAssertEqual(try params.string("name", maxLength: 9), "Ana Souza")
        let accents = try Params(["s": "ééé"])
        XCTAssertEqual(try accents.string("s", maxLength: 3), "ééé")

        assertInvalid({ () throws(RPCError) in try params.string("missing") }, "missing", "is required")
        assertInvalid({ () throws(RPCError) in try params.string("nothing") }, "nothing", "is required")
        assertInvalid({ () throws(RPCError) in try params.string("count") }, "count", "must be a string (got integer)")
        assertInvalid({ () throws(RPCError) in try params.optionalString("list") }, "list",
                      "must be a string (got array)")
        assertInvalid({ () throws(RPCError) in try params.string("name", maxLength: 8) }, "name",
                      "longer than 8 characters")
        assertInvalid({ () throws(RPCError) in try accents.optionalString("s", maxLength: 2) }, "s",
                      "longer than 2 characters")
        // One "character" with 300,000 combining marks is 600 KB: counted as Unicode scalars, it is refused.
        let stacked = try Params(["s": .string("Ab" + String(repeating: "\u{301}", count: 300_000))])
        XCTAssertEqual(stacked.members["s"]?.stringValue?.count, 2)
        assertInvalid({ () throws(RPCError) in try stacked.string("s", maxLength: 120) }, "s",
                      "longer than 120 characters")
        let decomposed = try Params(["s": "Jose\u{301}"])
        XCTAssertEqual(try decomposed.string("s", maxLength: 5), "Jose\u{301}")
    }

    /// Message texts are limited by size: 64 KiB of accented letters is half as many letters as of plain ones.
    func testTextsByBytes() throws {
        let plain = try Params(["t": .string(String(repeating: "a", count: 65536))])
        XCTAssertEqual(try plain.text("t", maxBytes: 65536).utf8.count, 65536)
        let accented = try Params(["t": .string(String(repeating: "é", count: 40_000)), "n": .null])
        assertInvalid({ () throws(RPCError) in try accented.text("t", maxBytes: 65536) }, "t",
                      "longer than 65536 bytes (80000 in UTF-8)")
        XCTAssertNil(try accented.optionalText("n", maxBytes: 10))
        XCTAssertNil(try accented.optionalText("missing", maxBytes: 10))
        assertInvalid({ () throws(RPCError) in try accented.text("missing", maxBytes: 10) }, "missing", "is required")
        let number = try Params(["t": 1])
        assertInvalid({ () throws(RPCError) in try number.optionalText("t", maxBytes: 10) }, "t",
                      "must be a string (got integer)")
    }

    func testIntegers() throws {
        XCTAssertEqual(try params.int("count"), 3)
        XCTAssertEqual(try params.int("whole"), 4)
        XCTAssertEqual(try params.int("count", range: 1...3), 3)
        XCTAssertEqual(try params.optionalInt("count", range: 3...3), 3)
        XCTAssertNil(try params.optionalInt("nothing"))
        XCTAssertNil(try params.optionalInt("missing", range: 1...2))

        assertInvalid({ () throws(RPCError) in try params.int("missing") }, "missing", "is required")
        assertInvalid({ () throws(RPCError) in try params.int("half") }, "half", "must be an integer")
        assertInvalid({ () throws(RPCError) in try params.int("name") }, "name", "must be an integer")
        assertInvalid({ () throws(RPCError) in try params.int("flag") }, "flag", "must be an integer")
        assertInvalid({ () throws(RPCError) in try params.int("huge") }, "huge", "must be an integer")
        assertInvalid({ () throws(RPCError) in try params.int("huge", range: 1...5) }, "huge",
                      "must be between 1 and 5")
        assertInvalid({ () throws(RPCError) in try params.int("count", range: 4...10) }, "count",
                      "must be between 4 and 10")
        assertInvalid({ () throws(RPCError) in try params.optionalInt("whole", range: (-2)...(-1)) }, "whole",
                      "must be between -2 and -1")
    }

    func testBooleans() throws {
        XCTAssertEqual(try params.bool("flag"), true)
        XCTAssertEqual(try params.optionalBool("flag"), true)
        XCTAssertNil(try params.optionalBool("nothing"))
        assertInvalid({ () throws(RPCError) in try params.bool("missing") }, "missing", "is required")
        assertInvalid({ () throws(RPCError) in try params.bool("count") }, "count", "must be a boolean (got integer)")
        assertInvalid({ () throws(RPCError) in try params.optionalBool("name") }, "name",
                      "must be a boolean (got string)")
    }

    func testArrays() throws {
        XCTAssertEqual(try params.array("list"), [1, 2])
        XCTAssertEqual(try params.optionalArray("list"), [1, 2])
        XCTAssertNil(try params.optionalArray("missing"))
        assertInvalid({ () throws(RPCError) in try params.array("nothing") }, "nothing", "is required")
        assertInvalid({ () throws(RPCError) in try params.array("contact") }, "contact",
                      "must be an array (got object)")
        assertInvalid({ () throws(RPCError) in try params.optionalArray("half") }, "half",
                      "must be an array (got number)")
    }

    func testNestedObjectsPrefixFieldNames() throws {
        let contact = try params.object("contact")
        XCTAssertEqual(try contact.string("phone"), "+5511987654321")
        XCTAssertEqual(contact.fieldName("phone"), "contact.phone")
        assertInvalid({ () throws(RPCError) in try contact.string("name") }, "contact.name", "is required")
        assertInvalid({ () throws(RPCError) in try contact.int("phone") }, "contact.phone", "must be an integer")
        let inner = try XCTUnwrap(try contact.optionalObject("inner"))
        assertInvalid({ () throws(RPCError) in try inner.bool("deep") }, "contact.inner.deep",
                      "must be a boolean (got integer)")
        assertInvalid({ () throws(RPCError) in try inner.rejectUnknown([]) }, "contact.inner.deep",
                      "unknown parameter")
        XCTAssertNil(try params.optionalObject("nothing"))
        assertInvalid({ () throws(RPCError) in try params.object("missing") }, "missing", "is required")
        assertInvalid({ () throws(RPCError) in try params.object("list") }, "list", "must be an object (got array)")
        assertInvalid({ () throws(RPCError) in try params.optionalObject("name") }, "name",
                      "must be an object (got string)")
    }

    func testRejectUnknown() throws {
        let all: Set<String> = [
            "name", "empty", "count", "whole", "half", "huge", "flag", "nothing", "list", "contact",
        ]
        XCTAssertNoThrow(try params.rejectUnknown(all))
        XCTAssertNoThrow(try params.rejectUnknown(all.union(["extra"])))
        assertInvalid({ () throws(RPCError) in try params.rejectUnknown(all.subtracting(["name", "count"])) },
                      "count", "unknown parameter")
        assertInvalid({ () throws(RPCError) in try params.rejectUnknown([]) }, "contact", "unknown parameter")
        // The list form (what handlers pass) refuses the same key, the first in byte order.
        let list = all.sorted()
        XCTAssertNoThrow(try params.rejectUnknown(list))
        XCTAssertNoThrow(try params.rejectUnknown(list + ["extra"]))
        let withoutNameAndCount = list.filter { $0 != "name" && $0 != "count" }
        assertInvalid({ () throws(RPCError) in try params.rejectUnknown(withoutNameAndCount) }, "count",
                      "unknown parameter")
        assertInvalid({ () throws(RPCError) in try params.rejectUnknown(list.filter { $0 != "nothing" }) },
                      "nothing", "unknown parameter")
        assertInvalid({ () throws(RPCError) in try params.rejectUnknown([String]()) }, "contact", "unknown parameter")
    }
}
