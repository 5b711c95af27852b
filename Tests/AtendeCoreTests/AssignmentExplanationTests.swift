// AssignmentExplanation's compact form: every number width the writer treats differently (one and two digits,
// longer, negative, the extremes) reads back to the same explanation.

import XCTest
@testable import AtendeCore

final class AssignmentExplanationTests: XCTestCase {
    func testTheCompactFormReadsBackForEveryNumberWidth() {
        let values: [Int64] = [0, 1, 9, 10, 42, 99, 100, 101, 999, 1_000, 1_732_000_000_123, -1, -9, -10, -99, -100,
                               999_999_999_999_999_999, 1_000_000_000_000_000_000, .max, .min + 1, .min]
        for value in values {
            let seconds = value / 1000 * 1000  // idle time is kept in whole seconds
            let small = Int(truncatingIfNeeded: value)
            let explanation = AssignmentExplanation(
                conversationId: 7, department: "sales", strategy: .leastBusy, rule: .strategy, chosen: value,
                at: Instant(millis: value),
                candidates: [Candidate(attendantId: value, standing: .chosen, openChats: small, maxChats: small,
                                       idleMillis: seconds),
                             Candidate(attendantId: 3, standing: .atCapacity, openChats: 5, maxChats: 5,
                                       idleMillis: 61_000)],
                omitted: small)
            XCTAssertEqual(AssignmentExplanation(compact: explanation.compact, conversationId: 7), explanation,
                           explanation.compact)
        }
        let sample = AssignmentExplanation(
            conversationId: 1, department: "d", strategy: .leastBusy, rule: .strategy, chosen: 12,
            at: Instant(millis: 5),
            candidates: [Candidate(attendantId: 12, standing: .chosen, openChats: 0, maxChats: 10, idleMillis: 99_000)],
            omitted: 0)
        XCTAssertEqual(sample.compact, "1|least-busy|strategy|12|0|5|d|12:c:0:10:99")
    }
}
