// DurableStoreSuite, recovery's reader: `readOpenConversations` hands over, after a reopen, exactly what
// `openConversations` returns (the open rows, every column, in queue order), having said first how many come.

import XCTest
import AtendeCore
@testable import AtendeStore

extension DurableStoreSuite {
    static func readOpenConversationsOneByOne(_ opener: StoreOpener) throws {
        var store = try opener.open()
        var expected: [Conversation] = []
        for id in Int64(1)...40 {
            let state: ConversationState = id % 10 == 0 ? .closed : id % 7 == 0 ? .assigned : .queued
            var c = conversation(id, state, seq: 100 - id)  // queue order is the reverse of the ids
            c.priority = Int(id % 3)
            if id % 5 == 0 { c.passedOver = [2, 3] }
            if state == .closed { c.closedAt = t0 + 500 }
            try store.saveConversation(c, new: true, explained: nil)
            if state != .closed { expected.append(c) }
        }
        var offered = conversation(41, .queued, seq: 1)
        try store.saveConversation(offered, new: true, explained: nil)
        offered.state = .offered
        offered.attendantId = 1
        offered.offeredAt = t0 + 70
        offered.offerExpiresAt = t0 + 5070
        try store.saveConversation(offered, new: false, explained: "offered")
        try turn(store)
        opener.close(store)
        store = try opener.open()
        var counted: [Int] = []
        var read: [Conversation] = []
        try store.readOpenConversations(count: { counted.append($0) }, each: { read.append($0) })
        let all = [offered] + expected.sorted { $0.queueSeq < $1.queueSeq }
        XCTAssertEqual(counted, [all.count], "the count comes once, first")
        XCTAssertEqual(read, all)
        XCTAssertEqual(try store.openConversations(), all)
        opener.close(store)
    }
}
