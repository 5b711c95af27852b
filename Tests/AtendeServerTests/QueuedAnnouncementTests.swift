// The bots' `conversation.queued` push goes out once per join: a request in the same millisecond as the join
// that saves the waiting chat again (a new priority) is no second join. A chat that really joins another queue in
// that millisecond (a transfer) is announced again.

import AtendeClient
import AtendeProtocol
import Foundation
import XCTest

final class QueuedAnnouncementTests: DaemonTestCase {
    /// The next conversation id the daemon will hand out (ids are sequential).
    func nextConversationID() throws -> Int64 {
        let probe = try bot.openChat("probe-\(UUID().uuidString)", phone: "11900000001")
        _ = bot.drainEvents()
        return probe.id + 1
    }

    func queuedEvents(for id: Int64) throws -> [JSON] {
        try bot.call("system.ping")  // pushes of earlier turns are buffered before this answer
        return bot.drainEvents().filter {
            $0["type"]?.stringValue == "conversation.queued" && $0["conversation"]?.id == id
        }
    }

    func testASetPriorityInTheMillisecondOfTheJoinIsAnnouncedOnce() throws {
        let id = try nextConversationID()
        // One batch is one turn: both requests run at the same instant.
        let answers = try daemon.batch(bot, [
            ("conversation.open", ["externalId": "same-ms", "contact": ["phone": "11987650001"],
                                   "department": "vip"]),
            ("conversation.setPriority", ["id": .int(id), "priority": 5]),
        ])
        XCTAssertEqual(answers[1]?["result"]?.id, id, "\(answers)")
        XCTAssertEqual(answers[2]?["result"]?["priority"], 5, "\(answers)")
        let events = try queuedEvents(for: id)
        XCTAssertEqual(events.count, 1, "one join, one announcement: \(events)")
        // Later, a new priority is no join either.
        try bot.call("conversation.setPriority", ["id": .int(id), "priority": 2])
        XCTAssertEqual(try queuedEvents(for: id).count, 0)
    }

    func testAJoinOfAnotherQueueInTheSameMillisecondIsAnnouncedAgain() throws {
        let id = try nextConversationID()
        let answers = try daemon.batch(bot, [
            ("conversation.open", ["externalId": "moved-ms", "contact": ["phone": "11987650002"],
                                   "department": "vip"]),
            ("conversation.setPriority", ["id": .int(id), "priority": 1]),
            ("conversation.route", ["id": .int(id), "department": "sales"]),
            ("conversation.setPriority", ["id": .int(id), "priority": 3]),
        ])
        XCTAssertEqual(answers[3]?["result"]?["department"], "sales", "\(answers)")
        let events = try queuedEvents(for: id)
        XCTAssertEqual(events.map { $0["conversation"]?["department"] }, ["vip", "sales"], "\(events)")
    }
}
