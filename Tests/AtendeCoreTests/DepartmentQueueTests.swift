// DepartmentQueue: FIFO order with lazy removal. Chats leave from the middle (taken, transferred, closed) by
// going stale, and the queue must still report the right count, head and live list; a random run compares it
// with a plain array through thousands of appends, pops and departures, which also triggers its compactions.

import XCTest
@testable import AtendeCore

final class DepartmentQueueTests: XCTestCase {
    func testFirstInFirstOutWithDeparturesFromTheMiddle() {
        var live: Set<Int64> = [1, 2, 3, 4]
        var queue = DepartmentQueue()
        for id in Int64(1)...4 { queue.append(QueueEntry(id: id, seq: id * 10)) }
        XCTAssertEqual(queue.count, 4)
        live.remove(2)
        queue.entryWentStale()
        live.remove(1)
        queue.entryWentStale()
        XCTAssertEqual(queue.count, 2)
        XCTAssertEqual(queue.live { live.contains($0.id) }.map(\.id), [3, 4])
        XCTAssertEqual(queue.first { live.contains($0.id) }?.id, 3)
        queue.removeFirst()
        live.remove(3)
        XCTAssertEqual(queue.first { live.contains($0.id) }?.id, 4)
        XCTAssertEqual(queue.count, 1)
        live.remove(4)
        queue.entryWentStale()
        XCTAssertTrue(queue.isEmpty)
        XCTAssertNil(queue.first { live.contains($0.id) })
        live.insert(5)
        queue.append(QueueEntry(id: 5, seq: 50))
        XCTAssertEqual(queue.first { live.contains($0.id) }?.id, 5)
    }

    func testInsertInOrderRestoresSeqOrder() {
        var queue = DepartmentQueue()
        for seq: Int64 in [5, 2, 9, 1, 7] { queue.insertInOrder(QueueEntry(id: seq, seq: seq)) }
        XCTAssertEqual(queue.live { _ in true }.map(\.seq), [1, 2, 5, 7, 9])
        XCTAssertEqual(queue.live(limit: 2) { _ in true }.map(\.seq), [1, 2])
        XCTAssertEqual(queue.count, 5)
    }

    func testRandomRunAgreesWithAnArray() {
        var rng = SplitMix64(seed: 0xD0E)
        var queue = DepartmentQueue()
        var model: [QueueEntry] = []
        var live: [Int64: Int64] = [:]  // id -> seq of its live entry
        var seq: Int64 = 0
        var nextID: Int64 = 0
        func isLive(_ entry: QueueEntry) -> Bool { live[entry.id] == entry.seq }
        for step in 0..<30_000 {
            let roll = rng.below(100)
            if roll < 45 || model.isEmpty {
                seq += 1
                nextID += 1
                let entry = QueueEntry(id: nextID, seq: seq)
                queue.append(entry)
                model.append(entry)
                live[entry.id] = entry.seq
            } else if roll < 75 {
                let index = rng.below(model.count)
                live[model[index].id] = nil
                model.remove(at: index)
                queue.entryWentStale()
            } else if roll < 85 {
                // The same chat leaves and joins again: its old entry goes stale and a new one goes to the back.
                let index = rng.below(model.count)
                var entry = model.remove(at: index)
                queue.entryWentStale()
                seq += 1
                entry.seq = seq
                live[entry.id] = seq
                queue.append(entry)
                model.append(entry)
            } else {
                XCTAssertEqual(queue.first(isLive: isLive), model.first, "step \(step)")
                queue.removeFirst()
                live[model.removeFirst().id] = nil
            }
            XCTAssertEqual(queue.count, model.count, "step \(step)")
            XCTAssertEqual(queue.isEmpty, model.isEmpty, "step \(step)")
            XCTAssertEqual(queue.first(isLive: isLive), model.first, "step \(step)")
            if step % 97 == 0 {
                XCTAssertEqual(queue.live(isLive: isLive), model, "step \(step)")
            }
            if queue.count != model.count { return }
        }
    }
}
