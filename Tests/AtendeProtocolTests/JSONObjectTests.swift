// Tests for JSONObject: the member list behind JSON objects, on both sides of the size where it starts keeping
// a key index, checked against a dictionary.

import XCTest
@testable import AtendeProtocol

final class JSONObjectTests: XCTestCase {
    func testTheLastOfDuplicateKeysWinsInItsFirstPosition() {
        let object = JSONObject(members: [("a", JSON.int(1)), ("b", 2), ("a", 3)])
        XCTAssertEqual(object.count, 2)
        XCTAssertEqual(object.keys, ["a", "b"])
        XCTAssertEqual(object["a"], 3)
        let literal: JSONObject = ["x": 1, "x": 2]
        XCTAssertEqual(literal["x"], 2)
    }

    /// A parsed object that names a member twice is refused, at any depth, naming the key.
    func testTheParserRefusesDuplicateKeys() {
        for text in [#"{"k":1,"j":true,"k":"last"}"#, #"[{"a":{"b":1,"b":2}}]"#, #"{"a":{},"a":{}}"#] {
            XCTAssertThrowsError(try JSONParser.parse(Array(text.utf8)), text) { error in
                XCTAssertTrue((error as? JSONParseError)?.reason.hasPrefix("duplicate key") ?? false, "\(error)")
            }
        }
        let long = String(repeating: "k", count: 10_000)
        XCTAssertThrowsError(try JSONParser.parse(Array("{\"\(long)\":1,\"\(long)\":2}".utf8))) { error in
            let cut = String(repeating: "k", count: 64) + "…"
            XCTAssertEqual((error as? JSONParseError)?.reason, "duplicate key \"\(cut)\"", "a long key is cut")
        }
        XCTAssertEqual(try JSONParser.parse(Array(#"{"a":{"b":1},"b":{"a":2}}"#.utf8)),
                       .object(["a": .object(["b": 1]), "b": .object(["a": 2])]), "the same key in two objects")
    }

    /// Names are compared as Strings are, below and above the indexed size alike: canonically equivalent
    /// spellings are one name, whatever their byte counts.
    func testCanonicallyEquivalentNamesAreOneName() throws {
        for filler in [0, 20] {
            var members = (0..<filler).map { ("f\($0)", JSON.int(Int64($0))) }
            members += [("\u{212A}", 1), ("K", 2), ("\u{E9}", 3), ("e\u{301}", 4)]
            let object = JSONObject(members: members)
            XCTAssertEqual(object.count, filler + 2, "filler \(filler)")
            XCTAssertEqual(object.count, object.dictionary.count, "filler \(filler)")
            XCTAssertEqual(object["K"], 2)
            XCTAssertEqual(object["\u{E9}"], 4)
        }
        // Parsed, two spellings of one name are a duplicate key.
        let text = "{\"\u{E9}\":1,\"e\u{301}\":2}"
        XCTAssertThrowsError(try JSONParser.parse(text))
    }

    func testEqualityIgnoresOrderButNotValuesOrKeys() {
        let a: JSONObject = ["a": 1, "b": [true, nil]]
        XCTAssertEqual(a, ["b": [true, nil], "a": 1])
        XCTAssertNotEqual(a, ["a": 1, "b": [true]])
        XCTAssertNotEqual(a, ["a": 1, "c": [true, nil]])
        XCTAssertNotEqual(a, ["a": 1])
        XCTAssertEqual(JSONObject(), [:])
    }

    func testDictionaryRoundTripAndEncodingWithSortedKeys() {
        let dictionary: [String: JSON] = ["zeta": 1, "alpha": "x", "mid": [:]]
        let object = JSONObject(dictionary)
        XCTAssertEqual(object.dictionary, dictionary)
        XCTAssertEqual(JSON.object(object).text, #"{"alpha":"x","mid":{},"zeta":1}"#)
    }

    /// Random sets, updates and removals on objects of up to 40 keys (past the indexed size and back below it)
    /// agree with a dictionary, and parsing their text gives the same object.
    func testRandomChangesAgreeWithADictionary() throws {
        var random = SplitMix64(seed: 0x0B1E)
        for round in 0..<30 {
            var object = JSONObject()
            var model: [String: JSON] = [:]
            for step in 0..<400 {
                let key = "k\(random.next() % 40)"
                switch random.next() % 10 {
                case 0..<6:
                    let value = JSON.int(Int64(random.next() % 1000))
                    object[key] = value
                    model[key] = value
                case 6..<9:
                    object[key] = nil
                    model[key] = nil
                default:
                    XCTAssertEqual(object[key], model[key], "round \(round) step \(step)")
                }
                XCTAssertEqual(object.count, model.count, "round \(round) step \(step)")
            }
            XCTAssertEqual(object.dictionary, model, "round \(round)")
            XCTAssertEqual(Set(object.keys), Set(model.keys), "round \(round)")
            for (key, value) in model { XCTAssertEqual(object[key], value, "round \(round) key \(key)") }
            XCTAssertNil(object["absent"])
            let text = JSON.object(object).text
            XCTAssertEqual(try JSONParser.parse(Array(text.utf8)), .object(JSONObject(model)), "round \(round)")
        }
    }

    /// An object of many keys, most of them repeated, parses to the last value of each.
    /// Past the indexed size too: a repeated key is found through the index, at its first repetition.
    func testARepeatedKeyPastTheIndexedSizeIsRefused() throws {
        let members = (0..<20_000).map { #""key\#($0 % 500)":\#($0)"# }
        let text = "{" + members.joined(separator: ",") + "}"
        XCTAssertThrowsError(try JSONParser.parse(Array(text.utf8))) { error in
            XCTAssertEqual((error as? JSONParseError)?.reason, #"duplicate key "key0""#)
        }
        let distinct = "{" + (0..<20_000).map { #""key\#($0)":\#($0)"# }.joined(separator: ",") + "}"
        guard case .object(let object) = try JSONParser.parse(Array(distinct.utf8)) else {
            return XCTFail("not an object")
        }
        XCTAssertEqual(object.count, 20_000)
        XCTAssertEqual(object["key19999"], 19_999)
    }
}
