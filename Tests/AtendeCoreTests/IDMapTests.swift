// IDMap and IDSet: a long random run of sets, in-place changes, removals and inserts against a plain Dictionary
// and Set, checked after each step (lookups, count, iteration), negative and large ids included; department slugs
// as keys, however the string was built; and the hash spreads the key patterns atende has (sequential ids, ids
// that differ only in high bits, numbered slugs) over a table's buckets.

import XCTest
@testable import AtendeCore

final class IDMapTests: XCTestCase {
    func testBehavesLikeADictionaryUnderRandomOperations() {
        var random = SplitMix64(seed: 0x1D_4A9)
        var map: IDMap<Int64, Int> = [:]
        var model: [Int64: Int] = [:]
        let pool: [Int64] = (0..<200).map { Int64($0) } + [-1, .min, .max, 1 << 40, -(1 << 40)]
        for step in 0..<20_000 {
            let id = pool[random.below(pool.count)]
            switch random.below(5) {
            case 0, 1:
                let value = random.below(1000)
                map[id] = value
                model[id] = value
            case 2:
                XCTAssertEqual(map.removeValue(forKey: id), model.removeValue(forKey: id), "step \(step)")
            case 3:
                // In place through the index, as the router changes a chat where it lies.
                if let index = map.index(forKey: id) {
                    map.values[index] += 1
                    model[id]! += 1
                } else {
                    XCTAssertNil(model[id], "step \(step)")
                }
            default:
                map[id, default: 0] += 7
                model[id, default: 0] += 7
            }
            XCTAssertEqual(map[id], model[id], "step \(step)")
            XCTAssertEqual(map.count, model.count, "step \(step)")
            if step % 500 == 0 {
                XCTAssertEqual(Dictionary(uniqueKeysWithValues: map.map { ($0.key, $0.value) }), model, "step \(step)")
                XCTAssertEqual(Set(map.keys), Set(model.keys), "step \(step)")
            }
        }
        map.removeAll()
        XCTAssertTrue(map.isEmpty)
    }

    func testValuesAreReadAndChangedWhereTheyLie() {
        var map: IDMap<Int64, [Int]> = [7: [1, 2]]
        XCTAssertNil(map.withValue(forKey: 8) { $0.count })
        XCTAssertEqual(map.withValue(forKey: 7) { value -> Int in
            value.append(3)
            return value.count
        }, 3)
        XCTAssertEqual(map[7], [1, 2, 3])
        let index = map.index(forKey: 7)!
        XCTAssertEqual(map.withValue(at: index) { $0.first }, 1)
        XCTAssertEqual(map.count, 1, "reading an absent id adds nothing")
    }

    func testUnsignedIdsRoundTrip() {
        var map: IDMap<UInt64, String> = [:]
        for id: UInt64 in [0, 1, .max, 1 << 63, 16] { map[id] = "\(id)" }
        XCTAssertEqual(map.count, 5)
        for (id, text) in map { XCTAssertEqual(text, "\(id)") }
        XCTAssertEqual(map[.max], "\(UInt64.max)")
    }

    func testBehavesLikeASetUnderRandomOperations() {
        var random = SplitMix64(seed: 0x5E7)
        var set: IDSet<Int64> = []
        var model: Set<Int64> = []
        for step in 0..<20_000 {
            let id = random.below(Int64(300)) - 50
            if random.below(3) == 0 {
                XCTAssertEqual(set.remove(id), model.remove(id), "step \(step)")
            } else {
                let (inserted, member) = set.insert(id)
                XCTAssertEqual(inserted, model.insert(id).inserted, "step \(step)")
                XCTAssertEqual(member, id)
            }
            XCTAssertEqual(set.contains(id), model.contains(id), "step \(step)")
            XCTAssertEqual(set.count, model.count, "step \(step)")
        }
        XCTAssertEqual(Set(set), model)
        XCTAssertEqual(IDSet(model), set)
        XCTAssertEqual(set.min(), model.min())
    }

    func testDepartmentSlugsAsKeys() {
        var map: IDMap<String, Int> = [:]
        let slugs = (0..<500).map { "dept-\($0)" } + ["", "a", String(repeating: "x", count: 64)]
        for (index, slug) in slugs.enumerated() { map[slug] = index }
        XCTAssertEqual(map.count, slugs.count)
        for (index, slug) in slugs.enumerated() { XCTAssertEqual(map[slug], index, slug) }
        // The same text built another way (a long string assembled in pieces, a small one from a substring)
        // finds the same entry.
        let long = String(repeating: "x", count: 30) + String(repeating: "x", count: 34)
        XCTAssertEqual(map[long], slugs.count - 1)
        XCTAssertEqual(map[String("dept-12-".dropLast())], 12)
        XCTAssertNil(map["dept-500"])
        // Byte for byte, as department ids are compared: two spellings of "café" are two keys.
        map["caf\u{e9}"] = 1
        map["cafe\u{301}"] = 2
        XCTAssertEqual(map["caf\u{e9}"], 1)
        XCTAssertEqual(map["cafe\u{301}"], 2)
        var dirty: IDSet<String> = ["sales", "support"]
        XCTAssertFalse(dirty.insert("sales").inserted)
        XCTAssertEqual(Set(dirty), ["sales", "support"])
    }

    func testTheHashSpreadsSequentialAndHighBitIds() {
        // A table of 1024 buckets takes the low 10 bits of the hash: ids in a row, and ids that differ only above
        // bit 32 (which a plain multiplicative hash would put in one bucket), must both fill most buckets.
        for seed in [0, 12345, Int.min, -1] {
            for pattern in [{ (i: UInt64) in i }, { (i: UInt64) in i << 32 }, { (i: UInt64) in i << 54 | 7 }] {
                let ids = 0..<1024 as Range<UInt64>
                let buckets = Set(ids.map { IDKey(pattern($0))._rawHashValue(seed: seed) & 1023 })
                XCTAssertGreaterThan(buckets.count, 600, "seed \(seed)")
            }
            let names = Set((0..<1024).map { SlugKey("dept-\($0)")._rawHashValue(seed: seed) & 1023 })
            XCTAssertGreaterThan(names.count, 600, "seed \(seed)")
        }
    }
}
