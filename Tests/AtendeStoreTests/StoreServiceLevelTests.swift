// StoreServiceLevelTests: the first queue entry and first assignment are kept by the rows themselves (the router
// keeps only the current times): a chat queued, assigned, sent back to a queue and assigned again counts its
// answer time from its first entry to its first assignment, across a reopen of the store.

import XCTest
@testable import AtendeCore
@testable import AtendeStore

final class StoreServiceLevelTests: StoreTestCase {
    /// The saves that keep a chat's queue place, wrap-up and first queue time take a narrower UPDATE; each save
    /// that changes one of them must still write it: a potential's first join, a new queue place, a wrap-up.
    func testSavesThatChangeTheQueuePlaceTheWrapUpOrTheFirstJoinAreWrittenWhole() throws {
        let store = try openStore()
        var chat = Conversation(id: 1, externalId: "wa-1", contactPhone: "+5511987654321", openedAt: t0)
        try store.saveConversation(chat, new: true)  // a potential: no queue yet
        chat.department = "sales"
        chat.state = .queued
        chat.queuedAt = t0 + 5000
        chat.queueSeq = 3
        try store.saveConversation(chat)
        XCTAssertEqual(try store.conversation(1), chat)
        chat.state = .offered
        chat.attendantId = 7
        chat.offeredAt = t0 + 6000
        chat.offerExpiresAt = t0 + 36_000
        try store.saveConversation(chat, new: false, explained: "offered")
        XCTAssertEqual(try store.conversation(1), chat)
        chat.state = .queued  // declined: back in its place
        chat.attendantId = nil
        chat.offeredAt = nil
        chat.offerExpiresAt = nil
        chat.passedOver = [7]
        try store.saveConversation(chat)
        XCTAssertEqual(try store.conversation(1), chat)
        chat.queueSeq = 9  // transferred: a new place
        chat.queuedAt = t0 + 50_000
        try store.saveConversation(chat)
        XCTAssertEqual(try store.conversation(1), chat)
        XCTAssertEqual(try store.openConversations().map(\.queueSeq), [9], "the open index has the new place")
        chat.state = .assigned
        chat.attendantId = 8
        chat.assignedAt = t0 + 60_000
        chat.passedOver = []
        try store.saveConversation(chat, new: false, explained: "assigned")
        chat.state = .closed
        chat.closedAt = t0 + 90_000
        chat.wrapUpUntil = t0 + 120_000
        try store.saveConversation(chat)
        XCTAssertEqual(try store.conversation(1), chat)
        XCTAssertEqual(try store.wrappingConversations().map(\.id), [1])
        chat.wrapUpUntil = nil
        try store.saveConversation(chat)
        XCTAssertEqual(try store.conversation(1), chat)
        XCTAssertEqual(try store.wrappingConversations().map(\.id), [])
        XCTAssertEqual(try store.explanations(conversation: 1), ["offered", "assigned"], "each appended once")
        try store.commit()
        let levels = try store.serviceLevels(since: t0 + 5000, targets: ["sales": 60])
        XCTAssertEqual(levels.departments.first?.averageAnswerSeconds, 55, "from the first join, not the second")
        XCTAssertEqual(try store.serviceLevels(since: t0 + 5001, targets: [:]).departments, [])
    }

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

    /// A chat answered by one attendant and then moved to another: the second attendant did not make that first
    /// reply, so it is not in its average (it would count as 0 s and pull the average down).
    func testAFirstReplyMadeBeforeTheAssignmentIsNotTheNewAttendants() throws {
        do {
            let store = try openStore()
            /// Chat `id` queued at t0, assigned to `attendant` and first answered at the given offsets (ms).
            func answered(_ id: ConversationID, by attendant: AttendantID, assigned: Int64,
                          reply: Int64) throws -> Conversation {
                var chat = Conversation(id: id, externalId: "wa-\(id)", contactPhone: "+551198765432\(id)",
                                        department: "sales", state: .queued, openedAt: t0, queuedAt: t0, queueSeq: id)
                try store.saveConversation(chat, new: true)
                chat.state = .assigned
                chat.attendantId = attendant
                chat.assignedAt = t0 + assigned
                chat.firstReplyAt = t0 + reply
                try store.saveConversation(chat)
                return chat
            }
            var moved = try answered(1, by: 7, assigned: 10_000, reply: 40_000)
            moved.attendantId = 8  // moved, answered already
            moved.assignedAt = t0 + 60_000
            try store.saveConversation(moved)
            _ = try answered(2, by: 8, assigned: 5000, reply: 25_000)
            try store.commit()
        }
        let levels = try openStore().serviceLevels(since: t0, targets: ["sales": 60])
        XCTAssertEqual(levels.attendants.map(\.attendant), [8])
        XCTAssertEqual(levels.attendants.first?.handled, 2, "both chats are its own now")
        XCTAssertEqual(levels.attendants.first?.averageFirstReplySeconds, 20, "its own first reply only, not 0 s")
    }
}
