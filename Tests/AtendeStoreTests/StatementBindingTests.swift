// Statement binds text and blob values from copies it keeps per parameter and lets SQLite read them in place
// (SQLITE_STATIC), growing a copy when a longer value comes: whatever the order of lengths, each run reads exactly
// the values bound for it, an empty text is empty (not NULL), values past the kept size go the old way, and a
// parameter left unbound keeps the last value. And the store's connection does not zero what it deletes.

import CSQLite
import Foundation
import XCTest
import AtendeCore
@testable import AtendeStore

final class StatementBindingTests: StoreTestCase {
    private func roundTrip(_ statement: Statement, _ text: String, _ blob: [UInt8]) throws -> (String?, [UInt8], Bool) {
        statement.rewind()
        try statement.bind(.text(text), at: 1)
        try statement.bind(.blob(blob), at: 2)
        XCTAssertTrue(try statement.step())
        return (statement.optionalText(0), statement.blob(1), statement.isNull(0))
    }

    func testEveryRunReadsTheValuesBoundForIt() throws {
        let database = try Database(path: path)
        let statement = try Statement(database: database, sql: "SELECT ?1, ?2, length(?1), typeof(?1)")
        var generator = SystemRandomNumberGenerator()
        let lengths = [0, 1, 31, 32, 33, 7, 100, 4095, 4096, 3, 4097, 70_000, 0, 64, 5000, 2]
            + (0..<200).map { _ in Int.random(in: 0...5000, using: &generator) }
        for (run, length) in lengths.enumerated() {
            // Each run's bytes differ from the last run's at every position: a stale byte would show.
            let text = String(repeating: run % 2 == 0 ? "a" : "ç", count: length)
            let blob = (0..<length).map { UInt8(truncatingIfNeeded: $0 &+ run) }
            let (read, readBlob, isNull) = try roundTrip(statement, text, blob)
            XCTAssertFalse(isNull, "run \(run): an empty text is bound as text, not NULL")
            XCTAssertEqual(read, text, "run \(run), length \(length)")
            XCTAssertEqual(readBlob, blob, "run \(run), length \(length)")
            XCTAssertEqual(statement.int(2), Int64(length), "run \(run): length in characters")
        }
    }

    func testAParameterLeftUnboundKeepsItsLastValue() throws {
        let database = try Database(path: path)
        let statement = try Statement(database: database, sql: "SELECT ?1, ?2")
        try statement.bind(.text("first"), at: 1)
        try statement.bind(.text("second"), at: 2)
        XCTAssertTrue(try statement.step())
        statement.rewind()
        try statement.bind(.text("third, longer than before"), at: 2)
        XCTAssertTrue(try statement.step())
        XCTAssertEqual(statement.text(0), "first")
        XCTAssertEqual(statement.text(1), "third, longer than before")
    }

    func testValuesAreWrittenAndReadBackThroughTheStore() throws {
        let store = try openStore()
        for id in Int64(1)...300 {
            var chat = conversation(id)
            chat.contactName = String(repeating: "n", count: Int(id % 40))
            try store.saveConversation(chat, new: true)
        }
        try store.commit()
        for id in Int64(1)...300 {
            let chat = try XCTUnwrap(try store.conversation(id))
            XCTAssertEqual(chat.contactName ?? "", String(repeating: "n", count: Int(id % 40)), "chat \(id)")
            XCTAssertEqual(chat.externalId, conversation(id).externalId)
        }
        assertSound(store)
    }

    func testTheStoreDoesNotZeroWhatItDeletes() throws {
        let store = try openStore()
        XCTAssertEqual(try store.database.text("PRAGMA secure_delete"), "0")
    }
}
