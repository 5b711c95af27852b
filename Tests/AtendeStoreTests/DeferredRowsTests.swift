// DeferredRows: a chat's first row, its closing and its contact route wait in memory and are written many to a
// statement, before the next statement of any kind and before the commit. Nothing may tell: reads in the same
// transaction see them, the file after commit holds what writing them one at a time would, a rollback drops them,
// and a failed write fails the commit even when the read that met it let the error go.

import CSQLite
import XCTest
import AtendeCore
@testable import AtendeStore

final class DeferredRowsTests: StoreTestCase {
    func testParametersAreRenumberedForEachRow() {
        XCTAssertEqual(BulkSQL.renumber("(?1, ?2, ?10, CASE WHEN ?6 IS NOT NULL THEN ?3 END)", by: 28),
                       "(?29, ?30, ?38, CASE WHEN ?34 IS NOT NULL THEN ?31 END)")
        XCTAssertEqual(BulkSQL.renumber("?3", by: 0), "?3")
        XCTAssertEqual(BulkSQL.rows("(?1, ?2)", count: 3, width: 2), "(?1, ?2), (?3, ?4), (?5, ?6)")
        XCTAssertEqual(BulkSQL.rows("?4", count: 2, width: 1), "?4, ?5")
    }

    func testQueuedRowsWaitForTheNextStatementAndEveryReadSeesThem() throws {
        let store = try openStore()
        let writesBefore = store.writeCount
        try store.saveConversation(conversation(1), new: true)
        try store.setLastAttendant(phone: "+5511987654321", attendant: 7)
        XCTAssertTrue(store.inTransaction, "a queued row opens the turn's transaction")
        XCTAssertEqual(store.writeCount, writesBefore + 2, "queued rows count as writes")
        XCTAssertEqual(store.deferred.opened.count, 1)
        XCTAssertEqual(try store.conversation(1), conversation(1), "a read writes them first")
        XCTAssertTrue(store.deferred.isEmpty)
        let lookup = try store.lookUpForOpen(externalId: "ext-2", phone: "+5511987654321")
        XCTAssertNil(lookup.conversation)
        XCTAssertEqual(lookup.lastAttendant, 7)
        try store.commit()
        XCTAssertEqual(try openStore().conversation(1), conversation(1))
    }

    /// A turn's worth of each kind, more rows than one statement takes, with closings at two instants, with and
    /// without a wrap-up, a removal, and one phone routed twice: the file holds what one row at a time gives.
    func testABusyTurnLeavesTheRowsOneAtATimeWould() throws {
        let batched = try openStore()
        let single = try Store(path: path + ".single", durability: .normal)
        let count: Int64 = 75
        for store in [batched, single] {
            for id in 1...count {
                var chat = conversation(id, .assigned)
                chat.contactPhone = "+55119876\(String(format: "%05d", id))"
                try store.saveConversation(chat, new: true, explained: id % 2 == 0 ? "7:c:0:5:0" : nil)
            }
            if store === single { _ = try store.database.scalar("SELECT 1") }
            for id in 1...count where id % 4 == 0 {
                var chat = conversation(id, .assigned)
                chat.contactPhone = "+55119876\(String(format: "%05d", id))"
                chat.attendantId = 9
                chat.assignedAt = t0 + 500
                if store === single {
                    try store.saveConversationNow(chat, explained: "9:c:1:5:0")
                } else {
                    try store.saveConversation(chat, explained: "9:c:1:5:0")
                }
            }
            for id in 1...count where id % 3 != 0 {
                var chat = conversation(id, id % 5 == 0 ? .removed : .closed)
                chat.closedAt = t0 + (id % 2 == 0 ? 1000 : 2000)
                if id % 7 == 0 { chat.wrapUpUntil = t0 + 60_000 }
                if store === single { try store.saveClosingNow(chat) } else { try store.saveClosing(chat) }
                if store === single { _ = try store.database.scalar("SELECT 1") }
            }
            for id in 1...count {
                try store.setLastAttendant(phone: id % 10 == 0 ? "+5511900000000" : "+55119876\(id)",
                                           attendant: id)
                if store === single { _ = try store.database.scalar("SELECT 1") }
            }
            try store.commit()
        }
        let columns = "\(Store.conversationColumns), explanations, first_queued_at, first_assigned_at, first_department"
        XCTAssertEqual(try dump(batched, "SELECT \(columns) FROM conversations ORDER BY id"),
                       try dump(single, "SELECT \(columns) FROM conversations ORDER BY id"))
        XCTAssertEqual(try dump(batched, "SELECT phone, attendant_id FROM contact_routes ORDER BY phone"),
                       try dump(single, "SELECT phone, attendant_id FROM contact_routes ORDER BY phone"))
        XCTAssertEqual(try batched.database.scalar("SELECT attendant_id FROM contact_routes WHERE phone = ?",
                                                   .text("+5511900000000")), 70, "the later route wins")
        let wrapping = (1...count).filter { (id: Int64) -> Bool in id % 3 != 0 && id % 7 == 0 }
        XCTAssertEqual(try batched.database.scalar("SELECT count(*) FROM conversations WHERE wrap_up_until IS NOT NULL"),
                       Int64(wrapping.count))
        assertSound(batched)
    }

