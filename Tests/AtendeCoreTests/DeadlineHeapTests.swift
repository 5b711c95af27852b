// DeadlineHeap: earliest first, ties in scheduling order, a kind scheduled again moves, cancel removes; and a
// seeded run of random schedules, moves and cancels against a plain dictionary.

import XCTest
@testable import AtendeCore

final class DeadlineHeapTests: XCTestCase {
    func testEarliestFirstAndTiesInSchedulingOrder() {
        var heap = DeadlineHeap()
        heap.schedule(.offerExpiry(1), at: Instant(millis: 300))
        heap.schedule(.hoursBoundary(7), at: Instant(millis: 100))
        heap.schedule(.replyTimeout(1), at: Instant(millis: 300))
        heap.schedule(.wrapUpEnd(2), at: Instant(millis: 200))
        XCTAssertEqual(heap.next?.at, Instant(millis: 100))
        XCTAssertNil(heap.popDue(now: Instant(millis: 99)))
        var popped: [DeadlineKind] = []
        while let kind = heap.popDue(now: Instant(millis: 300)) { popped.append(kind) }
        XCTAssertEqual(popped, [.hoursBoundary(7), .wrapUpEnd(2), .offerExpiry(1), .replyTimeout(1)])
        XCTAssertTrue(heap.isEmpty)
    }

    func testSchedulingAgainMovesAndCancelRemoves() {
        var heap = DeadlineHeap()
        heap.schedule(.offerExpiry(1), at: Instant(millis: 100))
        heap.schedule(.offerExpiry(2), at: Instant(millis: 200))
        heap.schedule(.offerExpiry(1), at: Instant(millis: 500))
        XCTAssertEqual(heap.count, 2, "one deadline per kind")
        XCTAssertEqual(heap.next?.kind, .offerExpiry(2))
        XCTAssertEqual(heap.deadline(of: .offerExpiry(1)), Instant(millis: 500))
        heap.cancel(.offerExpiry(2))
        heap.cancel(.presenceGrace(9))
        XCTAssertEqual(heap.next?.kind, .offerExpiry(1))
        XCTAssertNil(heap.deadline(of: .offerExpiry(2)))
    }

    func testRandomOperationsMatchADictionary() {
        var generator = SplitMix64(seed: 0x5eed_dead_11e)
        func below(_ n: Int64) -> Int64 { Int64(generator.next() % UInt64(n)) }
        var heap = DeadlineHeap()
        var model: [DeadlineKind: (at: Int64, order: Int)] = [:]
        var order = 0
        for step in 0..<20_000 {
            let id = below(200)
            let kind: DeadlineKind = below(2) == 0 ? .offerExpiry(id) : .presenceGrace(id)
            switch below(10) {
            case 0..<6:
                let at = below(1000)
                order += 1
                heap.schedule(kind, at: Instant(millis: at))
                model[kind] = (at, order)
            case 6..<8:
                heap.cancel(kind)
                model[kind] = nil
            default:
                let now = below(1000)
                let due = model.filter { $0.value.at <= now }.sorted { ($0.value.at, $0.value.order) < ($1.value.at,
                                                                                                     $1.value.order) }
                var popped: [DeadlineKind] = []
                while let kind = heap.popDue(now: Instant(millis: now)) { popped.append(kind) }
                XCTAssertEqual(popped, due.map(\.key), "step \(step)")
                for kind in popped { model[kind] = nil }
            }
            XCTAssertEqual(heap.count, model.count)
            XCTAssertEqual(heap.next?.at.millis, model.values.map(\.at).min(), "step \(step)")
        }
    }
}
