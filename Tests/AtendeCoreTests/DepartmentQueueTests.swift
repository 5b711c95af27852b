// DepartmentQueue: an ordered set of places with counts. Chats leave from the middle (taken, transferred,
// closed) and join anywhere (priorities); the queue must still report the right count, head, order and 1-based
// positions. Random runs compare it with a sorted array through many thousands of joins and departures, which
// also drive its node splits and merges.

import XCTest
@testable import AtendeCore

final class DepartmentQueueTests: XCTestCase {
    private func place(_ id: Int64, _ rank: Int64? = nil) -> QueuePlace {
        QueuePlace(rank: rank ?? id * 10, queuedAt: id * 10, id: id)
    }

    func testFirstInFirstOutWithDeparturesFromTheMiddle() {
        let queue = DepartmentQueue()
        for id in Int64(1)...4 { queue.insert(place(id)) }
        XCTAssertEqual(queue.count, 4)
        queue.remove(place(2))
        queue.remove(place(1))
        XCTAssertEqual(queue.count, 2)
        XCTAssertEqual(queue.places().map(\.id), [3, 4])
        XCTAssertEqual(queue.first?.id, 3)
        queue.removeFirst()
        XCTAssertEqual(queue.first?.id, 4)
        XCTAssertEqual(queue.count, 1)
        queue.remove(place(4))
        XCTAssertTrue(queue.isEmpty)
        XCTAssertNil(queue.first)
        queue.insert(place(5))
        XCTAssertEqual(queue.first?.id, 5)
        XCTAssertFalse(queue.remove(place(6)), "a place not held is not removed")
        XCTAssertFalse(queue.insert(place(5)), "a place is held once")
        XCTAssertEqual(queue.count, 1)
    }

    func testOrderIsRankThenQueueTimeThenID() {
        let queue = DepartmentQueue()
        let places = [QueuePlace(rank: 5, queuedAt: 9, id: 1), QueuePlace(rank: 5, queuedAt: 7, id: 2),
                      QueuePlace(rank: 2, queuedAt: 50, id: 3), QueuePlace(rank: 5, queuedAt: 7, id: 0),
                      QueuePlace(rank: 9, queuedAt: 1, id: 4)]
        for place in places { queue.insert(place) }
        XCTAssertEqual(queue.places().map(\.id), [3, 0, 2, 1, 4])
        XCTAssertEqual(queue.places(limit: 2).map(\.id), [3, 0])
        XCTAssertEqual(places.map { queue.position(of: $0) }, [4, 3, 1, 2, 5])
        XCTAssertNil(queue.position(of: QueuePlace(rank: 5, queuedAt: 9, id: 7)))
    }

    func testRandomRunAgreesWithASortedArray() {
        var rng = SplitMix64(seed: 0xD0E)
        let queue = DepartmentQueue()
        var model: [QueuePlace] = []
        var nextID: Int64 = 0
        var clock: Int64 = 0
        for step in 0..<40_000 {
            let roll = rng.below(100)
            // Phases of growth and shrinkage, so the tree both grows several levels and empties again.
            let growing = (step / 8000) % 2 == 0
            if roll < (growing ? 60 : 35) || model.isEmpty {
                nextID += 1
                clock += Int64(rng.below(3))
                let priority = Int64(rng.below(4) == 0 ? rng.below(10) : 0)
                let entry = QueuePlace(rank: clock - priority * 50, queuedAt: clock, id: nextID)
                XCTAssertTrue(queue.insert(entry))
                model.insert(entry, at: model.firstIndex { entry < $0 } ?? model.endIndex)
            } else if roll < 80 {
                let index = rng.below(model.count)
                XCTAssertEqual(queue.position(of: model[index]), index + 1, "step \(step)")
                XCTAssertTrue(queue.remove(model.remove(at: index)))
            } else {
                XCTAssertEqual(queue.removeFirst(), model.removeFirst(), "step \(step)")
            }
            XCTAssertEqual(queue.count, model.count, "step \(step)")
            XCTAssertEqual(queue.first, model.first, "step \(step)")
            if step % 5 == 0 {
                XCTAssertEqual(queue.earliestQueuedAt(), model.map(\.queuedAt).min(), "step \(step)")
            }
            if step % 397 == 0 {
                XCTAssertEqual(queue.places(), model, "step \(step)")
                for (index, entry) in model.enumerated() where index % 7 == 0 {
                    XCTAssertEqual(queue.position(of: entry), index + 1)
                }
            }
            if queue.count != model.count { return }
        }
    }

    func testEarliestQueueTimeIsNotAlwaysTheHeads() {
        let queue = DepartmentQueue()
        XCTAssertNil(queue.earliestQueuedAt())
        // (rank, queuedAt): a priority ranks a chat before its queue time, never after it.
        for (id, entry) in [(100, 100), (40, 90), (95, 95), (130, 130), (20, 80)].enumerated() {
            queue.insert(QueuePlace(rank: Int64(entry.0), queuedAt: Int64(entry.1), id: Int64(id)))
        }
        XCTAssertEqual(queue.first?.queuedAt, 80, "the head")
        XCTAssertEqual(queue.earliestQueuedAt(), 80)
        queue.removeFirst()
        XCTAssertEqual(queue.first?.queuedAt, 90)
        queue.removeFirst()
        XCTAssertEqual(queue.first?.queuedAt, 95, "the head joined after the chat ranked behind it")
        XCTAssertEqual(queue.earliestQueuedAt(), 95)
        queue.insert(QueuePlace(rank: 10, queuedAt: 200, id: 9))
        XCTAssertEqual(queue.first?.id, 9)
        XCTAssertEqual(queue.earliestQueuedAt(), 95, "a younger chat at the head with a high priority")
    }

    func testQueueFedInOrderAndDrainedFromTheHead() {
        let queue = DepartmentQueue()
        for id in Int64(1)...100_000 { queue.insert(place(id)) }
        XCTAssertEqual(queue.position(of: place(77_777)), 77_777)
        for id in Int64(1)...100_000 {
            XCTAssertEqual(queue.removeFirst()?.id, id)
            if id % 25_000 == 0, id < 100_000 { XCTAssertEqual(queue.position(of: place(id + 1)), 1) }
        }
        XCTAssertTrue(queue.isEmpty)
    }
}