    /// A save queued after a closing of the same chat (its wrap-up finished in the turn that closed it) lands
    /// after the closing; saves queued between new rows do not split their INSERT.
    func testEachChatsWritesKeepTheirOrder() throws {
        let store = try openStore()
        try store.saveConversation(conversation(1, .assigned), new: true)
        try store.commit()
        try store.saveConversation(conversation(2), new: true)
        try store.saveConversation(conversation(1, .assigned), explained: "7:c:0:5:0")
        try store.saveConversation(conversation(3), new: true)
        XCTAssertEqual(store.deferred.opened.count, 2, "one INSERT for both new rows")
        XCTAssertEqual(store.deferred.updated.count, 1)
        var closed = conversation(1, .closed)
        closed.closedAt = t0 + 100
        closed.wrapUpUntil = t0 + 60_000
        try store.saveClosing(closed)
        var finished = closed
        finished.wrapUpUntil = nil
        try store.saveConversation(finished)
        try store.commit()
        XCTAssertEqual(try store.conversation(1), finished, "the wrap-up's end came after the closing")
        XCTAssertEqual(try store.explanations(conversation: 1), ["7:c:0:5:0"])
        XCTAssertEqual(try store.conversation(3), conversation(3))
    }

    func testAClosingWithoutARowWritesTheWholeRow() throws {
        let store = try openStore()
        var chat = conversation(4, .closed)
        chat.closedAt = t0 + 10
        try store.saveClosing(chat)
        try store.saveClosing(conversation(5, .closed))
        try store.commit()
        XCTAssertEqual(try store.conversation(4), chat)
        XCTAssertEqual(try store.conversation(5), conversation(5, .closed))
    }

    func testARollbackDropsQueuedRows() throws {
        let store = try openStore()
        try store.saveConversation(conversation(1), new: true)
        try store.saveClosing(conversation(2, .closed))
        try store.setLastAttendant(phone: "+5511987654321", attendant: 7)
        store.rollback()
        XCTAssertTrue(store.deferred.isEmpty)
        XCTAssertNil(try store.conversation(1))
        XCTAssertNil(try store.conversation(2))
        XCTAssertNil(try store.lookUpForOpen(externalId: "x", phone: "+5511987654321").lastAttendant)
        try store.saveConversation(conversation(3), new: true)
        try store.commit()
        XCTAssertEqual(try store.maxConversationID(), 3)
    }

    /// The read that meets the failure throws it; should its caller let it go, the commit throws it again and
    /// nothing of the transaction stays. The store then goes on.
    func testAFailedWriteFailsTheCommitEvenWhenTheReadThatMetItLetItGo() throws {
        let store = try openStore()
        try store.saveConversation(conversation(1), new: true)
        try store.commit()
        try store.saveConversation(conversation(2), new: true)
        var duplicate = conversation(3)
        duplicate.externalId = "ext-1"
        try store.saveConversation(duplicate, new: true)
        assertStoreError(ExtendedCode.unique) { _ = try store.conversation(2) }
        _ = try? store.conversation(2)  // a caller that lets errors go
        assertStoreError(ExtendedCode.unique) { try store.commit() }
        XCTAssertFalse(store.inTransaction)
        XCTAssertNil(try store.conversation(2))
        try store.saveConversation(conversation(2), new: true)
        try store.commit()
        XCTAssertEqual(try store.conversation(2), conversation(2))
        assertSound(store)
    }

    /// A write that makes SQLite roll the whole transaction back (the file is full), met by a read whose caller
    /// lets errors go: the store still holds the turn open and its commit fails, so the turn is undone as a whole
    /// and the next one starts clean.
    func testAFlushThatSQLiteRolledBackStillFailsTheCommitAndOnlyIt() throws {
        let store = try openStore()
        try store.saveConversation(conversation(1), new: true)
        try store.commit()
        let pages = try XCTUnwrap(try store.database.scalar("PRAGMA page_count"))
        try store.database.execute("PRAGMA max_page_count = \(pages)")
        try store.saveConversation(conversation(2), new: true)
        var big = conversation(1)
        big.contactName = String(repeating: "x", count: 200_000)
        try store.saveConversation(big)
        _ = try? store.conversation(1)  // a caller that lets errors go
        XCTAssertFalse(store.database.inTransaction, "SQLite rolled the transaction back")
        XCTAssertTrue(store.inTransaction, "the turn is still open until its commit fails")
        assertStoreError(SQLITE_FULL) { try store.saveConversation(conversation(3), new: true) }
        assertStoreError(SQLITE_FULL) { try store.commit() }
        XCTAssertFalse(store.inTransaction)
        try store.database.execute("PRAGMA max_page_count = 1000000")
        XCTAssertNil(try store.conversation(2))
        try store.saveConversation(conversation(5), new: true)
        try store.commit()
        XCTAssertEqual(try store.conversation(5), conversation(5))
        assertSound(store)
    }

    private func dump(_ store: Store, _ sql: String) throws -> [String] {
        let statement = try store.database.cached(sql)
        defer { statement.reset() }
        var rows: [String] = []
        while try statement.step() {
            let count = sqlite3_column_count(statement.handle)
            rows.append((0..<count).map { statement.optionalText($0) ?? "NULL" }.joined(separator: "|"))
        }
        return rows
    }
}
