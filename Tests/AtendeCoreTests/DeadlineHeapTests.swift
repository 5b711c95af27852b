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

    /// Slots freed by pops and cancels are used again by other kinds: each kind keeps its own deadline.
    func testSlotsUsedAgainKeepEachKindsDeadline() {
        var heap = DeadlineHeap()
        for id in 0..<50 { heap.schedule(.offerExpiry(Int64(id)), at: Instant(millis: 1000 + Int64(id))) }
        for _ in 0..<20 { _ = heap.popDue(now: Instant(millis: 5000)) }
        for id in 20..<30 { heap.cancel(.offerExpiry(Int64(id))) }
        for id in 0..<30 { heap.schedule(.wrapUpEnd(Int64(id)), at: Instant(millis: 3000 - Int64(id))) }
        heap.schedule(.offerExpiry(45), at: Instant(millis: 10))
        XCTAssertEqual(heap.count, 50)
        XCTAssertNil(heap.deadline(of: .offerExpiry(3)))
        XCTAssertNil(heap.deadline(of: .offerExpiry(25)))
        XCTAssertEqual(heap.deadline(of: .offerExpiry(31)), Instant(millis: 1031))
        XCTAssertEqual(heap.deadline(of: .offerExpiry(45)), Instant(millis: 10))
        XCTAssertEqual(heap.deadline(of: .wrapUpEnd(7)), Instant(millis: 2993))
        var popped: [DeadlineKind] = []
        while let kind = heap.popDue(now: Instant(millis: 10_000)) { popped.append(kind) }
        let offers: [DeadlineKind] = (30..<50).filter { $0 != 45 }.map { .offerExpiry(Int64($0)) }
        let expected: [DeadlineKind] = [.offerExpiry(45)] + offers + (0..<30).reversed().map { .wrapUpEnd(Int64($0)) }
        XCTAssertEqual(popped, expected)
    }
}
