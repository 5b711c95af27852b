// RecoveryReaderTests: recovery's reading thread hands over exactly what the store's open conversations are (every
// one, in queue order, over several batches, the count first), and a store that cannot be read fails the read
// after handing over nothing it did not read.

import AtendeCore
import AtendeStore
import Foundation
import XCTest
@testable import AtendeServer

final class RecoveryReaderTests: XCTestCase {
    private var folder: URL!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("recovery-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: folder) }

    private func conversation(_ id: Int64) -> Conversation {
        let t0 = Instant(millis: 1_795_700_000_000)
        var c = Conversation(id: id, externalId: "rr-\(id)", contactPhone: "+55119\(id)", department: "sales",
                             state: id % 11 == 0 ? .closed : .queued, openedAt: t0 + id, queuedAt: t0 + id,
                             queueSeq: 1_000_000 - id)  // queue order is the reverse of the ids
        c.priority = Int(id % 10)
        if c.state == .closed { c.closedAt = t0 + 2 * id }
        return c
    }

    func testEveryOpenConversationInQueueOrderOverSeveralBatches() throws {
        let store = try Store(path: folder.appendingPathComponent("a.db").path, durability: .normal)
        let total = Int64(RecoveryReader.batchSize * 2 + 77)
        for id in 1...total { try store.saveConversation(conversation(id), new: true, explained: nil) }
        try store.commit()
        let expected = try store.openConversations()
        XCTAssertEqual(expected.count, (1...total).filter { $0 % 11 != 0 }.count)
        var events: [String] = []
        var read: [Conversation] = []
        try RecoveryReader.read(store, count: { events.append("count \($0)") }, each: { conversation in
            if read.isEmpty { events.append("first") }
            read.append(conversation)
        })
        XCTAssertEqual(events, ["count \(expected.count)", "first"], "the count comes first, once")
        XCTAssertEqual(read, expected)
        // The store is the caller's again: it reads and writes as before.
        try store.saveConversation(conversation(total + 1), new: true, explained: nil)
        try store.commit()
        XCTAssertEqual(try store.openConversations().count, expected.count + 1)
    }

    func testAStoreThatCannotBeReadFailsTheRead() throws {
        let store = try Store(path: folder.appendingPathComponent("b.db").path, durability: .normal)
        try store.saveConversation(conversation(1), new: true, explained: nil)
        try store.commit()
        try store.database.execute("DROP TABLE conversations")
        var read = 0
        XCTAssertThrowsError(try RecoveryReader.read(store, count: { _ in }, each: { _ in read += 1 }))
        XCTAssertEqual(read, 0)
    }
}
