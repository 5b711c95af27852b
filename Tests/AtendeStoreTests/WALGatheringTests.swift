// The WAL-gathering VFS (CSQLiteWAL): each commit reaches the WAL file in one write, made by the commit frame
// itself (nothing is left for `settleWAL` after it), in a WAL that starts over as in one that grows, and a
// transaction too large to gather in one run goes out in several. A transaction that spills pages and changes them
// again (SQLite then rewrites frame headers after the commit frame) leaves nothing in memory either; a rolled-back
// one is dropped, not written; a failed write fails the commit and the store goes on. What is written is what
// SQLite meant: another connection through the default VFS reads every commit at once, and a copy of the files
// taken right after a commit (a crash at that moment) recovers every row.

import CSQLite
import Foundation
import XCTest
import AtendeCore
@testable import AtendeStore

final class WALGatheringTests: StoreTestCase {
    /// Rows of the conversations table in the database at `path`, read through SQLite's default VFS.
    private func rowsThroughDefaultVFS(at path: String) throws -> Int64 {
        var db: OpaquePointer?
        guard sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, nil) == SQLITE_OK, let db else {
            sqlite3_close_v2(db)
            throw StoreError(code: 0, message: "cannot open \(path)")
        }
        defer { sqlite3_close_v2(db) }
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(db, "SELECT count(*) FROM conversations", -1, &statement, nil) == SQLITE_OK else {
            throw StoreError(code: sqlite3_errcode(db), message: String(cString: sqlite3_errmsg(db)))
        }
        defer { sqlite3_finalize(statement) }
        guard sqlite3_step(statement) == SQLITE_ROW else {
            throw StoreError(code: sqlite3_errcode(db), message: String(cString: sqlite3_errmsg(db)))
        }
        return sqlite3_column_int64(statement, 0)
    }

    /// Copies the database and its WAL (not the wal-index, which a crash loses) into a new folder; returns the copy.
    private func crashCopy() throws -> String {
        let copy = folder.appendingPathComponent("crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: copy, withIntermediateDirectories: true)
        let target = copy.appendingPathComponent("atende.sqlite").path
        try FileManager.default.copyItem(atPath: path, toPath: target)
        try FileManager.default.copyItem(atPath: path + "-wal", toPath: target + "-wal")
        return target
    }

    /// Saves `count` conversations from id `first` and commits; returns the writes the commit made to the WAL.
    private func commit(_ store: Store, first: Int64, count: Int, nameBytes: Int = 10) throws -> Int64 {
        let before = store.database.walWriteCount
        for id in first..<(first + Int64(count)) {
            var chat = conversation(id)
            chat.contactName = String(repeating: "n", count: nameBytes)
            try store.saveConversation(chat, new: true)
        }
        try store.commit()
        return store.database.walWriteCount - before
    }

    func testEachCommitIsOneWriteMadeByItsCommitFrame() throws {
        let store = try Store(path: path, durability: .full, defersSync: true)
        XCTAssertGreaterThanOrEqual(store.database.walWriteCount, 0, "the WAL is opened through the VFS")
        var next: Int64 = 1
        for count in [1, 5, 50, 400] {
            XCTAssertEqual(try commit(store, first: next, count: count), 1, "a commit of \(count) rows")
            next += Int64(count)
            XCTAssertEqual(store.lateWALBytes, 0, "the commit frame sent everything")
            XCTAssertEqual(try rowsThroughDefaultVFS(at: path), next - 1)
            XCTAssertEqual(try rowsThroughDefaultVFS(at: try crashCopy()), next - 1, "a crash now keeps it")
        }
        XCTAssertFalse(store.lostCommittedFrames)
        assertSound(store)
    }

    func testAWALThatStartsOverIsGatheredAfterItsHeader() throws {
        let store = try Store(path: path, durability: .full, defersSync: true)
        XCTAssertEqual(try commit(store, first: 1, count: 20), 1)
        var next: Int64 = 21
        for _ in 0..<3 {
            try store.database.execute("PRAGMA wal_checkpoint(RESTART)")
            // SQLite syncs a new WAL header before any frame goes after it (so that a crash cannot leave new frames
            // behind an old header): the sync writes the header alone, and the frames follow as one run.
            XCTAssertEqual(try commit(store, first: next, count: 20), 2, "header, then the frames")
            XCTAssertEqual(try commit(store, first: next + 20, count: 20), 1)
            next += 40
        }
        XCTAssertEqual(store.lateWALBytes, 0)
        XCTAssertEqual(try rowsThroughDefaultVFS(at: try crashCopy()), next - 1)
        assertSound(store)
    }

    func testATransactionTooLargeForOneRunGoesOutInSeveral() throws {
        let store = try Store(path: path, durability: .full, defersSync: true)
        // About 6 MiB of rows: past the 4 MiB a run may grow to.
        let writes = try commit(store, first: 1, count: 3000, nameBytes: 2000)
        XCTAssertGreaterThan(writes, 1)
        XCTAssertEqual(store.lateWALBytes, 0)
        XCTAssertEqual(try rowsThroughDefaultVFS(at: try crashCopy()), 3000)
        // That commit passed SQLite's automatic checkpoint, so the next one starts the WAL over (header, frames).
        XCTAssertEqual(try commit(store, first: 3001, count: 3), 2)
        XCTAssertEqual(try commit(store, first: 3004, count: 3), 1, "small commits are gathered again")
        XCTAssertEqual(try rowsThroughDefaultVFS(at: try crashCopy()), 3006)
        assertSound(store)
    }

    func testARolledBackTransactionLeavesNothingBehind() throws {
        let store = try Store(path: path, durability: .full, defersSync: true)
        XCTAssertEqual(try commit(store, first: 1, count: 5), 1)
        for id in Int64(6)...10 { try store.saveConversation(conversation(id), new: true) }
        store.rollback()
        XCTAssertEqual(try commit(store, first: 11, count: 5), 1)
        XCTAssertEqual(try rowsThroughDefaultVFS(at: try crashCopy()), 10)
        XCTAssertEqual(store.lateWALBytes, 0)
        assertSound(store)
    }

    /// A store like the daemon's (no automatic checkpoint) whose page cache holds 16 pages, so that a transaction
    /// of a few hundred rows spills pages into the WAL before its commit.
    private func spillingStore() throws -> Store {
        let store = try Store(path: path, durability: .full, defersSync: true)
        try store.database.execute("PRAGMA wal_autocheckpoint = 0")
        try store.database.execute("PRAGMA cache_size = 16")
        return store
    }

    func testASpilledTransactionThatChangesSpilledPagesAgainIsWholeAfterACrash() throws {
        let store = try spillingStore()
        let before = store.database.walWriteCount
        // Enough rows to outgrow 16 pages of 4 KiB.
        let rows: Int64 = 2400
        for id in 1...rows { try store.saveConversation(conversation(id), new: true) }
        _ = try store.database.scalar("SELECT 1")  // writes the queued rows (DeferredRows)
        XCTAssertGreaterThan(store.database.walWriteCount, before, "pages spilled before the commit")
        // Changing early rows again makes SQLite write over spilled frames and then rewrite frame checksums
        // after the commit frame, reading each frame first: none of that may stay in memory.
        for id in 1...rows where id % 7 == 0 {
            var chat = conversation(id, .closed)
            chat.closedAt = t0
            try store.saveConversation(chat)
        }
        try store.commit()
        XCTAssertEqual(store.lateWALBytes, 0)
        XCTAssertFalse(store.lostCommittedFrames)
        let copy = try crashCopy()
        XCTAssertEqual(try rowsThroughDefaultVFS(at: copy), rows)
        let reopened = try Store(path: copy, durability: .normal)
        let closed = try reopened.database.scalar("SELECT count(*) FROM conversations WHERE state = 'closed'")
        XCTAssertEqual(closed, rows / 7)
        assertSound(reopened)
        XCTAssertEqual(try commit(store, first: rows + 1, count: 3), 1, "small commits are gathered again")
    }

    func testARolledBackSpillIsDroppedNotWritten() throws {
        let store = try spillingStore()
        XCTAssertEqual(try commit(store, first: 1, count: 5), 1)
        for id in Int64(6)...1200 { try store.saveConversation(conversation(id), new: true) }
        _ = try store.database.scalar("SELECT 1")  // writes the queued rows (DeferredRows)
        let beforeRollback = store.database.walWriteCount
        store.rollback()
        XCTAssertEqual(store.database.walWriteCount, beforeRollback, "the gathered frames were dropped")
        XCTAssertEqual(try commit(store, first: 1201, count: 5), 1)
        XCTAssertEqual(try rowsThroughDefaultVFS(at: try crashCopy()), 10)
        XCTAssertEqual(store.lateWALBytes, 0)
        assertSound(store)
    }

    func testAFailedWriteFailsTheCommitAndTheStoreGoesOn() throws {
        let store = try Store(path: path, durability: .full, defersSync: true)
        XCTAssertEqual(try commit(store, first: 1, count: 5), 1)
        store.database.failWALWritesForTests(1)
        assertStoreError(ExtendedCode.write) { _ = try commit(store, first: 6, count: 5) }
        XCTAssertFalse(store.lostCommittedFrames, "SQLite passed the error on: nothing was committed")
        XCTAssertFalse(store.database.inTransaction)
        XCTAssertEqual(try rowsThroughDefaultVFS(at: path), 5)
        XCTAssertEqual(try commit(store, first: 6, count: 5), 1)
        XCTAssertEqual(try rowsThroughDefaultVFS(at: try crashCopy()), 10)
        XCTAssertFalse(store.lostCommittedFrames)
        assertSound(store)
    }
}

