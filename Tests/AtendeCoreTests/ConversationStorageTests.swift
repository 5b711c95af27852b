// ConversationStorageTests: the optional members of Conversation are stored as plain integers with a sentinel for
// nil; every member must read back exactly what was written, nil included, and the value must stay small (every
// open chat is held in memory and copied into each effect about it).

import XCTest
@testable import AtendeCore

final class ConversationStorageTests: XCTestCase {
    func testEveryOptionalMemberReadsBackWhatWasWrittenAndNil() {
        var c = Conversation(id: 1, externalId: "e", contactPhone: "+5511987654321", openedAt: Instant(millis: 5))
        let times: [WritableKeyPath<Conversation, Instant?>] = [
            \.queuedAt, \.assignedAt, \.closedAt, \.offeredAt, \.offerExpiresAt, \.firstReplyAt, \.wrapUpUntil,
            \.replyDueAt, \.queueJoinedAt,
        ]
        let ids: [WritableKeyPath<Conversation, AttendantID?>] = [\.attendantId, \.preferredAttendant, \.avoidAttendant]
        for path in times { XCTAssertNil(c[keyPath: path]) }
        for path in ids { XCTAssertNil(c[keyPath: path]) }
        XCTAssertNil(c.rating)
        for (index, path) in times.enumerated() {
            for value in [Instant(millis: 0), Instant(millis: -1), Instant(millis: Int64(index) * 1_000_000_007)] {
                c[keyPath: path] = value
                XCTAssertEqual(c[keyPath: path], value)
            }
        }
        for (index, path) in ids.enumerated() {
            for value: AttendantID in [0, 1, Int64(index) + 1 << 40] {
                c[keyPath: path] = value
                XCTAssertEqual(c[keyPath: path], value)
            }
        }
        for score in 1...5 {
            c.rating = score
            XCTAssertEqual(c.rating, score)
        }
        c.overflowMoves = 3
        c.priority = 9
        XCTAssertEqual(c.overflowMoves, 3)
        XCTAssertEqual(c.priority, 9)
        for path in times { c[keyPath: path] = nil; XCTAssertNil(c[keyPath: path]) }
        for path in ids { c[keyPath: path] = nil; XCTAssertNil(c[keyPath: path]) }
        c.rating = nil
        XCTAssertNil(c.rating)
        XCTAssertEqual(c, Conversation(id: 1, externalId: "e", contactPhone: "+5511987654321",
                                       openedAt: Instant(millis: 5), queuedAt: nil)
                                  .with { $0.overflowMoves = 3; $0.priority = 9 },
                       "cleared members compare equal to never-set ones")
    }

    func testAConversationStaysSmall() {
        // Six strings, two arrays, fifteen 8-byte members and four 1-byte ones.
        XCTAssertLessThanOrEqual(MemoryLayout<Conversation>.stride, 240, "\(MemoryLayout<Conversation>.stride)")
    }
}

extension Conversation {
    fileprivate func with(_ change: (inout Conversation) -> Void) -> Conversation {
        var copy = self
        change(&copy)
        return copy
    }
}
