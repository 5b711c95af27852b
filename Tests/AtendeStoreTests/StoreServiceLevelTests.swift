// StoreServiceLevelTests: the first queue entry and first assignment are kept by the rows themselves (the router
// keeps only the current times): a chat queued, assigned, sent back to a queue and assigned again counts its
// answer time from its first entry to its first assignment, across a reopen of the store.

import XCTest
@testable import AtendeCore
@testable import AtendeStore

final class StoreServiceLevelTests: StoreTestCase {
    func testFirstQueueAndAssignmentTimesAreKeptThroughRequeues() throws {
        do {
            let store = try openStore()
            var chat = Conversation(id: 1, externalId: "wa-1", contactPhone: "+5511987654321", department: "sales",
                                    state: .queued, openedAt: t0, queuedAt: t0 + 1000, queueSeq: 1)
            try store.saveConversation(chat, new: true)
            chat.state = .assigned
            chat.attendantId = 7
            chat.assignedAt = t0 + 31_000
            try store.saveConversation(chat)
            chat.state = .queued
            chat.attendantId = nil
            chat.queuedAt = t0 + 100_000  // transferred back to the queue
            try store.saveConversation(chat)
            chat.state = .assigned
            chat.attendantId = 8
            chat.assignedAt = t0 + 200_000
            chat.firstReplyAt = t0 + 210_000
            try store.saveConversation(chat)
            try store.commit()
        }
        let store = try openStore()
        let levels = try store.serviceLevels(since: t0, targets: ["sales": 60])
        XCTAssertEqual(levels.departments.map(\.served), [1])
        XCTAssertEqual(levels.departments.first?.averageAnswerSeconds, 30, "first entry to first assignment")
        XCTAssertEqual(levels.departments.first?.serviceLevel, 1)
        XCTAssertEqual(levels.departments.first?.averageFirstReplySeconds, 209)
        XCTAssertEqual(levels.attendants.map(\.attendant), [8], "the attendant holding it now")
        XCTAssertEqual(levels.attendants.first?.averageFirstReplySeconds, 10, "from its own assignment")
        XCTAssertEqual(try store.serviceLevels(since: t0 + 2000, targets: [:]).departments, [],
                       "it first joined before that")
        XCTAssertEqual(try store.conversations(state: nil, department: nil, attendant: nil, before: nil, limit: 10)
            .map(\.firstQueuedAt), [t0 + 1000])
    }
}
