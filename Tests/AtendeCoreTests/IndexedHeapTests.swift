// IndexedHeap: HeapKey's order, then a long random run of upserts and removals against a plain dictionary,
// checking after each step the top, the best-excluding answer the router uses to pass over an attendant, and
// membership. Small key ranges force many ties, which must fall to the secondary key and then the id.

import XCTest
@testable import AtendeCore

final class IndexedHeapTests: XCTestCase {
    func testKeysOrderByPrimaryThenSecondaryThenId() {
        let rows: [(HeapKey, HeapKey, Bool)] = [
            (HeapKey(primary: 1, secondary: 9, id: 9), HeapKey(primary: 2, secondary: 0, id: 0), true),
            (HeapKey(primary: 2, secondary: 0, id: 0), HeapKey(primary: 1, secondary: 9, id: 9), false),
            (HeapKey(primary: 1, secondary: 1, id: 9), HeapKey(primary: 1, secondary: 2, id: 0), true),
            (HeapKey(primary: 1, secondary: 2, id: 1), HeapKey(primary: 1, secondary: 2, id: 2), true),
            (HeapKey(primary: 1, secondary: 2, id: 2), HeapKey(primary: 1, secondary: 2, id: 2), false),
            (HeapKey(primary: -5, secondary: 0, id: 0), HeapKey(primary: 0, secondary: 0, id: 0), true),
        ]
        for (a, b, less) in rows {
            XCTAssertEqual(a < b, less, "\(a) < \(b)")
        }
    }

    func testEmptyHeap() {
        let heap = IndexedHeap()
        XCTAssertTrue(heap.isEmpty)
        XCTAssertNil(heap.top)
        XCTAssertNil(heap.topKey)
        XCTAssertNil(heap.best(excluding: nil))
        XCTAssertNil(heap.best(excluding: 1))
        var single = heap
        single.upsert(HeapKey(primary: 0, secondary: 0, id: 7))
        XCTAssertEqual(single.best(excluding: 7), nil, "nobody else")
        XCTAssertEqual(single.best(excluding: 8), 7)
        single.remove(8)
        XCTAssertEqual(single.count, 1, "removing an absent id does nothing")
    }

    func testRandomOperationsAgreeWithADictionary() {
        var rng = SplitMix64(seed: 0x4EA9)
        var heap = IndexedHeap()
        var model: [Int64: HeapKey] = [:]
        for step in 0..<20_000 {
            let id = Int64(rng.below(40))
            if rng.chance(65) {
                let key = HeapKey(primary: rng.below(Int64(4)), secondary: rng.below(Int64(3)), id: id)
                heap.upsert(key)
                model[id] = key
            } else {
                heap.remove(id)
                model[id] = nil
            }
            let sorted = model.values.sorted()
            XCTAssertEqual(heap.count, model.count, "step \(step)")
            XCTAssertEqual(heap.topKey, sorted.first, "step \(step)")
            XCTAssertEqual(heap.top, sorted.first?.id, "step \(step)")
            XCTAssertEqual(heap.best(excluding: nil), sorted.first?.id, "step \(step)")
            if let top = sorted.first?.id {
                XCTAssertEqual(heap.best(excluding: top), sorted.dropFirst().first?.id, "step \(step)")
            }
            let other = Int64(rng.below(40))
            XCTAssertEqual(heap.best(excluding: other), sorted.first { $0.id != other }?.id, "step \(step)")
            XCTAssertEqual(heap.contains(id), model[id] != nil, "step \(step)")
            XCTAssertEqual(Set(heap.ids), Set(model.keys), "step \(step)")
            if step % 500 == 0 {
                // The whole order, not only the top: popping a copy must give the model's keys sorted.
                var copy = heap
                var popped: [HeapKey] = []
                while let key = copy.topKey {
                    popped.append(key)
                    copy.remove(key.id)
                }
                XCTAssertEqual(popped, sorted, "step \(step)")
            }
            if heap.count != model.count { return }
        }
    }

    func testSlotOperationsAndRemoveAllAgreeWithADictionary() {
        var rng = SplitMix64(seed: 0x5107)
        var heap = IndexedHeap()
        var model: [Int64: HeapKey] = [:]
        var slots: [Int64: Int32] = [:]
        for step in 0..<20_000 {
            let id = Int64(rng.below(40))
            let slot = slots[id] ?? heap.slot(for: id)
            slots[id] = slot
            XCTAssertEqual(heap.slot(for: id), slot, "a slot stays the id's")
            if rng.chance(2) {
                heap.removeAll()
                model.removeAll()
            } else if rng.chance(65) {
                let key = HeapKey(primary: rng.below(Int64(4)), secondary: rng.below(Int64(3)), id: id)
                heap.upsert(key, slot: slot)
                model[id] = key
            } else {
                heap.remove(slot: slot)
                model[id] = nil
            }
            XCTAssertEqual(heap.count, model.count, "step \(step)")
            XCTAssertEqual(heap.topKey, model.values.min(), "step \(step)")
            XCTAssertEqual(heap.contains(slot: slot), model[id] != nil, "step \(step)")
            XCTAssertEqual(heap.contains(id), model[id] != nil, "step \(step)")
            if heap.count != model.count { return }
        }
    }
}
