// Store, the turn's transaction: writes open it, commit makes them visible to other connections (never before),
// rollback leaves nothing behind; and errors carry SQLite's code, message and SQL, with a short reason for clients.

import CSQLite
import XCTest
import AtendeCore
@testable import AtendeStore

final class StoreTransactionTests: StoreTestCase {
    func testRollbackLeavesNothing() throws {
        let store = try openStore()
        let writesBefore = store.writeCount
        try store.saveDepartment(Department(id: "sales", name: "Sales"), now: t0)
        try store.saveAttendant(attendant("ana@example.com", departments: ["sales"]))
        try store.saveConversation(conversation(1))
        _ = try store.appendMessage(Message(conversationId: 1, from: .contact, text: "oi", at: t0))
        try store.saveContact(ContactRecord(phone: "+5511987654321", name: "Ana", extra: nil, updatedAt: t0))
        XCTAssertTrue(store.inTransaction)
        XCTAssertEqual(store.writeCount, writesBefore + 5)
        store.rollback()
        XCTAssertFalse(store.inTransaction)
        XCTAssertEqual(try store.departments(), [])
        XCTAssertEqual(try store.attendants(), [])
        XCTAssertNil(try store.conversation(1))
        XCTAssertEqual(try store.messages(1), [])
        XCTAssertEqual(try store.contacts(query: nil), [])
        XCTAssertEqual(try store.maxConversationID(), 0)
        assertSound(store)
    }

    func testWritesAreInvisibleToOtherConnectionsUntilCommit() throws {
        let store = try openStore()
        let reader = try openStore()
        try store.saveConversation(conversation(1))
        XCTAssertNil(try reader.conversation(1), "not before commit")
        try store.commit()
        XCTAssertEqual(try reader.conversation(1), conversation(1))
        try store.commit()
        XCTAssertFalse(store.inTransaction, "commit without a transaction does nothing")
    }

    func testErrorsCarryCodeMessageAndSQL() throws {
        let store = try openStore()
        do {
            try store.database.execute("INSERT INTO nowhere VALUES (1)")
            XCTFail("no error")
        } catch {
            XCTAssertEqual(error.code & 0xff, SQLITE_ERROR)
            XCTAssertTrue(error.message.contains("nowhere"), error.message)
            XCTAssertEqual(error.sql, "INSERT INTO nowhere VALUES (1)")
            XCTAssertTrue(error.description.contains("in: INSERT INTO nowhere"), error.description)
        }
        let reasons: [(Int32, String)] = [
            (SQLITE_FULL, "storage is full"), (SQLITE_READONLY, "storage is read-only"),
            (SQLITE_BUSY, "storage is locked"), (ExtendedCode.fsync, "storage I/O error"),
            (SQLITE_CORRUPT, "storage is corrupt"), (SQLITE_CANTOPEN, "storage cannot be opened"),
            (ExtendedCode.unique, "storage error: boom"),
        ]
        for (code, reason) in reasons {
            XCTAssertEqual(StoreError(code: code, message: "boom").reason, reason)
        }
    }
}
